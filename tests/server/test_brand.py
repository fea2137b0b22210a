"""A firm's brand (docs/brand.md): set by its administrator, refused with the reason when a
colour fails WCAG AA, and served per host (manifest, colours, icons), nothing of one firm on
another's host."""

import base64
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from litestar import Litestar
from PIL import Image

from server.domain.roles import Role
from server.services.clock import Clock
from server.settings import Settings
from server.storage import tables as t
from tests.factories import World
from tests.server.firm_worlds import firm_world

A_HOST, B_HOST = "a.firm.test", "b.firm.test:8443"
PWA = Path(__file__).resolve().parents[2] / "pwa"
BRAND = {
    "app_name": "Alpha Conseil",
    "short_name": "Alpha",
    "primary_color": "#0B5D1E",
    "accent_color": "#7a1f5c",
    "email_sender_name": "Alpha Conseil RH",
    "email_footer": "Alpha Conseil SAS, 1 rue de la Paix, Paris",
}


def png(width: int = 128, height: int = 96) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (200, 30, 60, 255)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
async def two(
    app: Litestar, settings: Settings, clock: Clock
) -> AsyncIterator[tuple[World, World]]:
    a = await firm_world(app, settings, clock, name="Alpha SAS", host=A_HOST)
    b = await firm_world(app, settings, clock, name="Beta SARL", host=B_HOST)
    await a.person("admin", [Role.ADMIN])
    await a.person("consultant", [Role.CONSULTANT])
    await b.person("admin", [Role.ADMIN])
    yield a, b
    await a.close()
    await b.close()


async def test_a_firm_without_brand_has_carnets_look(two: tuple[World, World]) -> None:
    """Make sure a firm that set nothing is served Carnet's manifest, colours and name."""
    a, _ = two
    anonymous = a.browser()
    answer = (await anonymous.get("/api/v1/brand")).json()
    assert answer["app_name"] == "Carnet"
    assert answer["primary_color"] == "#1f4e79"
    assert answer["customised"] is False and answer["logo_url"] is None
    manifest = await anonymous.get("/manifest.webmanifest")
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    assert manifest.json() == json.loads((PWA / "manifest.webmanifest").read_text())
    css = await anonymous.get("/brand.css")
    assert css.headers["content-type"].startswith("text/css")
    assert "--primary" not in css.text


async def test_the_admin_sets_the_brand_and_only_their_host_shows_it(
    two: tuple[World, World],
) -> None:
    """Make sure an administrator's brand is their firm's only: its host's API, manifest and
    style sheet carry it, the other firm's host keeps Carnet's look, and the change is audited."""
    a, b = two
    saved = await a["admin"].browser.put("/api/v1/brand", json=BRAND)
    assert saved.status_code == 200, saved.text
    assert saved.json()["primary_color"] == "#0b5d1e"
    assert saved.json()["invoice_color"] == "#7a1f5c"
    seen = (await a["consultant"].browser.get("/api/v1/brand")).json()
    assert (seen["app_name"], seen["short_name"]) == ("Alpha Conseil", "Alpha")
    manifest = (await a.browser().get("/manifest.webmanifest")).json()
    assert (manifest["name"], manifest["short_name"]) == ("Alpha Conseil", "Alpha")
    assert manifest["theme_color"] == "#0b5d1e"
    assert manifest["translations"]["en"]["name"] == "Alpha Conseil"
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    # Kept by firm and brand version: an unchanged brand answers 304 to its ETag.
    first = await a.browser().get("/manifest.webmanifest")
    again = await a.browser().get(
        "/manifest.webmanifest", headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304 and again.content == b""
    css = (await a.browser().get("/brand.css")).text
    assert "--primary:#0b5d1e" in css and "--header-bg:#0b5d1e" in css
    assert "prefers-color-scheme: light" in css
    elsewhere = await b.browser().get(
        "/manifest.webmanifest", headers={"If-None-Match": first.headers["etag"]}
    )
    assert elsewhere.status_code == 200, "another firm's version is not this host's"
    other = (await b["admin"].browser.get("/api/v1/brand")).json()
    assert other["app_name"] == "Carnet" and other["customised"] is False
    assert (await b.browser().get("/manifest.webmanifest")).json()["name"].startswith("Carnet")
    assert "--primary" not in (await b.browser().get("/brand.css")).text
    audit = await t.AuditEntry.select(t.AuditEntry.organisation).where(
        t.AuditEntry.event == "organisation.brand_changed"
    )
    assert [str(row["organisation"]) for row in audit] == [a.organisation.id]


async def test_a_colour_failing_aa_is_refused_with_its_ratio(two: tuple[World, World]) -> None:
    """Make sure #777777 (4.48:1 on white) is refused on its field, naming the ratio, and
    nothing is stored."""
    a, _ = two
    refused = await a["admin"].browser.put(
        "/api/v1/brand", json={**BRAND, "primary_color": "#777777", "accent_color": "#ffcc00"}
    )
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    errors = {e["field"]: e for e in refused.json()["errors"]}
    assert errors["primary_color"]["code"] == "low_contrast"
    assert "4.48:1" in errors["primary_color"]["message"]
    assert errors["accent_color"]["code"] == "low_contrast"
    assert (await a.browser().get("/api/v1/brand")).json()["customised"] is False
    malformed = await a["admin"].browser.put(
        "/api/v1/brand", json={**BRAND, "primary_color": "green"}
    )
    assert malformed.status_code == 422
    assert malformed.json()["errors"][0]["field"] == "primary_color"


async def test_only_an_administrator_sets_the_brand(two: tuple[World, World]) -> None:
    """Make sure a consultant cannot change the brand nor its logo."""
    a, _ = two
    browser = a["consultant"].browser
    assert (await browser.put("/api/v1/brand", json=BRAND)).status_code == 403
    logo = {"png_base64": base64.b64encode(png()).decode()}
    assert (await browser.put("/api/v1/brand/logo", json=logo)).status_code == 403
    assert (await browser.delete("/api/v1/brand/logo")).status_code == 403


async def test_the_logo_makes_the_firms_icons(two: tuple[World, World]) -> None:
    """Make sure a PNG logo is stored re-encoded, its icons are square PNGs of 192 and 512 px
    that the firm's manifest names, and the other firm keeps Carnet's icons."""
    a, b = two
    admin = a["admin"].browser
    saved = await admin.put(
        "/api/v1/brand/logo", json={"png_base64": base64.b64encode(png()).decode()}
    )
    assert saved.status_code == 200, saved.text
    logo_url = saved.json()["logo_url"]
    assert logo_url.startswith("/brand/logo.png?v=")
    anonymous = a.browser()
    logo = await anonymous.get(logo_url)
    assert logo.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(logo.content)).size == (128, 96)
    manifest = (await anonymous.get("/manifest.webmanifest")).json()
    icons = {(i["sizes"], i["purpose"]): i["src"] for i in manifest["icons"]}
    assert set(icons) == {(f"{s}x{s}", p) for s in (192, 512) for p in ("any", "maskable")}
    for (sizes, _), src in icons.items():
        image = await anonymous.get(src)
        side = int(sizes.split("x")[0])
        assert Image.open(io.BytesIO(image.content)).size == (side, side)
    assert "/brand/logo.png" in (await anonymous.get("/brand.css")).text
    assert (await b.browser().get("/brand/icon-192.png")).status_code == 404
    assert (await b.browser().get("/manifest.webmanifest")).json()["icons"][0]["src"] == (
        "/icons/icon-192.png"
    )
    removed = await admin.delete("/api/v1/brand/logo")
    assert removed.json()["logo_url"] is None
    assert (await anonymous.get("/brand/icon-192.png")).status_code == 404


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "not_png"),
        (b"GIF89a" + b"\0" * 100, "not_png"),
        (None, "bad_size"),
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x80\0\0\0\x80\x08\x06\0\0\0broken", "not_png"),
    ],
)
async def test_a_logo_that_is_not_a_small_png_is_refused(
    two: tuple[World, World], body: bytes | None, code: str
) -> None:
    """Make sure SVG, other types, tiny images and broken PNGs are refused on `logo`."""
    a, _ = two
    data = png(16, 16) if body is None else body
    refused = await a["admin"].browser.put(
        "/api/v1/brand/logo", json={"png_base64": base64.b64encode(data).decode()}
    )
    assert refused.status_code == 422, refused.text
    assert (refused.json()["errors"][0]["field"], refused.json()["errors"][0]["code"]) == (
        "logo",
        code,
    )
    assert (await a.browser().get("/api/v1/brand")).json()["logo_url"] is None
