"""Single sign-on (docs/sso.md): the sign-in screen's offer, the trip to the firm's provider
and back, and the administrator's settings."""

import secrets
from typing import Annotated, Any, TypeAlias

from litestar import Controller, Request, get, put
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter
from litestar.response import Redirect
from litestar.status_codes import HTTP_303_SEE_OTHER

from server.api.cookies import with_session
from server.api.deps import SessionDep
from server.api.openapi import problems
from server.api.sso_schemas import SsoOfferOut, SsoSettingsIn, SsoSettingsOut
from server.services.sso import SingleSignOn, SsoConfig, SsoConfigInput, SsoRefused

SsoDep: TypeAlias = NamedDependency[SingleSignOn]

FLOW_MAX_AGE_S = 600


def flow_cookie_name(sso: SingleSignOn) -> str:
    """The cookie binding a sign-in to the browser that started it (no login CSRF)."""
    return "__Host-carnet-sso" if sso.settings.secure_cookies else "carnet-sso"


class SsoLoginController(Controller):
    path = "/auth/sso"
    tags = ["auth"]

    @get(operation_id="getSsoOffer", summary="Whether this firm signs in through its provider")
    async def offer(self, sso: SsoDep) -> SsoOfferOut:
        offer = await sso.login_offer(await sso.firm_for_login())
        if offer is None:
            return SsoOfferOut(available=False)
        return SsoOfferOut(
            available=True, display_name=offer.display_name, sso_only=offer.sso_only
        )

    @get(
        "/start",
        operation_id="startSso",
        summary="Go to the firm's provider (303)",
        status_code=HTTP_303_SEE_OTHER,
    )
    async def start(self, sso: SsoDep) -> Redirect:
        """Send the browser to the provider's authorization endpoint, with a fresh state,
        nonce and PKCE challenge; the browser keeps a random value that the callback checks.
        A firm without single sign-on, or a provider that does not answer, sends it back to
        the sign-in screen with the reason (`#sso-error=sso_not_configured`,
        `provider_unreachable`)."""
        browser_secret = secrets.token_urlsafe(32)
        try:
            url = await sso.begin(await sso.firm_for_login(), browser_secret=browser_secret)
        except SsoRefused as refusal:
            return Redirect(f"/#sso-error={refusal.reason}", status_code=HTTP_303_SEE_OTHER)
        response = Redirect(url, status_code=HTTP_303_SEE_OTHER)
        response.set_cookie(
            Cookie(
                key=flow_cookie_name(sso),
                value=browser_secret,
                path="/",
                httponly=True,
                secure=sso.settings.secure_cookies,
                samesite="lax",
                max_age=FLOW_MAX_AGE_S,
            )
        )
        return response

    @get(
        "/callback",
        operation_id="finishSso",
        summary="The provider's answer: open a session and go to the app (303)",
        status_code=HTTP_303_SEE_OTHER,
    )
    async def callback(
        self,
        request: Request[Any, Any, Any],
        sso: SsoDep,
        oauth_state: Annotated[str | None, QueryParameter(name="state", max_length=2048)] = None,
        code: Annotated[str | None, QueryParameter(max_length=2048)] = None,
        error: Annotated[str | None, QueryParameter(max_length=2048)] = None,
    ) -> Redirect:
        """Always a redirect to the app: home with a session, or the sign-in screen with the
        reason (`#sso-error=<reason>`, docs/sso.md) it explains in the person's language."""
        try:
            login = await sso.finish(
                state=oauth_state,
                code=code,
                error=error,
                browser_secret=request.cookies.get(flow_cookie_name(sso)),
            )
        except SsoRefused as refusal:
            refused = Redirect(f"/#sso-error={refusal.reason}", status_code=HTTP_303_SEE_OTHER)
            refused.delete_cookie(flow_cookie_name(sso), path="/")
            return refused
        response = Redirect("/", status_code=HTTP_303_SEE_OTHER)
        response.delete_cookie(flow_cookie_name(sso), path="/")
        with_session(response, settings=sso.settings, token=login.token)
        return response


def _settings_out(config: SsoConfig) -> SsoSettingsOut:
    return SsoSettingsOut(
        display_name=config.display_name,
        issuer=config.issuer,
        client_id=config.client_id,
        client_secret_set=config.client_secret_set,
        allowed_domains=list(config.allowed_domains),
        enabled=config.enabled,
        sso_only=config.sso_only,
        redirect_uri=config.redirect_uri,
    )


class SsoSettingsController(Controller):
    path = "/organisation/sso"
    tags = ["directory"]

    @get(operation_id="getSsoSettings", opt=problems(403))
    async def read(self, session: SessionDep, sso: SsoDep) -> SsoSettingsOut:
        """The firm's provider settings (administrators only); the secret is never returned."""
        return _settings_out(await sso.read_config(session.actor))

    @put(operation_id="updateSsoSettings", opt=problems(403, 422))
    async def update(
        self, data: JSONBody[SsoSettingsIn], session: SessionDep, sso: SsoDep
    ) -> SsoSettingsOut:
        """Save the firm's provider, whole (administrators only; audited as
        `organisation.sso_changed`). Enabling reads the provider's discovery document first:
        an issuer that does not answer is refused on `issuer`."""
        config = SsoConfigInput(
            display_name=data.display_name,
            issuer=data.issuer,
            client_id=data.client_id,
            client_secret=data.client_secret,
            allowed_domains=tuple(data.allowed_domains),
            enabled=data.enabled,
            sso_only=data.sso_only,
        )
        return _settings_out(await sso.update_config(session.actor, config))
