"""Web Push delivery (RFC 8030, 8291, 8292): the only module importing pywebpush and py_vapid.

- The VAPID key is a P-256 PEM file, generated on first start in the data directory (created
  with O_EXCL, so two processes starting together end up with the same key) or given by
  settings. Its public key, as the browser's ``applicationServerKey`` wants it, is served at
  ``GET /api/v1/push/vapid-public-key``.
- Each send builds a fresh claims dict: pywebpush writes ``aud``/``exp`` into the dict it gets
  (pywebpush #79, #130), and a reused one would carry another push service's audience.
- ``TTL`` is set (pywebpush's default 0 means "deliver now or drop", lost on a sleeping phone),
  ``Urgency`` fits the message, and ``Topic`` is derived from the idempotency key so a push
  service replaces an undelivered copy instead of showing it twice.
"""

import base64
import hashlib
import json
import os
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid
from pywebpush import WebPushException, webpush_async

from server.domain.errors import FieldError, InvalidInput
from server.domain.outbox import Subscription
from server.settings import Settings

MAX_TTL_S = 28 * 24 * 3600
SEND_TIMEOUT_S = 10.0
_B64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def load_vapid(settings: Settings) -> Vapid:
    """The server's VAPID key: from settings' PEM file, or generated once into the data dir."""
    if settings.vapid_private_key_file:
        return Vapid.from_pem(Path(settings.vapid_private_key_file).read_bytes())
    path = settings.data_dir / "vapid_private_key.pem"
    if not path.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        fresh = Vapid()
        fresh.generate_keys()
        pem = fresh.private_pem()
        # Written whole under a private name, then linked into place: a process starting at the
        # same moment sees no file or a complete one, never one still being written.
        draft = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(pem)
            os.link(draft, path)
        except FileExistsError:
            pass  # another process won the race; use its key
        finally:
            draft.unlink(missing_ok=True)
    return Vapid.from_pem(path.read_bytes())


def application_server_key(vapid: Vapid) -> str:
    """The public key as base64url of the uncompressed point (``applicationServerKey``)."""
    public = vapid.public_key
    numbers = public.public_numbers()
    point = b"\x04" + numbers.x.to_bytes(32, "big") + numbers.y.to_bytes(32, "big")
    return b64url(point)


def _known_host(host: str, allowed: Sequence[str]) -> bool:
    return not allowed or any(host == a or host.endswith("." + a) for a in allowed)


def check_subscription(
    *,
    endpoint: str,
    p256dh: str,
    auth: str,
    allow_http_localhost: bool,
    service_hosts: Sequence[str] = (),
) -> tuple[str, str, str]:
    """Validate a subscription from a browser, or raise InvalidInput naming each bad field.

    The endpoint must be an https URL of at most 1024 characters on one of ``service_hosts``
    (or a subdomain of one; any host when empty), so the server only ever posts to push
    services, never to an address of the user's choosing (SSRF); http://localhost or
    127.0.0.1 only when allowed, for tests. ``p256dh`` must be a base64url uncompressed P-256
    point on the curve (65 bytes), ``auth`` a base64url 16-byte secret.
    """
    problems = []
    parts = urlsplit(endpoint) if len(endpoint) <= 1024 else None
    host = (parts.hostname or "") if parts is not None else ""
    local = allow_http_localhost and host in {"localhost", "127.0.0.1"}
    scheme = parts.scheme if parts is not None else ""
    acceptable = (scheme == "https" and _known_host(host, service_hosts)) or (
        local and scheme in {"http", "https"}
    )
    if parts is None or not host or parts.username is not None or not acceptable:
        problems.append(
            FieldError("endpoint", "invalid", "must be an https URL of a push service")
        )
    try:
        if not _B64URL.match(p256dh):
            raise ValueError(p256dh)
        point = _unb64url(p256dh)
        if len(point) != 65 or point[0] != 4:
            raise ValueError(p256dh)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        problems.append(
            FieldError("keys.p256dh", "invalid", "must be a base64url uncompressed P-256 point")
        )
    try:
        if not _B64URL.match(auth) or len(_unb64url(auth)) != 16:
            raise ValueError(auth)
    except ValueError:
        problems.append(FieldError("keys.auth", "invalid", "must be 16 bytes in base64url"))
    if problems:
        raise InvalidInput("invalid push subscription", errors=tuple(problems))
    return endpoint, p256dh, auth


def topic_of(key: str) -> str:
    """An RFC 8030 Topic (≤ 32 base64url characters) standing for an idempotency key."""
    return b64url(hashlib.sha256(key.encode()).digest())[:32]


@dataclass(frozen=True)
class PushResult:
    """One device's answer: status (None on a network failure) and Retry-After."""

    endpoint: str
    status: int | None
    retry_after: str | None = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class PushSender:
    """Sends encrypted, VAPID-signed messages to push services, over one aiohttp session."""

    def __init__(self, *, vapid: Vapid, subject: str) -> None:
        self.vapid = vapid
        self.subject = subject
        self._session: aiohttp.ClientSession | None = None

    async def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=SEND_TIMEOUT_S)
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def send(
        self,
        *,
        subscription: Subscription,
        payload: dict[str, Any],
        ttl_s: int,
        urgency: str,
        topic: str,
    ) -> PushResult:
        """Send one message to one device; never raises for a push service's refusal."""
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        try:
            response = await webpush_async(
                subscription_info=subscription.info(),
                data=data,
                vapid_private_key=self.vapid,
                vapid_claims={"sub": self.subject},  # fresh per call: pywebpush mutates it
                ttl=max(0, min(ttl_s, MAX_TTL_S)),
                headers={"Urgency": urgency, "Topic": topic},
                timeout=SEND_TIMEOUT_S,
                aiohttp_session=await self._http(),
            )
        except WebPushException as error:
            return PushResult(
                endpoint=subscription.endpoint,
                status=error.status_code,
                retry_after=error.retry_after,
                error=str(error.message)[:200],
            )
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            return PushResult(
                endpoint=subscription.endpoint, status=None, error=type(error).__name__
            )
        status = getattr(response, "status", None)
        return PushResult(endpoint=subscription.endpoint, status=status)
