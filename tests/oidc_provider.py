"""A small, real OpenID Connect provider for tests: an HTTP server in a thread that serves
discovery, its JWK set, an authorization endpoint that consents at once for the person the
test chose, and a token endpoint that checks the client, the redirect URI and the PKCE
verifier before handing out an RS256-signed ID token.

Tests misbehave it on purpose: sign with a key it does not publish, change the audience,
issue an expired token, send another nonce, rotate its keys.
"""

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey


@dataclass
class User:
    """Who the provider says signed in."""

    subject: str
    email: str | None
    email_verified: bool = True


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    nonce: str | None
    challenge: str
    user: User


@dataclass
class Provider:
    """Start with `start()`, stop with `stop()`; `issuer` is its base URL."""

    client_id: str = "carnet-test"
    client_secret: str = "s3cret-of-the-client"
    now: Callable[[], float] = time.time
    user: User = field(default_factory=lambda: User("sub-1", "ana@octave.test"))
    claims_override: dict[str, Any] = field(default_factory=dict)
    """Claims set on the next ID tokens over the honest ones (a wrong aud, an old exp…)."""
    rogue_key: RSAKey | None = None
    """When set, tokens are signed with it (under the published kid): a forgery."""
    rogue_kid: str | None = None
    """When set, tokens name this key id in their header (one nobody published)."""
    keys: list[RSAKey] = field(default_factory=list)
    grants: dict[str, Grant] = field(default_factory=dict)
    jwks_requests: int = 0
    token_requests: int = 0
    _server: ThreadingHTTPServer | None = None

    def start(self) -> "Provider":
        self.keys = [_new_key()]
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def issuer(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def rotate(self) -> None:
        """Publish a new key and sign with it; the old one is withdrawn."""
        self.keys = [_new_key()]

    @property
    def signing_key(self) -> RSAKey:
        return self.keys[0]

    def id_token(self, grant: Grant, access_token: str) -> str:
        now = int(self.now())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": grant.user.subject,
            "aud": grant.client_id,
            "iat": now,
            "exp": now + 300,
            "auth_time": now,
            "at_hash": _half_hash(access_token),
        }
        if grant.nonce is not None:
            claims["nonce"] = grant.nonce
        if grant.user.email is not None:
            claims["email"] = grant.user.email
            claims["email_verified"] = grant.user.email_verified
        claims.update(self.claims_override)
        key = self.rogue_key or self.signing_key
        header = {"alg": "RS256", "kid": self.rogue_kid or self.signing_key.kid}
        return jwt.encode(header, claims, key)

    def jwks(self) -> dict[str, Any]:
        return KeySet(self.keys).as_dict(private=False)


def _new_key() -> RSAKey:
    return RSAKey.generate_key(
        2048, parameters={"kid": secrets.token_hex(8), "use": "sig", "alg": "RS256"}
    )


def _half_hash(value: str) -> str:
    digest = hashlib.sha256(value.encode()).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the tests say what matters."""

        def _json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path == "/.well-known/openid-configuration":
                issuer = provider.issuer
                self._json(
                    200,
                    {
                        "issuer": issuer,
                        "authorization_endpoint": f"{issuer}/authorize",
                        "token_endpoint": f"{issuer}/token",
                        "jwks_uri": f"{issuer}/jwks",
                        "response_types_supported": ["code"],
                        "subject_types_supported": ["public"],
                        "id_token_signing_alg_values_supported": ["RS256"],
                        "code_challenge_methods_supported": ["S256"],
                        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
                    },
                )
            elif url.path == "/jwks":
                provider.jwks_requests += 1
                self._json(200, provider.jwks())
            elif url.path == "/authorize":
                self._authorize({k: v[0] for k, v in parse_qs(url.query).items()})
            else:
                self._json(404, {"error": "not_found"})

        def _authorize(self, query: dict[str, str]) -> None:
            if (
                query.get("response_type") != "code"
                or query.get("client_id") != provider.client_id
                or query.get("code_challenge_method") != "S256"
                or not query.get("code_challenge")
                or "openid" not in query.get("scope", "").split()
            ):
                self._json(400, {"error": "invalid_request"})
                return
            code = secrets.token_urlsafe(24)
            provider.grants[code] = Grant(
                client_id=query["client_id"],
                redirect_uri=query["redirect_uri"],
                nonce=query.get("nonce"),
                challenge=query["code_challenge"],
                user=provider.user,
            )
            back = urlencode({"code": code, "state": query.get("state", "")})
            self.send_response(302)
            self.send_header("Location", f"{query['redirect_uri']}?{back}")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_POST(self) -> None:
            if urlsplit(self.path).path != "/token":
                self._json(404, {"error": "not_found"})
                return
            provider.token_requests += 1
            length = int(self.headers.get("Content-Length", "0"))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            expected = base64.b64encode(
                f"{provider.client_id}:{provider.client_secret}".encode()
            ).decode()
            if self.headers.get("Authorization") != f"Basic {expected}":
                self._json(401, {"error": "invalid_client"})
                return
            grant = provider.grants.pop(form.get("code", ""), None)
            verifier = form.get("code_verifier", "")
            challenge = (
                base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                .rstrip(b"=")
                .decode()
            )
            if (
                form.get("grant_type") != "authorization_code"
                or grant is None
                or grant.redirect_uri != form.get("redirect_uri")
                or grant.challenge != challenge
            ):
                self._json(400, {"error": "invalid_grant"})
                return
            access_token = secrets.token_urlsafe(24)
            self._json(
                200,
                {
                    "access_token": access_token,
                    "token_type": "Bearer",
                    "expires_in": 300,
                    "id_token": provider.id_token(grant, access_token),
                },
            )

    return Handler
