"""Single sign-on for a firm's staff through its OpenID Connect provider (docs/sso.md).

The flow (OpenID Connect Core 1.0 §3.1, authorization code with PKCE, RFC 7636):

1. `begin`: a state, a nonce and a PKCE verifier are drawn and stored in the database (state
   hashed, bound to a random value held in an HttpOnly cookie of the browser that started),
   valid `LOGIN_LIFETIME`; the browser is sent to the provider.
2. `finish`: the callback spends the state once (a replay is refused), checks it came back
   to the same browser (no login CSRF), trades the code for tokens with the verifier, and
   validates the ID token (`oidc_client.verify_id_token`).
3. The verified identity is mapped to an EXISTING active staff member of that firm: by the
   subject remembered from an earlier login, else by the verified e-mail address within the
   firm's allowed domains. Nobody is ever created and no role comes from the provider, so a
   login through the provider never makes anyone an administrator. Once a subject is linked
   to a person, an e-mail change at the provider that would point it at someone else is
   refused, and so is a second subject claiming an already linked person.

Every login and every refusal after the state checked out is recorded in the firm's audit
chain (``person.sso_login``, ``sso.login_refused``), like changes to the settings
(``organisation.sso_changed``).
"""

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from server.domain import model
from server.domain.access import ensure_role
from server.domain.errors import AuthenticationFailed, FieldError, InvalidInput
from server.domain.roles import Actor, Role
from server.services import audit_log, firms
from server.services.accounts import Accounts, Login
from server.services.clock import Clock
from server.services.oidc_client import (
    Discovery,
    OidcClient,
    OidcError,
    Verified,
    issuer_is_acceptable,
    new_secret,
    subject_key,
)
from server.settings import Settings
from server.storage import repositories as repo
from server.storage import sso_store as store

LOGIN_LIFETIME = timedelta(minutes=10)
"""How long a browser may stay at the provider between leaving and coming back."""
CALLBACK_PATH = "/api/v1/auth/sso/callback"
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class SsoRefused(AuthenticationFailed):
    """A single sign-on was refused; `reason` is a stable code the sign-in screen explains."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message, errors=(FieldError(field="sso", code=reason, message=message),))
        self.reason = reason


@dataclass(frozen=True)
class LoginOffer:
    """What the sign-in screen shows for the firm: the button's provider name."""

    organisation_id: str
    display_name: str
    sso_only: bool


@dataclass(frozen=True)
class SsoConfig:
    """The settings as the administrator sees them; the client secret never leaves."""

    display_name: str
    issuer: str
    client_id: str
    client_secret_set: bool
    allowed_domains: tuple[str, ...]
    enabled: bool
    sso_only: bool
    redirect_uri: str


@dataclass(frozen=True)
class SsoConfigInput:
    """The settings as saved, whole. `client_secret`: None keeps the stored one, "" clears it."""

    display_name: str
    issuer: str
    client_id: str
    client_secret: str | None
    allowed_domains: tuple[str, ...]
    enabled: bool
    sso_only: bool


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class SecretBox:
    """Encrypts client secrets at rest with a key derived from the server's secret key, so a
    copy of the database alone does not give the firm's client secret away."""

    def __init__(self, secret_key: str) -> None:
        key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"carnet sso client secret"
        ).derive(secret_key.encode())
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode() if secret else ""

    def open(self, sealed: str) -> str:
        if not sealed:
            return ""
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise SsoRefused(
                "sso_not_configured",
                "the stored client secret cannot be read (the server's secret key changed); "
                "an administrator must enter it again",
            ) from None


class SingleSignOn:
    """Settings, start and finish of the OpenID Connect login of a firm's staff."""

    def __init__(
        self, *, settings: Settings, clock: Clock, accounts: Accounts, client: OidcClient
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.accounts = accounts
        self.client = client
        self.box = SecretBox(settings.secret_key)

    @property
    def redirect_uri(self) -> str:
        """The callback address to register at the provider."""
        return firms.origin(self.settings) + CALLBACK_PATH

    # -- which firm -----------------------------------------------------------------------

    async def firm_for_login(self) -> str | None:
        """The firm whose sign-in screen this is: the one the request's host names
        (docs/multi-tenant.md); while no firm has a host name, the installation's organisation,
        or the only one with single sign-on."""
        firm = firms.current()
        if firm is not None:
            return firm.id
        organisations = await store.organisation_ids()
        if len(organisations) == 1:
            return organisations[0]
        enabled = await store.enabled_organisations()
        return enabled[0] if len(enabled) == 1 else None

    async def login_offer(self, organisation_id: str | None) -> LoginOffer | None:
        if organisation_id is None:
            return None
        stored = await store.settings_of(organisation_id)
        if stored is None or not stored.enabled:
            return None
        return LoginOffer(
            organisation_id=organisation_id,
            display_name=stored.display_name,
            sso_only=stored.sso_only,
        )

    # -- the flow -------------------------------------------------------------------------

    async def begin(self, organisation_id: str | None, *, browser_secret: str) -> str:
        """Store a fresh request and return the provider's authorization URL."""
        stored = await store.settings_of(organisation_id) if organisation_id else None
        if stored is None or not stored.enabled or organisation_id is None:
            raise SsoRefused(
                "sso_not_configured", "single sign-on is not set up for this organisation"
            )
        discovery = await self._discover(stored.issuer)
        state, nonce, verifier = new_secret(), new_secret(), new_secret()
        now = self.clock()
        await store.forget_pending_before(now)
        await store.create_pending(
            organisation_id=organisation_id,
            state_hash=_hash(state),
            browser_hash=_hash(browser_secret),
            nonce=nonce,
            code_verifier=verifier,
            expires_at=now + LOGIN_LIFETIME,
        )
        return self.client.authorization_url(
            discovery,
            client_id=stored.client_id,
            redirect_uri=self.redirect_uri,
            state=state,
            nonce=nonce,
            verifier=verifier,
        )

    async def _discover(self, issuer: str) -> Discovery:
        try:
            return await self.client.discover(issuer)
        except OidcError as error:
            raise SsoRefused(error.code, error.message) from None

    async def finish(
        self,
        *,
        state: str | None,
        code: str | None,
        error: str | None,
        browser_secret: str | None,
    ) -> Login:
        """Finish the login the provider sent the browser back from; `SsoRefused` says why
        not."""
        if not state:
            raise SsoRefused("invalid_state", "the provider's answer has no state")
        now = self.clock()
        pending = await store.spend_pending(state_hash=_hash(state), now=now)
        if pending is None:
            why = await store.pending_state(state_hash=_hash(state))
            if why == "used":
                raise SsoRefused("state_replayed", "this sign-in answer was already used")
            if why == "expired":
                raise SsoRefused("state_expired", "the sign-in took too long; start again")
            raise SsoRefused("invalid_state", "this sign-in answer is unknown; start again")
        organisation_id = pending.organisation_id
        if not firms.belongs(organisation_id):
            # Started on another firm's host: its answer opens nothing here.
            raise SsoRefused("invalid_state", "this sign-in answer is unknown; start again")
        try:
            if not browser_secret or not secrets.compare_digest(
                _hash(browser_secret), pending.browser_hash
            ):
                raise SsoRefused(
                    "browser_mismatch", "this sign-in was started in another browser; start again"
                )
            if error:
                raise SsoRefused("provider_error", f"the provider answered {error[:80]!r}")
            if not code:
                raise SsoRefused("provider_error", "the provider's answer has no code")
            stored = await store.settings_of(organisation_id)
            if stored is None or not stored.enabled:
                raise SsoRefused(
                    "sso_not_configured", "single sign-on is not set up for this organisation"
                )
            verified = await self._verified(
                stored, code=code, nonce=pending.nonce, verifier=pending.code_verifier
            )
            person, key, first = await self._person_of(stored, verified)
        except SsoRefused as refusal:
            await audit_log.record_organisation_event(
                organisation_id=organisation_id,
                kind="sso.login_refused",
                subject=f"organisation:{organisation_id}",
                actor_id=None,
                # The code stays readable; the message may name an address, so it goes under a
                # personal key and is sealed (erasable, docs/privacy.md).
                data={"refusal": refusal.reason, "comment": refusal.message},
                at=now,
            )
            raise
        async with repo.write_transaction():
            if first:
                await store.remember_subject(
                    organisation_id=organisation_id,
                    person_id=person.id,
                    subject_key=key,
                    issuer=verified.issuer,
                    subject=verified.subject,
                    now=now,
                )
            else:
                await store.touch_subject(subject_key=key, now=now)
            await audit_log.record_organisation_event(
                organisation_id=organisation_id,
                kind="person.sso_login",
                subject=f"person:{person.id}",
                actor_id=person.id,
                data={
                    "person": person.id,
                    "issuer": verified.issuer,
                    "subject": verified.subject,
                    "first_login": first,
                },
                at=now,
            )
            return await self.accounts.open_session(person.id)

    async def _verified(
        self, stored: store.StoredSsoSettings, *, code: str, nonce: str, verifier: str
    ) -> Verified:
        try:
            discovery = await self.client.discover(stored.issuer)
            tokens = await self.client.exchange_code(
                discovery,
                client_id=stored.client_id,
                client_secret=self.box.open(stored.client_secret),
                code=code,
                redirect_uri=self.redirect_uri,
                verifier=verifier,
            )
            access_token = tokens.get("access_token")
            return await self.client.verify_id_token(
                discovery,
                id_token=str(tokens["id_token"]),
                client_id=stored.client_id,
                nonce=nonce,
                now=self.clock().timestamp(),
                access_token=access_token if isinstance(access_token, str) else None,
            )
        except OidcError as error:
            raise SsoRefused(error.code, error.message) from None

    async def _person_of(
        self, stored: store.StoredSsoSettings, verified: Verified
    ) -> tuple[model.Person, str, bool]:
        """The staff member the identity stands for, its subject key, and whether this is the
        subject's first login."""
        organisation_id = stored.organisation_id
        key = subject_key(
            organisation_id=organisation_id, issuer=verified.issuer, subject=verified.subject
        )
        linked = await store.person_of_subject(key)
        by_email = None
        if verified.email and verified.email_verified:
            by_email = await store.person_by_email(
                organisation_id=organisation_id, email=verified.email
            )
        if linked is not None:
            person = await repo.get_person(linked)
            if person is None:
                raise SsoRefused("unknown_person", "the person this account signed in as is gone")
            if by_email is not None and by_email.id != person.id:
                raise SsoRefused(
                    "identity_conflict",
                    f"this account signed in as {person.email} before; its address changed to "
                    f"{verified.email}, which is someone else's here: ask your administrator",
                )
            first = False
        else:
            if not verified.email:
                raise SsoRefused("email_missing", "the provider did not give an e-mail address")
            if not verified.email_verified:
                raise SsoRefused(
                    "email_not_verified",
                    f"the provider does not vouch for the address {verified.email}",
                )
            domain = verified.email.rsplit("@", 1)[-1]
            if domain not in stored.allowed_domains:
                raise SsoRefused(
                    "email_domain_not_allowed",
                    f"addresses at {domain} may not sign in to this organisation",
                )
            if by_email is None:
                raise SsoRefused(
                    "unknown_person",
                    f"no one at this organisation has the address {verified.email}; ask your "
                    "administrator to add you",
                )
            if await store.subjects_of(person_id=by_email.id, issuer=verified.issuer):
                raise SsoRefused(
                    "identity_conflict",
                    f"{verified.email} is already linked to another account at the provider; "
                    "ask your administrator",
                )
            person, first = by_email, True
        if not person.active:
            raise SsoRefused(
                "person_inactive",
                "this account was deactivated by an administrator of your organisation",
            )
        if person.client_company_id is not None:
            raise SsoRefused(
                "not_staff", "client contacts sign in with their passkey, not the firm's provider"
            )
        return person, key, first

    # -- settings -------------------------------------------------------------------------

    async def read_config(self, actor: Actor) -> SsoConfig:
        ensure_role(actor, Role.ADMIN)
        stored = await store.settings_of(actor.organisation_id)
        if stored is None:
            return SsoConfig(
                display_name="",
                issuer="",
                client_id="",
                client_secret_set=False,
                allowed_domains=(),
                enabled=False,
                sso_only=False,
                redirect_uri=self.redirect_uri,
            )
        return SsoConfig(
            display_name=stored.display_name,
            issuer=stored.issuer,
            client_id=stored.client_id,
            client_secret_set=bool(stored.client_secret),
            allowed_domains=stored.allowed_domains,
            enabled=stored.enabled,
            sso_only=stored.sso_only,
            redirect_uri=self.redirect_uri,
        )

    async def update_config(self, actor: Actor, new: SsoConfigInput) -> SsoConfig:
        """Save the settings, whole (administrators only; audited as
        ``organisation.sso_changed``, the secret never written to the trail). Enabling checks
        the provider's discovery document first, so a mistyped issuer is refused here rather
        than at the staff's next sign-in."""
        ensure_role(actor, Role.ADMIN)
        domains = tuple(dict.fromkeys(d.strip().lower().lstrip("@") for d in new.allowed_domains))
        issuer = new.issuer.strip()
        errors: list[FieldError] = []
        if not new.display_name.strip():
            errors.append(FieldError("display_name", "required", "name the provider"))
        if issuer and not issuer_is_acceptable(
            issuer, allow_http_loopback=self.client.allow_http_loopback
        ):
            errors.append(FieldError("issuer", "not_https", "the issuer must be an https URL"))
        for index, domain in enumerate(domains):
            if not _DOMAIN.match(domain):
                errors.append(
                    FieldError(
                        f"allowed_domains[{index}]", "invalid", f"{domain!r} is not a domain"
                    )
                )
        if new.enabled:
            if not issuer:
                errors.append(FieldError("issuer", "required", "the issuer URL is required"))
            if not new.client_id.strip():
                errors.append(FieldError("client_id", "required", "the client id is required"))
            if not domains:
                errors.append(
                    FieldError(
                        "allowed_domains",
                        "required",
                        "name at least one e-mail domain of your staff",
                    )
                )
        if new.sso_only and not new.enabled:
            errors.append(
                FieldError("sso_only", "needs_enabled", "single sign-on must be enabled first")
            )
        if not errors and new.enabled:
            try:
                await self.client.discover(issuer, fresh=True)
            except OidcError as error:
                errors.append(FieldError("issuer", error.code, error.message))
        if errors:
            raise InvalidInput("the single sign-on settings are not valid", errors=tuple(errors))
        before = await store.settings_of(actor.organisation_id)
        if new.client_secret is None:
            sealed = before.client_secret if before else ""
            secret_change = "kept"
        else:
            sealed = self.box.seal(new.client_secret)
            secret_change = "changed" if new.client_secret else "cleared"
        fields = {
            "display_name": new.display_name.strip()[:60],
            "issuer": issuer,
            "client_id": new.client_id.strip(),
            "allowed_domains": list(domains),
            "enabled": new.enabled,
            "sso_only": new.sso_only,
        }
        async with repo.write_transaction():
            await store.save_settings(
                actor.organisation_id,
                {**fields, "client_secret": sealed, "updated_at": self.clock()},
            )
            await audit_log.record_organisation_event(
                organisation_id=actor.organisation_id,
                kind="organisation.sso_changed",
                subject=f"organisation:{actor.organisation_id}",
                actor_id=actor.person_id,
                data={**fields, "client_secret": secret_change},
                at=self.clock(),
            )
        return await self.read_config(actor)
