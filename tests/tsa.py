"""A local RFC 3161 timestamping authority for tests: a real HTTP peer minting real tokens.

A root CA issues a TSA certificate (critical EKU id-kp-timeStamping); pyHanko's
``DummyTimeStamper`` signs each request's TSTInfo. Served by ``http.server`` on 127.0.0.1 with
``Content-Type: application/timestamp-reply`` (RFC 3161 §3.4). ``clock`` sets genTime, so the
tests' fake clock and the TSA agree.
"""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

from server.settings import Settings


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Carnet tests"),
        ]
    )


@dataclass
class LocalAuthority:
    """The CA and TSA keys of a local timestamping authority."""

    root: x509.Certificate
    certificate: x509.Certificate
    key: rsa.RSAPrivateKey
    requests: list[bytes] = field(default_factory=list)
    failing: bool = False

    @classmethod
    def create(cls) -> "LocalAuthority":
        start = datetime(2020, 1, 1, tzinfo=UTC)
        root_key = ec.generate_private_key(ec.SECP256R1())
        root = (
            x509.CertificateBuilder()
            .subject_name(_name("Carnet test root"))
            .issuer_name(_name("Carnet test root"))
            .public_key(root_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + timedelta(days=365 * 20))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(root_key, hashes.SHA256())
        )
        # pyHanko's dummy TSA signs with RSA only.
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(_name("Carnet test TSA"))
            .issuer_name(root.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + timedelta(days=365 * 20))
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
            )
            .sign(root_key, hashes.SHA256())
        )
        return cls(root=root, certificate=certificate, key=key)

    def stamper(self, at: datetime | None) -> DummyTimeStamper:
        der = serialization.Encoding.DER
        return DummyTimeStamper(
            tsa_cert=asn1_x509.Certificate.load(self.certificate.public_bytes(der)),
            tsa_key=asn1_keys.PrivateKeyInfo.load(
                self.key.private_bytes(
                    der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                )
            ),
            fixed_dt=at,
        )

    def root_pem(self) -> bytes:
        return self.root.public_bytes(serialization.Encoding.PEM)


@contextmanager
def serve_tsa(
    authority: LocalAuthority | None = None, *, clock: Callable[[], datetime] | None = None
) -> Iterator[tuple[str, LocalAuthority]]:
    """Serve a TSA on 127.0.0.1; yields its URL and its authority."""
    tsa = authority or LocalAuthority.create()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            tsa.requests.append(body)
            if tsa.failing or self.headers.get("Content-Type") != "application/timestamp-query":
                self.send_response(503 if tsa.failing else 415)
                self.end_headers()
                return
            request = tsp.TimeStampReq.load(body)
            reply = tsa.stamper(clock() if clock else None).request_tsa_response(request)
            data = reply.dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/tsa", tsa
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(name="tsa")
def tsa_fixture(clock: Callable[[], datetime]) -> Iterator[tuple[str, LocalAuthority]]:
    """A local RFC 3161 authority whose genTime is the test's clock."""
    with serve_tsa(clock=clock) as served:
        yield served


@pytest.fixture(name="settings")
def timestamped_settings(settings: Settings, tsa: tuple[str, LocalAuthority]) -> Settings:
    """The test's settings with the local TSA configured (import both fixtures to use it)."""
    return settings.model_copy(update={"tsa_url": tsa[0]})
