"""Domain errors. `server/errors.py` is the one place that turns them into HTTP problems."""

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class FieldError:
    """One reason a request was refused: which field, a stable code, and a sentence."""

    field: str
    code: str
    message: str


class DomainError(Exception):
    """Base of every refusal the domain or a service can raise."""

    code: ClassVar[str] = "error"

    def __init__(self, message: str, *, errors: tuple[FieldError, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors


class NotAuthenticated(DomainError):
    """The request needs a logged-in person."""

    code = "not_authenticated"


class Forbidden(DomainError):
    """The person is known but their roles do not allow this action."""

    code = "forbidden"


class NotFound(DomainError):
    """No such object, or not one this person may see (we do not reveal which)."""

    code = "not_found"


class Gone(DomainError):
    """The object existed but can no longer be used (expired or spent invitation)."""

    code = "gone"


class Conflict(DomainError):
    """The request is well-formed but clashes with the current state."""

    code = "conflict"


class InvalidInput(DomainError):
    """The request is well-formed JSON but breaks a business rule on some field."""

    code = "invalid_input"


class TooLarge(DomainError):
    """What was sent is larger than the server takes (e.g. a spreadsheet to import)."""

    code = "too_large"


class UnsupportedType(DomainError):
    """What was sent is not of a type the server reads (e.g. a spreadsheet format)."""

    code = "unsupported_type"


class Unavailable(DomainError):
    """A service the change depends on is down; nothing was changed, try again later."""

    code = "unavailable"


class AuthenticationFailed(DomainError):
    """A passkey ceremony did not verify."""

    code = "authentication_failed"
