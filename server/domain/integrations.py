"""Integrations: API tokens' scopes and format, webhook events, signatures and target rules.

Pure: the services (`server/services/api_tokens.py`, `server/services/webhooks.py`) read the
clock, draw the secrets and talk to the network; this module only decides (docs/webhooks.md,
docs/api.md "API tokens").
"""

import hashlib
import hmac
import ipaddress
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from server.domain.errors import FieldError, InvalidInput

TOKEN_PREFIX = "carnet_"
"""Every API token starts with it, so secret scanners (and people) recognise a leaked one."""
SECRET_PREFIX = "whsec_"
"""A webhook subscription's signing secret starts with it."""
TOKEN_DAYS_MAX = 366
"""A token lives at most a year: an integration is renewed, not forgotten."""
REPLAY_WINDOW_S = 300
"""A receiver refuses a delivery whose signed timestamp is further than this from its clock."""
SIGNATURE_HEADER = "Carnet-Signature"
URL_MAX = 500


class Scope(StrEnum):
    """What an API token may do; each endpoint open to tokens names the one it needs.

    Members:
        MONTHS_READ: the list of months and one month with its days (GET /months,
            GET /people/{id}/months/{month}).
        INVOICES_READ: invoices and pre-invoices (GET /invoices, GET /invoices/{id}).
        PEOPLE_READ: the directory (GET /people, GET /people/{id}).
        PEOPLE_WRITE: invite a person (POST /people).
    """

    MONTHS_READ = "months:read"
    INVOICES_READ = "invoices:read"
    PEOPLE_READ = "people:read"
    PEOPLE_WRITE = "people:write"


class Event(StrEnum):
    """What a webhook subscription can be told.

    Members:
        MONTH_SUBMITTED: a consultant handed a month in (it now waits on its first step).
        MONTH_APPROVED: the last manager step approved the month (validated).
        MONTH_SIGNED: the client signer signed it.
        MONTH_SENT_BACK: an approver sent it back, with their comment.
        INVOICE_ISSUED: an invoice was numbered and frozen.
        INVOICE_PAID: the payments recorded cover what was due.
        PERSON_INVITED: an administrator invited a person (or sent them a new link).
        LEAVE_REQUESTED: a consultant asked for leave (it waits on their manager).
        LEAVE_APPROVED: the manager approved a leave request (its days are on the CRA).
        LEAVE_REFUSED: the manager refused a request, pending or already approved.
        LEAVE_CANCELLED: the consultant withdrew their request, pending or approved.
        EXPENSE_SUBMITTED: an expense line was handed in (alone, or with the month's CRA).
        EXPENSE_APPROVED: an expense line was approved (alone, or with the month's CRA): it is
            reimbursed with the month's payroll.
        EXPENSE_REFUSED: an expense line was refused.
        EXPENSE_RETURNED: a submitted line went back to draft with its month (sent back or
            withdrawn, when the firm's expense reports ride the month).
        PING: the test event the administrator sends from the back office.
    """

    MONTH_SUBMITTED = "month.submitted"
    MONTH_APPROVED = "month.approved"
    MONTH_SIGNED = "month.signed"
    MONTH_SENT_BACK = "month.sent_back"
    INVOICE_ISSUED = "invoice.issued"
    INVOICE_PAID = "invoice.paid"
    PERSON_INVITED = "person.invited"
    LEAVE_REQUESTED = "leave.requested"
    LEAVE_APPROVED = "leave.approved"
    LEAVE_REFUSED = "leave.refused"
    LEAVE_CANCELLED = "leave.cancelled"
    EXPENSE_SUBMITTED = "expense.submitted"
    EXPENSE_APPROVED = "expense.approved"
    EXPENSE_REFUSED = "expense.refused"
    EXPENSE_RETURNED = "expense.returned"
    PING = "ping"


SUBSCRIBABLE = tuple(e for e in Event if e is not Event.PING)


def token_hash(token: str) -> str:
    """What the database keeps of a token: its SHA-256 (the token has 256 random bits, so a
    plain hash is enough; nothing to slow down like a password)."""
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(value: str) -> bool:
    return value.startswith(TOKEN_PREFIX) and 20 < len(value) <= 100


def parse_scopes(values: list[str], *, field: str = "scopes") -> frozenset[Scope]:
    problems = [
        FieldError(f"{field}[{i}]", "invalid", f"one of {[s.value for s in Scope]}")
        for i, value in enumerate(values)
        if value not in Scope._value2member_map_
    ]
    if not values:
        problems.append(FieldError(field, "empty", "name at least one scope"))
    if problems:
        raise InvalidInput("invalid scopes", errors=tuple(problems))
    return frozenset(Scope(v) for v in values)


def parse_events(values: list[str], *, field: str = "events") -> frozenset[Event]:
    problems = [
        FieldError(f"{field}[{i}]", "invalid", f"one of {[e.value for e in SUBSCRIBABLE]}")
        for i, value in enumerate(values)
        if value not in {e.value for e in SUBSCRIBABLE}
    ]
    if not values:
        problems.append(FieldError(field, "empty", "name at least one event"))
    if problems:
        raise InvalidInput("invalid events", errors=tuple(problems))
    return frozenset(Event(v) for v in values)


# -- signatures ------------------------------------------------------------------------------


def sign(*, secret: str, timestamp: int, body: bytes) -> str:
    """The ``Carnet-Signature`` header: ``t=<unix seconds>,v1=<hex HMAC-SHA256>`` of
    ``"<t>." + body`` with the subscription's secret (the scheme Stripe made common: the
    timestamp is signed with the body, so an old delivery replayed later is refused)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(
    *, secret: str, header: str, body: bytes, now: int, window_s: int = REPLAY_WINDOW_S
) -> bool:
    """What a receiver does (docs/webhooks.md has the same in a few lines of Python)."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs(now - timestamp) > window_s:
        return False
    expected = sign(secret=secret, timestamp=timestamp, body=body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


# -- where deliveries may go ------------------------------------------------------------------


def check_target_url(url: str, *, field: str = "url") -> tuple[str, str, int]:
    """An absolute http(s) URL without credentials; returns (scheme, host, port).

    Raises:
        InvalidInput: naming ``field``.
    """

    def refuse(code: str, message: str) -> InvalidInput:
        return InvalidInput(
            "this webhook address cannot be used", errors=(FieldError(field, code, message),)
        )

    if len(url) > URL_MAX:
        raise refuse("too_long", f"at most {URL_MAX} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise refuse("invalid", "not a URL") from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise refuse("invalid", "an absolute https:// (or http://) address")
    if parts.username or parts.password:
        raise refuse("credentials", "no user name or password in the address")
    if parts.fragment:
        raise refuse("invalid", "no #fragment")
    default = 443 if parts.scheme == "https" else 80
    return parts.scheme, parts.hostname.lower(), port or default


def forbidden_address(address: str) -> str | None:
    """Why the server must not post to ``address`` (an IP literal), or None when it may.

    Private, loopback, link-local (cloud metadata at 169.254.169.254), multicast, reserved
    and unspecified addresses reach the server's own network, not a firm's integration
    (OWASP SSRF prevention); an IPv4-mapped IPv6 address is judged as the IPv4 it holds.
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "not an IP address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for reason, test in (
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("private", ip.is_private),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),
        ("unspecified", ip.is_unspecified),
    ):
        if test:
            return f"{reason} address {ip}"
    return None


@dataclass(frozen=True)
class Attempt:
    """One delivery attempt as the log shows it."""

    status: int | None
    duration_ms: int
    error: str


def delivery_verdict(status: int | None) -> str:
    """``sent`` for a 2xx; ``retry`` for no answer, 408, 429 and 5xx; ``drop`` otherwise (a
    receiver answering 4xx refuses this delivery for good, e.g. a wrong signature)."""
    if status is not None and 200 <= status < 300:
        return "sent"
    if status is None or status in (408, 429) or status >= 500:
        return "retry"
    return "drop"
