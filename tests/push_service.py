"""A local push service for tests: a real HTTP peer speaking RFC 8030, 8291 and 8292.

It plays both the push service and the phones behind it. Each `Device` is a subscription with
its own P-256 key and auth secret, as a browser would create. A POST to a device's endpoint is
checked like a real push service does — ``Authorization: vapid t=<JWT>, k=<key>``: the ES256
signature against ``k``, ``aud`` equal to the endpoint's origin, ``exp`` in the future and at
most 24 h ahead, and a ``TTL`` header — then the aes128gcm body is decrypted with the device's
private key and auth secret, so a test reads the exact JSON the phone's service worker gets.

A device can be told to answer something else (404, 410, 413, 429 with Retry-After, 500) for
its next requests, and to answer slowly.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid.jwt import decode as vapid_decode


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Received:
    """One message a device got, decrypted, with the headers that came with it."""

    payload: dict[str, Any]
    ttl: int
    urgency: str | None
    topic: str | None
    claims: dict[str, Any]


@dataclass
class Device:
    """A browser's push subscription: keys, and what arrived."""

    name: str
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth_secret: bytes = field(default_factory=lambda: os.urandom(16))
    received: list[Received] = field(default_factory=list)
    answers: list[tuple[int, dict[str, str]]] = field(default_factory=list)

    @property
    def p256dh(self) -> str:
        return b64u(
            self.private_key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )

    @property
    def auth(self) -> str:
        return b64u(self.auth_secret)

    def subscription(self) -> dict[str, Any]:
        """What ``PushSubscription.toJSON()`` gives the page."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}

    def answer(self, status: int, times: int = 1, **headers: str) -> None:
        """Answer ``status`` (with headers) to the next ``times`` requests."""
        self.answers.extend([(status, headers)] * times)

    @property
    def titles(self) -> list[str]:
        return [r.payload["title"] for r in self.received]


class PushService:
    """The server: devices by path, counts of accepted messages and of refusals."""

    def __init__(self, *, delay_s: float = 0.0) -> None:
        self.devices: dict[str, Device] = {}
        self.accepted: Counter[str] = Counter()  # by Topic
        self.refused: Counter[int] = Counter()
        self.delay_s = delay_s
        self.lock = threading.Lock()
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                status, headers = service.handle(self)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def origin(self) -> str:
        return f"http://localhost:{self.server.server_address[1]}"

    def device(self, name: str) -> Device:
        created = Device(name=name, endpoint=f"{self.origin}/push/{name}")
        self.devices[f"/push/{name}"] = created
        return created

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def handle(self, request: BaseHTTPRequestHandler) -> tuple[int, dict[str, str]]:
        body = request.rfile.read(int(request.headers.get("Content-Length", "0")))
        if self.delay_s:
            time.sleep(self.delay_s)
        device = self.devices.get(request.path)
        if device is None:
            return self._refuse(404)
        scheme, _, params = (request.headers.get("Authorization") or "").partition(" ")
        if scheme != "vapid":
            return self._refuse(401)
        try:
            values = dict(p.strip().split("=", 1) for p in params.split(","))
            claims = vapid_decode(values["t"], values["k"])  # verifies the ES256 signature
        except Exception:
            return self._refuse(403)
        now = time.time()
        if claims.get("aud") != self.origin or not now < claims.get("exp", 0) <= now + 86400:
            return self._refuse(403)
        if request.headers.get("Content-Encoding") != "aes128gcm" or "TTL" not in request.headers:
            return self._refuse(400)
        with self.lock:
            if device.answers:
                status, headers = device.answers.pop(0)
                self.refused[status] += 1
                return status, headers
        plain = http_ece.decrypt(
            body,
            private_key=device.private_key,
            auth_secret=device.auth_secret,
            version="aes128gcm",
        )
        received = Received(
            payload=json.loads(plain),
            ttl=int(request.headers["TTL"]),
            urgency=request.headers.get("Urgency"),
            topic=request.headers.get("Topic"),
            claims=claims,
        )
        with self.lock:
            device.received.append(received)
            self.accepted[received.topic or ""] += 1
        return 201, {"Location": f"{self.origin}/message/{len(device.received)}"}

    def _refuse(self, status: int) -> tuple[int, dict[str, str]]:
        with self.lock:
            self.refused[status] += 1
        return status, {}
