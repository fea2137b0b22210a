"""A firm's brand (docs/brand.md): `/api/v1/brand` to read and set it, and what each host
serves from it: the web app manifest, a style sheet of colour variables, the logo and icons.

The shell is the same bytes on every host; these few answers are the brand, applied per
request from the firm's row (one statement), cached by firm and brand version.
"""

import json
from pathlib import Path
from typing import Any

from litestar import Controller, Request, Response, delete, get, put
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK

from server.api.deps import ClockDep, OptionalSessionDep, SessionDep
from server.api.firm import FirmOfHost
from server.api.openapi import problems
from server.api.routers import OwnedRouter
from server.api.schemas import BrandIn, BrandLogoIn, BrandOut
from server.domain import brand as rules
from server.domain.errors import NotFound
from server.services import firm_brand, firms
from server.settings import Settings

CACHE_MAX = 2000
"""Manifests and style sheets kept (a few hundred bytes each), by firm and brand version."""

IMAGES = {"logo.png": "logo", "icon-192.png": "icon_192", "icon-512.png": "icon_512"}


def _out(found: firm_brand.FirmBrand) -> BrandOut:
    b = found.brand
    return BrandOut(
        app_name=b.app_name,
        short_name=b.short_name,
        primary_color=b.primary_color,
        accent_color=b.accent_color,
        invoice_color=b.invoice_color,
        email_sender_name=b.email_sender_name,
        email_footer=b.email_footer,
        logo_url=f"/brand/logo.png?v={found.version}" if found.has_logo else None,
        version=found.version,
        customised=found.customised,
    )


def _firm_id(optional_session: Any = None) -> str | None:
    firm = firms.current()
    if firm is not None:
        return firm.id
    return None if optional_session is None else optional_session.actor.organisation_id


class BrandController(Controller):
    path = "/brand"
    tags = ["directory"]

    @get(operation_id="getBrand")
    async def read(self, optional_session: OptionalSessionDep) -> BrandOut:
        """The brand of the firm this host is for (public, like its manifest: the sign-in
        screen shows it); Carnet's own look where the firm set none."""
        return _out(await firm_brand.brand_of(_firm_id(optional_session)))

    @put(operation_id="updateBrand", opt=problems(403, 422))
    async def update(
        self, data: JSONBody[BrandIn], session: SessionDep, clock: ClockDep
    ) -> BrandOut:
        """Set the firm's names, colours and mail texts, whole (administrators only; audited
        as `organisation.brand_changed`). A colour below 4.5:1 against white (WCAG 2.1 SC
        1.4.3, AA) is refused on its field, with the ratio measured."""
        new = rules.BrandInput(
            app_name=data.app_name,
            short_name=data.short_name,
            primary_color=data.primary_color,
            accent_color=data.accent_color,
            email_sender_name=data.email_sender_name,
            email_footer=data.email_footer,
        )
        return _out(await firm_brand.update(session.actor, new, clock=clock))

    @put(
        "/logo",
        operation_id="putBrandLogo",
        opt=problems(403, 422),
        status_code=HTTP_200_OK,
    )
    async def logo(
        self, data: JSONBody[BrandLogoIn], session: SessionDep, clock: ClockDep
    ) -> BrandOut:
        """Set the firm's logo (administrators only): a PNG, ≤ 200 KB, 64 to 2048 px a side,
        in base64; re-encoded without metadata, and the manifest's icons made from it. SVG is
        refused: it can carry script."""
        return _out(await firm_brand.set_logo(session.actor, data.png_base64, clock=clock))

    @delete("/logo", operation_id="deleteBrandLogo", opt=problems(403), status_code=HTTP_200_OK)
    async def forget_logo(self, session: SessionDep, clock: ClockDep) -> BrandOut:
        """Remove the firm's logo (administrators only): Carnet's icons again."""
        return _out(await firm_brand.remove_logo(session.actor, clock=clock))


# -- what each host serves from its firm's brand ----------------------------------------------


def manifest_of(base: dict[str, Any], found: firm_brand.FirmBrand) -> dict[str, Any]:
    """Carnet's manifest with the firm's name, colour and icons (W3C Web App Manifest)."""
    if not found.customised:
        return base
    b = found.brand
    manifest = {
        **base,
        "name": b.app_name,
        "short_name": b.short_name,
        "theme_color": b.primary_color,
    }
    translations = dict(base.get("translations", {}))
    for language, texts in translations.items():
        translations[language] = {**texts, "name": b.app_name, "short_name": b.short_name}
    manifest["translations"] = translations
    if found.has_logo:
        manifest["icons"] = [
            {
                "src": f"/brand/icon-{side}.png?v={found.version}",
                "sizes": f"{side}x{side}",
                "type": "image/png",
                "purpose": purpose,
            }
            for side in firm_brand.ICON_SIDES
            for purpose in ("any", "maskable")
        ]
    return manifest


def style_sheet(found: firm_brand.FirmBrand) -> str:
    """The firm's colours as the shell's CSS variables (pwa/css/app.css), light scheme only:
    the dark scheme keeps Carnet's palette (docs/brand.md). Empty for Carnet's own look."""
    if not found.customised:
        return "/* Carnet */\n"
    b = found.brand
    rules_css = [
        "@media (prefers-color-scheme: light){:root{"
        f"--primary:{b.primary_color};--primary-hover:{rules.darker(b.primary_color)};"
        f"--header-bg:{b.primary_color};--header-text:#ffffff;--on-primary:#ffffff}}}}"
    ]
    if found.has_logo:
        rules_css.append(
            '.app-header .brand::before,.bar .brand::before{content:"";display:inline-block;'
            "width:2rem;"
            "height:2rem;margin-inline-end:.5rem;vertical-align:middle;border-radius:.25rem;"
            f"background:#fff url(/brand/logo.png?v={found.version}) center/contain no-repeat}}"
        )
    return "\n".join(rules_css) + "\n"


def brand_router(settings: Settings, pwa_dir: Path) -> OwnedRouter:
    """GET /manifest.webmanifest, /brand.css and /brand/<image> on every host, each its firm's."""
    source = pwa_dir / "manifest.webmanifest"
    base = json.loads(source.read_text()) if source.exists() else {}
    cache: dict[tuple[str | None, str, str], bytes] = {}

    async def firm_brand_now() -> tuple[str | None, firm_brand.FirmBrand]:
        firm_id = _firm_id()
        return firm_id, await firm_brand.brand_of(firm_id)

    def answer(
        request: Request[Any, Any, Any], key: tuple[str | None, str, str], body: bytes, media: str
    ) -> Response[bytes]:
        etag = f'"{key[1]}-{key[2]}"'
        headers = {"Cache-Control": "no-cache", "ETag": etag}
        if request.headers.get("if-none-match") == etag:
            return Response(b"", status_code=304, headers=headers)
        return Response(body, media_type=media, headers=headers)

    @get("/manifest.webmanifest", include_in_schema=False)
    async def manifest(request: Request[Any, Any, Any]) -> Response[bytes]:
        firm_id, found = await firm_brand_now()
        key = (firm_id, found.version, "manifest")
        if key not in cache:
            if len(cache) > CACHE_MAX:
                cache.clear()  # old versions are never asked for again
            cache[key] = json.dumps(
                manifest_of(base, found), ensure_ascii=False, separators=(",", ":")
            ).encode()
        return answer(request, key, cache[key], "application/manifest+json")

    @get("/brand.css", include_in_schema=False)
    async def colours(request: Request[Any, Any, Any]) -> Response[bytes]:
        firm_id, found = await firm_brand_now()
        key = (firm_id, found.version, "css")
        if key not in cache:
            if len(cache) > CACHE_MAX:
                cache.clear()
            cache[key] = style_sheet(found).encode()
        return answer(request, key, cache[key], "text/css")

    @get("/brand/{name:str}", include_in_schema=False)
    async def image(request: Request[Any, Any, Any], name: FromPath[str]) -> Response[bytes]:
        firm_id, found = await firm_brand_now()
        column = IMAGES.get(name)
        body = await firm_brand.image_of(firm_id, column) if column and found.has_logo else b""
        if not body:
            raise NotFound(f"no brand image {name}")
        return answer(request, (firm_id, found.version, name), body, "image/png")

    return OwnedRouter(
        path="/",
        route_handlers=[manifest, colours, image],
        middleware=[FirmOfHost(settings)],
    )
