"""Several firms on one installation (docs/multi-tenant.md).

Every API request is for one firm, named by its host name: `resolve` finds it before the handler
runs and `enter` keeps it for the rest of the request, so a session, an invitation, a signature
link or a passkey of another firm is refused, and passkey ceremonies use the firm's relying-party
id and origin. Outside a request (the worker, the command line) no firm is current and links are
built from the organisation's own address (`origin_of`).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from urllib.parse import urlsplit

from server.domain import model
from server.domain.errors import Conflict, DomainError, FieldError, InvalidInput, NotFound
from server.settings import Settings
from server.storage import firm_store
from server.storage import repositories as repo


@dataclass(frozen=True)
class Firm:
    """The organisation a request is for, with the address its passkeys are bound to."""

    id: str
    host: str | None
    rp_id: str
    origin: str


_CURRENT: ContextVar[Firm | None] = ContextVar("carnet_firm", default=None)


def hostname_of(host: str) -> str:
    """`firm.example` out of a Host header value such as `firm.example:8443`."""
    return urlsplit(f"//{host}").hostname or ""


def address(row: firm_store.FirmRow, settings: Settings) -> Firm:
    """The firm's origin and relying-party id: its own when the operator set them, else derived.

    Without an origin, the firm's host with the installation's scheme. Without a relying-party
    id, the installation's when it covers the firm's host (a parent domain, WebAuthn §5.1.3:
    `carnet.example` serves `firm.carnet.example`, and passkeys made before the firm had a host
    keep working), else the firm's host name.
    """
    scheme = urlsplit(settings.origin).scheme
    origin = row.origin or (f"{scheme}://{row.host}" if row.host else settings.origin)
    hostname = urlsplit(origin).hostname or ""
    covered = hostname == settings.rp_id or hostname.endswith("." + settings.rp_id)
    rp_id = row.rp_id or (settings.rp_id if covered or not row.host else hostname)
    return Firm(id=row.id, host=row.host, rp_id=rp_id, origin=origin.rstrip("/"))


async def resolve(*, settings: Settings, host: str) -> Firm | None:
    """The firm answering on `host`; None while no firm has a host name.

    The firm whose host it is; else the default firm (the one firm without a host name, or the
    only firm), which answers every host no other firm claims, so a one-firm installation works
    as before and keeps its address when a second firm is added. With no firm to answer, 404.
    """
    host = host.strip().lower()
    found = await firm_store.firm_for_host(host=host, hostname=hostname_of(host))
    if found.firm is not None:
        return address(found.firm, settings)
    if found.hosts_unused:
        return None
    msg = f"no firm answers on the host name {host!r}"
    raise NotFound(msg, errors=(FieldError(field="Host", code="unknown_host", message=msg),))


@contextmanager
def entered(firm: Firm | None) -> Iterator[None]:
    """Make `firm` the current firm for the duration of a request (even None: no firm)."""
    token = _CURRENT.set(firm)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def current() -> Firm | None:
    return _CURRENT.get()


def belongs(organisation_id: str) -> bool:
    """Whether an organisation's row may be used in this request: its own firm's only."""
    firm = _CURRENT.get()
    return firm is None or firm.id == organisation_id


def rp_id(settings: Settings) -> str:
    firm = _CURRENT.get()
    return settings.rp_id if firm is None else firm.rp_id


def origin(settings: Settings) -> str:
    firm = _CURRENT.get()
    return settings.origin if firm is None else firm.origin


async def origin_of(organisation_id: str, settings: Settings) -> str:
    """An organisation's origin, for links made outside a request (e-mails, the CLI)."""
    firm = _CURRENT.get()
    if firm is not None and firm.id == organisation_id:
        return firm.origin
    row = await firm_store.get_firm(organisation_id)
    return settings.origin if row is None else address(row, settings).origin


# -- the operator's commands -----------------------------------------------------------------


def _checked_host(host: str) -> str:
    value = host.strip().lower().rstrip(".")
    name = hostname_of(value)
    if not name or "/" in value or "@" in value or any(c.isspace() for c in value):
        msg = f"{host!r} is not a host name (firm.example or firm.example:8443)"
        raise InvalidInput(msg, errors=(FieldError(field="host", code="invalid", message=msg),))
    return value


def _checked_origin(origin: str) -> str:
    parts = urlsplit(origin)
    bare = parts.scheme in {"http", "https"} and parts.netloc and not parts.path.strip("/")
    if origin and not bare:
        msg = f"{origin!r} is not an origin (https://firm.example)"
        raise InvalidInput(msg, errors=(FieldError(field="origin", code="invalid", message=msg),))
    return origin.rstrip("/")


async def set_address(
    *, organisation_id: str, host: str, rp_id: str = "", origin: str = ""
) -> None:
    """Give a firm its host name (and optionally its relying-party id and origin)."""
    host = _checked_host(host)
    origin = _checked_origin(origin)
    if await firm_store.host_taken(host, other_than=organisation_id):
        msg = f"another firm already answers on {host}"
        raise Conflict(msg, errors=(FieldError(field="host", code="taken", message=msg),))
    if not await firm_store.set_firm_address(
        organisation_id=organisation_id, host=host, rp_id=rp_id.strip().lower(), origin=origin
    ):
        msg = f"no organisation {organisation_id}"
        raise NotFound(msg)


async def create_firm(
    *,
    legal_name: str,
    host: str,
    rp_id: str = "",
    origin: str = "",
    siren: str = "000000000",
    siret: str = "00000000000000",
    vat_number: str = "",
    address_text: str = "",
) -> model.Organisation:
    """A new firm on its host name. At most one firm may be without a host (the default firm,
    which answers every host no other firm claims): with two, neither would be reachable."""
    hostless = [(row, name) for row, name in await firm_store.list_firms() if row.host is None]
    if len(hostless) > 1:
        names = ", ".join(f"{name!r} ({row.id})" for row, name in hostless)
        msg = f"several firms have no host name ({names}); give them one with `carnet firm-host`"
        raise DomainError(msg)
    host = _checked_host(host)
    if await firm_store.host_taken(host):
        msg = f"another firm already answers on {host}"
        raise Conflict(msg, errors=(FieldError(field="host", code="taken", message=msg),))
    async with repo.write_transaction():
        organisation = await repo.create_organisation(
            legal_name=legal_name,
            siren=siren,
            siret=siret,
            vat_number=vat_number,
            address=address_text,
        )
        await set_address(organisation_id=organisation.id, host=host, rp_id=rp_id, origin=origin)
    return organisation
