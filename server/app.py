"""The composition root: `create_app(settings)` wires storage, services and HTTP."""

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import CacheControlHeader, ResponseHeader
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.routes import HTTPRoute
from litestar.static_files import create_static_files_router
from litestar.types import Message, Scope
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from server.api.api_docs import SwaggerPage
from server.api.audit import AuditController
from server.api.auth import AuthController, InvitationController, SessionController
from server.api.brand import BrandController, brand_router
from server.api.circuit import CircuitController
from server.api.deps import provide_optional_session, provide_session
from server.api.directory import (
    ClientController,
    MissionController,
    OrganisationController,
    PeopleController,
)
from server.api.expenses import EXPENSE_CONTROLLERS
from server.api.figures import (
    DailyCostController,
    FigureController,
    FigureSettingsController,
)
from server.api.firm import FirmOfHost
from server.api.firm_costs import FirmCostController
from server.api.imports import ImportController
from server.api.integrations import integrations_controller
from server.api.invoicing import (
    BillingController,
    ExpenseController,
    ExportController,
    InvoiceController,
    MilestoneController,
)
from server.api.leave import LeaveController
from server.api.me import MeController
from server.api.media import JsonBodiesOnly, JsonRequest
from server.api.mission_discounts import MissionDiscountController
from server.api.months import MonthController
from server.api.notifications import NotificationSettingsController, push_controller
from server.api.openapi import (
    API_TOKEN,
    CSRF_COOKIE,
    CSRF_HEADER,
    SESSION,
    SIGNER,
    OpenAPIDocument,
)
from server.api.privacy import PersonalDataController, RetentionController
from server.api.rate_limit import SharedRateLimit
from server.api.routers import OwnedRouter
from server.api.shell import shell_handlers
from server.api.signing import signer_cookie_name, signing_router
from server.api.sso import SsoLoginController, SsoSettingsController
from server.api.sync import PATH as SYNC_PATH
from server.api.sync import sync_controller
from server.api.team import TeamController
from server.api.token_auth import TokenRequests
from server.errors import EXCEPTION_HANDLERS
from server.headers import HSTS
from server.headers import SECURITY_HEADERS as HEADERS
from server.services.accounts import Accounts
from server.services.anchors import AnchorRuntime
from server.services.clock import Clock, system_clock
from server.services.notifications import NotificationRuntime
from server.services.oidc_client import OidcClient
from server.services.privacy import RetentionRuntime
from server.services.push_delivery import application_server_key, load_vapid
from server.services.signatures import Signatures
from server.services.sso import SingleSignOn
from server.services.sync_service import SyncService
from server.settings import Settings
from server.storage.engine import bind_tables, close_engine, engine_from_url, open_engine
from server.storage.migrate import run_migrations

PWA_DIR = Path(__file__).resolve().parent.parent / "pwa"

SECURITY_HEADERS = [ResponseHeader(name=k, value=v) for k, v in HEADERS.items()]
CSRF_COOKIE_NAME, CSRF_HEADER_NAME = "csrftoken", "x-csrftoken"


async def add_hsts(message: Message, _: Scope) -> None:
    """Every response, problem documents and static files included, carries HSTS."""
    if message["type"] == "http.response.start":
        name, value = HSTS
        message["headers"] = [*message.get("headers", []), (name.lower().encode(), value.encode())]


async def fix_allow(message: Message, scope: Scope) -> None:
    """An OPTIONS answer lists every method of its path.

    Litestar builds a path's OPTIONS handler with its first handlers and keeps it when more
    handlers of that path are registered, so `Allow` missed methods (GET /missions, say)."""
    if message["type"] != "http.response.start" or scope.get("method") != "OPTIONS":
        return
    handler = scope.get("route_handler")
    app = scope.get("app")
    if handler is None or app is None:
        return
    methods = next(
        (
            r.methods
            for r in app.routes
            if isinstance(r, HTTPRoute) and handler in r.route_handlers
        ),
        None,
    )
    if methods:
        headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
        message["headers"] = [*headers, (b"allow", ", ".join(sorted(methods)).encode())]


def forwarded_headers(settings: Settings) -> list[DefineMiddleware]:
    """Believe X-Forwarded-For/-Proto only from the proxies the operator named (none by
    default): from anyone else they are the client's own words, and a caller could pick any
    address to slip past the login rate limit."""
    if not settings.proxies:
        return []
    # uvicorn types ASGI with its own aliases; the protocol is the same.
    return [DefineMiddleware(ProxyHeadersMiddleware, trusted_hosts=settings.proxies)]  # type: ignore[arg-type]


COMPRESS_FROM_BYTES = 1024
"""Answers from 1 KB travel gzipped: a month's push answer (protocol 2, about 2 KB of results)
shrinks to about 400 bytes; smaller answers (a poll, ~250 bytes) go as they are."""


YOUNG_GC_THRESHOLD = 5_000
"""Container objects created (net of those freed) before CPython collects the youngest
generation; its default, 700, is less than a 100-day push keeps alive at once (about 1,400), so
each such push paid two collections on the event loop: 0.20 ms of 7 ms of CPU, where at 5,000
it pays 0.02 ms (`bench/push_breakdown.py --asgi --consultants 20 --days 100`, GC callbacks).
Cycles are still collected, later: RSS over 3,000 month pushes follows the one at 700 within
0.2 MB.
`gc.freeze()` after start-up was measured too and saved nothing: the time goes on young
objects, not on the ones loaded at start-up."""


def tune_garbage_collector() -> None:
    """Raise the youngest generation's threshold (`YOUNG_GC_THRESHOLD`), older ones as they are."""
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_GC_THRESHOLD, older, oldest)


def create_app(settings: Settings, *, clock: Clock = system_clock) -> Litestar:
    """Build the Carnet application for `settings`; nothing is read from the environment."""
    engine = engine_from_url(settings.resolved_database_url)
    accounts = Accounts(settings=settings, clock=clock)
    sync_service = SyncService(clock=clock)
    vapid_public_key = application_server_key(load_vapid(settings))
    sso = SingleSignOn(
        settings=settings,
        clock=clock,
        accounts=accounts,
        client=OidcClient(
            allow_http_loopback=settings.sso_allow_http_loopback,
            allow_private_networks=settings.sso_allow_private_networks,
        ),
    )

    @asynccontextmanager
    async def database(_: Litestar) -> AsyncIterator[None]:
        tune_garbage_collector()
        if settings.auto_migrate:
            await asyncio.to_thread(run_migrations, settings.resolved_database_url)
        bind_tables(engine)
        await open_engine(engine)
        runtime = None
        retention = RetentionRuntime(clock=clock)
        if settings.notifications_in_process:
            runtime = NotificationRuntime(settings=settings, clock=clock)
            runtime.start()
            # The same switch as reminders: background work runs in this process.
            retention.start()
        anchoring = AnchorRuntime(settings=settings, clock=clock)
        anchoring.start()
        try:
            yield
        finally:
            await anchoring.stop()
            await retention.stop()
            if runtime is not None:
                await runtime.stop()
            await accounts.touches.drain()  # sessions' last-seen times noted by requests
            await close_engine(engine)

    auth_router = OwnedRouter(
        path="/",
        route_handlers=[AuthController, InvitationController, SsoLoginController],
        middleware=[
            SharedRateLimit(
                name="auth", per_minute=settings.auth_rate_limit_per_minute, clock=clock
            )
        ],
    )
    api = OwnedRouter(
        path="/api/v1",
        route_handlers=[
            auth_router,
            SessionController,
            MeController,
            OrganisationController,
            PeopleController,
            ClientController,
            MissionController,
            MonthController,
            sync_controller(sync_service, compress_from=COMPRESS_FROM_BYTES),
            CircuitController,
            TeamController,
            signing_router(settings, Signatures(settings=settings, clock=clock)),
            InvoiceController,
            ExpenseController,
            MilestoneController,
            ExportController,
            BillingController,
            push_controller(vapid_public_key),
            NotificationSettingsController,
            FigureSettingsController,
            FigureController,
            DailyCostController,
            AuditController,
            ImportController,
            *EXPENSE_CONTROLLERS,
            LeaveController,
            FirmCostController,
            MissionDiscountController,
            PersonalDataController,
            RetentionController,
            SsoSettingsController,
            integrations_controller(settings),
            BrandController,
        ],
        # API answers are personal: never cached by the browser, a proxy or the service worker.
        cache_control=CacheControlHeader(no_store=True),
        # Every API request is for the firm its host names (docs/multi-tenant.md).
        middleware=[
            FirmOfHost(settings),
            JsonBodiesOnly(),
            TokenRequests(
                csrf_secret=settings.secret_key,
                csrf_cookie=CSRF_COOKIE_NAME,
                csrf_header=CSRF_HEADER_NAME,
                cookies=(settings.session_cookie_name, signer_cookie_name(settings)),
            ),
        ],
    )
    handlers: list[Any] = [api]
    if PWA_DIR.is_dir():
        handlers.append(brand_router(settings, PWA_DIR))
        handlers.extend(shell_handlers(PWA_DIR))
        handlers.append(
            create_static_files_router(path="/", directories=[PWA_DIR], html_mode=False)
        )
    return Litestar(
        route_handlers=handlers,
        dependencies={
            "accounts": Provide(lambda: accounts, sync_to_thread=False),
            "clock": Provide(lambda: clock, sync_to_thread=False),
            "sso": Provide(lambda: sso, sync_to_thread=False),
            "session": Provide(provide_session),
            "optional_session": Provide(provide_optional_session),
        },
        lifespan=[database],
        middleware=forwarded_headers(settings),
        before_send=[fix_allow, add_hsts] if settings.hsts else [fix_allow],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name=CSRF_COOKIE_NAME,
            header_name=CSRF_HEADER_NAME,
            cookie_secure=settings.secure_cookies,
            cookie_samesite="strict",
        ),
        response_headers=SECURITY_HEADERS,
        request_class=JsonRequest,
        request_max_body_size=1_000_000,
        # A year's pull, the OpenAPI document and the shell's scripts shrink four to eight times
        # on a phone's slow link; below 4 KB, gzip's header and CPU are not worth it.
        compression_config=CompressionConfig(
            backend="gzip",
            minimum_size=COMPRESS_FROM_BYTES,
            gzip_compress_level=6,
            exclude=[f"^{SYNC_PATH}$"],  # the sync answer compresses itself
        ),
        openapi_config=OpenAPIConfig(
            title="Carnet API",
            version="1.0.0",
            description="Offline-first CRA for IT consultants. Errors are RFC 9457 problem "
            "documents. Mutating requests need the `x-csrftoken` header (double-submit of the "
            "`csrftoken` cookie set on any GET).",
            path="/schema",
            render_plugins=[OpenAPIDocument(), SwaggerPage(title="Carnet API")],
            components=Components(
                security_schemes={
                    SESSION: SecurityScheme(
                        type="apiKey",
                        name=settings.session_cookie_name,
                        security_scheme_in="cookie",
                        description="The session a passkey login opens.",
                    ),
                    SIGNER: SecurityScheme(
                        type="apiKey",
                        name=signer_cookie_name(settings),
                        security_scheme_in="cookie",
                        description="The signer session a signature link opens "
                        "(`/api/v1/sign` only).",
                    ),
                    API_TOKEN: SecurityScheme(
                        type="http",
                        scheme="bearer",
                        description="A firm's API token (`carnet_…`), for scripts: only on "
                        "the operations that list it, with the scope named there; no cookie, "
                        "no CSRF pair (docs/api.md).",
                    ),
                    CSRF_COOKIE: SecurityScheme(
                        type="apiKey",
                        name=CSRF_COOKIE_NAME,
                        security_scheme_in="cookie",
                        description="Set by any GET; mutating requests send it back...",
                    ),
                    CSRF_HEADER: SecurityScheme(
                        type="apiKey",
                        name=CSRF_HEADER_NAME,
                        security_scheme_in="header",
                        description="...with the same value in this header (double submit).",
                    ),
                }
            ),
        ),
        debug=False,
    )
