"""The OpenID Connect relying party: discovery, the authorization request, the code exchange
and the ID token's validation (OpenID Connect Core 1.0 §3.1, RFC 7636 PKCE).

The protocol pieces come from well-kept libraries: Authlib builds the authorization URL and
the token request and checks the ID token's OIDC claims (iss, aud, azp, nonce, at_hash);
joserfc verifies the signature against the provider's published JWK set and the times (exp,
iat, nbf) with a small leeway. This module only fetches documents and decides when to refetch:

- discovery documents are cached for an hour per issuer (a provider changes them rarely);
- the JWK set is cached too, and refetched when a token names a key id it does not hold (the
  provider rotated its keys), at most once per `JWKS_REFRESH_INTERVAL` per provider, so a
  flood of tokens with made-up key ids cannot make us hammer the provider.

Caches are per process: they hold public documents only, so several processes each keeping
their own copy changes nothing but a few more fetches.
"""

import base64
import hashlib
import ipaddress
import json
import secrets
import socket
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ExpiredTokenError,
    InvalidClaimError,
    InvalidKeyIdError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwk import KeySet
from joserfc.jws import extract_compact

DISCOVERY_TTL_S = 3600.0
JWKS_TTL_S = 3600.0
JWKS_REFRESH_INTERVAL_S = 60.0
HTTP_TIMEOUT_S = 10.0
LEEWAY_S = 60
"""Clock skew allowed on exp, iat and nbf: a minute, as most relying parties do."""
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384")
"""Asymmetric algorithms only: `none` and the HMAC family (keyed with the client secret) are
never accepted, so a token cannot be forged from something the relying party knows."""
MAX_DOCUMENT_BYTES = 512 * 1024


class OidcError(Exception):
    """A step of the flow failed; `code` is stable (docs/sso.md), `message` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Discovery:
    """The parts of the provider's metadata (OpenID Connect Discovery 1.0 §3) we use."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    token_auth_methods: tuple[str, ...]


@dataclass(frozen=True)
class Verified:
    """An ID token whose signature and claims verified."""

    issuer: str
    subject: str
    email: str | None
    email_verified: bool
    claims: dict[str, Any]


def new_secret() -> str:
    """A random value for state, nonce or PKCE verifier (43 characters, 256 bits)."""
    return secrets.token_urlsafe(32)


def code_challenge(verifier: str) -> str:
    """The S256 challenge of a PKCE verifier (RFC 7636 §4.2)."""
    return str(create_s256_code_challenge(verifier))


def issuer_is_acceptable(issuer: str, *, allow_http_loopback: bool) -> bool:
    """An issuer is an https URL with no query or fragment (Discovery §2); plain http only for
    a provider on this machine, and only when the operator allows it (tests, local Keycloak)."""
    parts = urlsplit(issuer)
    if parts.query or parts.fragment or not parts.hostname:
        return False
    if parts.scheme == "https":
        return True
    return (
        allow_http_loopback
        and parts.scheme == "http"
        and parts.hostname in {"localhost", "127.0.0.1", "::1"}
    )


class _GuardedResolver(AbstractResolver):
    """Resolves a provider's host and keeps only addresses it may reach, so that an issuer an
    administrator typed cannot make the server call into its own network (SSRF): loopback only
    when the operator allows a local provider, private and link-local ranges only when the
    operator says the providers live there. The connection uses the addresses kept here, so a
    name that resolves differently a moment later changes nothing."""

    def __init__(self, *, allow_loopback: bool, allow_private: bool) -> None:
        self._inner = aiohttp.ThreadedResolver()
        self.allow_loopback = allow_loopback
        self.allow_private = allow_private
        self.refused: str | None = None

    def refuse_literal(self, url: str) -> None:
        """aiohttp connects to an IP address written in the URL without resolving it: the
        same rule, applied here."""
        host = urlsplit(url).hostname or ""
        try:
            ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:
            return
        if not self._allowed(host):
            self.refused = host
            raise OSError(f"{host} is an address the server may not call")

    def _allowed(self, address: str) -> bool:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if ip.is_loopback:
            return self.allow_loopback
        if ip.is_private or ip.is_link_local or ip.is_reserved or ip.is_unspecified:
            return self.allow_private
        return not ip.is_multicast

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        kept = [item for item in found if self._allowed(item["host"])]
        if not kept:
            self.refused = host
            raise OSError(f"{host} resolves only to addresses the server may not call")
        return kept

    async def close(self) -> None:
        await self._inner.close()


class OidcClient:
    """Discovery and key caches, shared by every login of this process."""

    def __init__(
        self, *, allow_http_loopback: bool = False, allow_private_networks: bool = False
    ) -> None:
        self.allow_http_loopback = allow_http_loopback
        self.allow_private_networks = allow_private_networks
        self._discovery: dict[str, tuple[float, Discovery]] = {}
        self._keys: dict[str, tuple[float, KeySet]] = {}
        self._refreshed_at: dict[str, float] = {}
        self.jwks_fetches = 0
        """How many times a JWK set was fetched (tests prove the rate limit with it)."""

    # -- documents ---------------------------------------------------------------------------

    def _http(self, url: str) -> tuple[aiohttp.ClientSession, _GuardedResolver]:
        """A client session for one request to `url`, refused first if it names an address
        the server may not call."""
        resolver = _GuardedResolver(
            allow_loopback=self.allow_http_loopback, allow_private=self.allow_private_networks
        )
        try:
            resolver.refuse_literal(url)
        except OSError as error:
            raise self._unreachable(resolver, url, error) from None
        session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(resolver=resolver),
            timeout=aiohttp.ClientTimeout(total=HTTP_TIMEOUT_S),
        )
        return session, resolver

    @staticmethod
    def _unreachable(resolver: _GuardedResolver, what: str, error: Exception) -> OidcError:
        if resolver.refused is not None:
            return OidcError(
                "provider_address_refused",
                f"{resolver.refused} is an address on the server's own network",
            )
        return OidcError("provider_unreachable", f"{what} did not answer: {error}")

    async def _get_json(self, url: str) -> dict[str, Any]:
        if not issuer_is_acceptable(url, allow_http_loopback=self.allow_http_loopback):
            raise OidcError("provider_unreachable", f"{url} is not an https URL")
        http, resolver = self._http(url)
        try:
            async with http, http.get(url, allow_redirects=False) as response:
                body = await response.content.read(MAX_DOCUMENT_BYTES + 1)
                status = response.status
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            raise self._unreachable(resolver, url, error) from None
        if status != 200 or len(body) > MAX_DOCUMENT_BYTES:
            raise OidcError("provider_unreachable", f"{url} answered {status}")
        try:
            document = json.loads(body)
        except ValueError:
            raise OidcError("provider_unreachable", f"{url} did not answer JSON") from None
        if not isinstance(document, dict):
            raise OidcError("provider_unreachable", f"{url} did not answer a JSON object")
        return document

    async def discover(self, issuer: str, *, fresh: bool = False) -> Discovery:
        """The provider's metadata, from its `.well-known/openid-configuration` (cached)."""
        cached = self._discovery.get(issuer)
        if cached and not fresh and time.monotonic() - cached[0] < DISCOVERY_TTL_S:
            return cached[1]
        url = issuer.rstrip("/") + "/.well-known/openid-configuration"
        document = await self._get_json(url)
        # Discovery §4.3: the issuer in the document is exactly the one we asked about, or an
        # impostor's metadata could send us to its own endpoints.
        if document.get("issuer") != issuer:
            raise OidcError(
                "invalid_issuer",
                f"the provider calls itself {document.get('issuer')!r}, not {issuer!r}",
            )
        try:
            found = Discovery(
                issuer=issuer,
                authorization_endpoint=str(document["authorization_endpoint"]),
                token_endpoint=str(document["token_endpoint"]),
                jwks_uri=str(document["jwks_uri"]),
                token_auth_methods=tuple(
                    document.get("token_endpoint_auth_methods_supported")
                    or ("client_secret_basic",)
                ),
            )
        except KeyError as missing:
            raise OidcError(
                "provider_unreachable", f"the provider's metadata has no {missing.args[0]}"
            ) from None
        for endpoint in (found.authorization_endpoint, found.token_endpoint, found.jwks_uri):
            if not issuer_is_acceptable(endpoint, allow_http_loopback=self.allow_http_loopback):
                raise OidcError("provider_unreachable", f"{endpoint} is not an https URL")
        self._discovery[issuer] = (time.monotonic(), found)
        return found

    async def _key_set(self, discovery: Discovery, *, refresh: bool) -> KeySet:
        now = time.monotonic()
        cached = self._keys.get(discovery.jwks_uri)
        if cached and not refresh and now - cached[0] < JWKS_TTL_S:
            return cached[1]
        if cached and refresh:
            last = self._refreshed_at.get(discovery.jwks_uri, float("-inf"))
            if now - last < JWKS_REFRESH_INTERVAL_S:
                return cached[1]  # refetched for an unknown key a moment ago: nothing newer
            self._refreshed_at[discovery.jwks_uri] = now
        self.jwks_fetches += 1
        document = await self._get_json(discovery.jwks_uri)
        try:
            keys = KeySet.import_key_set(document)  # type: ignore[arg-type]
        except (JoseError, ValueError, TypeError, KeyError):
            raise OidcError("provider_unreachable", "the provider's key set is invalid") from None
        self._keys[discovery.jwks_uri] = (now, keys)
        return keys

    # -- the flow ----------------------------------------------------------------------------

    def authorization_url(
        self,
        discovery: Discovery,
        *,
        client_id: str,
        redirect_uri: str,
        state: str,
        nonce: str,
        verifier: str,
        login_hint: str | None = None,
    ) -> str:
        extra: dict[str, str] = {
            "nonce": nonce,
            "code_challenge": code_challenge(verifier),
            "code_challenge_method": "S256",
        }
        if login_hint:
            extra["login_hint"] = login_hint
        return str(
            prepare_grant_uri(
                discovery.authorization_endpoint,
                client_id=client_id,
                response_type="code",
                redirect_uri=redirect_uri,
                scope="openid email profile",
                state=state,
                **extra,
            )
        )

    async def exchange_code(
        self,
        discovery: Discovery,
        *,
        client_id: str,
        client_secret: str,
        code: str,
        redirect_uri: str,
        verifier: str,
    ) -> dict[str, Any]:
        """Trade the code for tokens at the token endpoint (Core §3.1.3.1), authenticating as
        the client with HTTP Basic when the provider offers it, else in the body."""
        params: dict[str, str] = {"code_verifier": verifier}
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        basic = "client_secret_basic" in discovery.token_auth_methods or not client_secret
        if client_secret and basic:
            pair = f"{_form(client_id)}:{_form(client_secret)}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        else:
            params["client_id"] = client_id
            if client_secret:
                params["client_secret"] = client_secret
        if not client_secret:
            params["client_id"] = client_id
        body = prepare_token_request(
            "authorization_code", code=code, redirect_uri=redirect_uri, **params
        )
        http, resolver = self._http(discovery.token_endpoint)
        try:
            async with (
                http,
                http.post(
                    discovery.token_endpoint, data=body, headers=headers, allow_redirects=False
                ) as response,
            ):
                raw = await response.content.read(MAX_DOCUMENT_BYTES + 1)
                status = response.status
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            raise self._unreachable(resolver, "the token endpoint", error) from None
        try:
            answer = json.loads(raw)
        except ValueError:
            answer = {}
        if status != 200 or not isinstance(answer, dict) or "id_token" not in answer:
            reason = answer.get("error") if isinstance(answer, dict) else None
            raise OidcError(
                "token_exchange_failed",
                f"the provider refused the code ({status} {reason or 'no id_token'})",
            )
        return answer

    async def verify_id_token(
        self,
        discovery: Discovery,
        *,
        id_token: str,
        client_id: str,
        nonce: str,
        now: float,
        access_token: str | None = None,
    ) -> Verified:
        """Check the ID token (Core §3.1.3.7): signature by a key of the provider's JWK set
        (refetched once on an unknown key id), issuer, audience, azp, exp/iat/nbf with
        `LEEWAY_S`, and the nonce we sent."""
        try:
            header = extract_compact(id_token.encode()).headers()
        except (JoseError, ValueError):
            raise OidcError("invalid_token", "the ID token is not a compact JWS") from None
        if header.get("alg") not in SIGNING_ALGORITHMS:
            raise OidcError("invalid_signature", f"algorithm {header.get('alg')!r} not accepted")
        keys = await self._key_set(discovery, refresh=False)
        kid = header.get("kid")
        if kid is not None and all(k.kid != kid for k in keys.keys):
            keys = await self._key_set(discovery, refresh=True)
        try:
            token = jwt.decode(id_token, keys, algorithms=list(SIGNING_ALGORITHMS))
        except InvalidKeyIdError:
            raise OidcError("invalid_signature", f"no key {kid!r} in the provider's set") from None
        except BadSignatureError:
            raise OidcError("invalid_signature", "the ID token's signature is wrong") from None
        except (JoseError, ValueError):
            raise OidcError("invalid_token", "the ID token cannot be read") from None
        claims = CodeIDToken(
            token.claims,
            token.header,
            options={
                "iss": {"essential": True, "value": discovery.issuer},
                "aud": {"essential": True, "value": client_id},
                "sub": {"essential": True},
            },
            params={"nonce": nonce, "client_id": client_id, "access_token": access_token},
        )
        try:
            claims.validate(now=int(now), leeway=LEEWAY_S)
        except ExpiredTokenError:
            raise OidcError("token_expired", "the ID token has expired") from None
        except (InvalidClaimError, MissingClaimError) as error:
            claim = getattr(error, "claim", "") or ""
            code = {
                "iss": "invalid_issuer",
                "aud": "invalid_audience",
                "azp": "invalid_audience",
                "nonce": "invalid_nonce",
                "exp": "token_expired",
                "iat": "token_expired",
                "nbf": "token_expired",
            }.get(claim, "invalid_token")
            raise OidcError(
                code, f"the ID token's {claim or 'claims'} is not acceptable"
            ) from None
        except JoseError:
            raise OidcError("invalid_token", "the ID token's claims are not acceptable") from None
        subject = token.claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise OidcError("invalid_token", "the ID token has no subject")
        email = token.claims.get("email")
        return Verified(
            issuer=discovery.issuer,
            subject=subject,
            email=email.strip().lower() if isinstance(email, str) else None,
            # Entra ID sends no email_verified; its optional claim xms_edov says the same
            # thing (the domain's owner verified the address).
            email_verified=(
                token.claims.get("email_verified") is True or token.claims.get("xms_edov") is True
            ),
            claims=dict(token.claims),
        )


def _form(value: str) -> str:
    """RFC 6749 §2.3.1: client id and secret are form-urlencoded before Basic encoding."""
    return quote_plus(value)


def subject_key(*, organisation_id: str, issuer: str, subject: str) -> str:
    """One remembered identity's key: a subject is unique only within its issuer."""
    return hashlib.sha256(f"{organisation_id}\n{issuer}\n{subject}".encode()).hexdigest()
