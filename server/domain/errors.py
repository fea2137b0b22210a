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


class Unavailable(DomainError):
    """A service the change depends on is down; nothing was changed, try again later."""

    code = "unavailable"


class AuthenticationFailed(DomainError):
    """A passkey ceremony did not verify."""

    code = "authentication_failed"


class PayloadTooLarge(DomainError):
    """A body over the size allowed for what it carries (a receipt over 10 MB, a spreadsheet
    over 2 MB)."""

    code = "payload_too_large"


class UnsupportedMedia(DomainError):
    """A body of a type the endpoint does not take (a receipt that is not JPEG, PNG, WebP or
    PDF, a spreadsheet that is neither CSV nor XLSX)."""

    code = "unsupported_media_type"
