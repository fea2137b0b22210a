"""Two firms on two host names of one server, each in its own brand (issue 17, its proof).

One `carnet serve`; `carnet create-firm` makes Alpha on firm-a.localhost:PORT and Beta on
firm-b.localhost:PORT (Chromium maps *.localhost to the loopback; each firm's passkeys are
bound to its own host name). Each administrator opens the link the command printed in a
browser context of their own and registers a passkey; both stay logged in at once. Alpha's
administrator sets Alpha's brand in the Brand tab: a grey that white text cannot be read on is
refused next to its field with its contrast ratio, then a green is saved, and a PNG logo is
uploaded and previewed. Beta's administrator sets Beta's. Each then sees their own firm's name
and colours in the header, and each host's web app manifest has its own name, colour and
icons; the client signer's portal on Alpha's host is in Alpha's name and colour.

Every screen visited: axe-core finds nothing serious or critical, no sideways scroll at 390 px,
screenshots at 390 and 1280 px under test-results/screenshots/brand-*.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.browser.conftest import (
    ACTION_TIMEOUT_MS,
    CHROMIUM_ARGS,
    REPO,
    SCREENSHOTS,
    VirtualAuthenticator,
    _drop_database,
    _server_env,
    _wait_until_up,
    open_admin_tab,
)
from tests.browser.test_month_offline import serious_violations

pytestmark = pytest.mark.browser

# `python -m server` from the repository: this checkout's code (the `carnet` script may be
# another checkout's, the one the virtual environment was installed from).
CARNET = [sys.executable, "-m", "server"]
ALPHA = ("Alpha Conseil SAS", "anne.admin@alpha.example", "Anne Alpha")
BETA = ("Beta Services SARL", "bruno.admin@beta.example", "Bruno Beta")
GREEN = "#0b5d1e"  # 8.08:1 on white
PLUM = "#5b2a86"  # 9.9:1 on white
GREY = "#777777"  # 4.48:1 on white: below AA


def carnet(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [*CARNET, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, f"carnet {args}: {result.stdout}\n{result.stderr}"
    return result.stdout


@contextmanager
def serving(env: dict[str, str], workdir: Path) -> Iterator[None]:
    """`carnet serve` until the block ends. Up once it serves the shell: its API answers a
    firm's host only, and 127.0.0.1 is none (a 404)."""
    port = env["CARNET_ORIGIN"].rsplit(":", 1)[1]
    with (workdir / "server.out").open("wb") as out, (workdir / "server.err").open("wb") as err:
        process = subprocess.Popen(
            [*CARNET, "serve", "--host", "127.0.0.1", "--port", port],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=err,
        )
    try:
        _wait_until_up(process, f"http://127.0.0.1:{port}/sw.js", workdir / "server.err")
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        _drop_database(env["DATABASE_URL"])


@dataclass
class TwoFirms:
    alpha: str  # origins
    beta: str
    alpha_link: str
    beta_link: str


@pytest.fixture
def two_firms(chromium_path: Path, tmp_path: Path) -> Iterator[TwoFirms]:
    """One server, two firms made by `carnet create-firm`, each on its host name."""
    env = _server_env(tmp_path)
    port = env["CARNET_ORIGIN"].rsplit(":", 1)[1]
    carnet(env, "migrate")
    links = []
    for (name, email, person), host in ((ALPHA, "firm-a.localhost"), (BETA, "firm-b.localhost")):
        printed = carnet(
            env,
            "create-firm",
            "--name",
            name,
            "--host",
            f"{host}:{port}",
            "--rp-id",
            host,
            "--admin-email",
            email,
            "--admin-name",
            person,
        )
        [link] = re.findall(r"https?://\S+/#invite=\S+", printed)
        assert link.startswith(f"http://{host}:{port}/"), printed
        links.append(link)
    with serving(env, tmp_path):
        yield TwoFirms(
            alpha=f"http://firm-a.localhost:{port}",
            beta=f"http://firm-b.localhost:{port}",
            alpha_link=links[0],
            beta_link=links[1],
        )


@pytest.fixture
def mapped_browser(chromium_path: Path) -> Iterator[Browser]:
    """A Chromium resolving every *.localhost name to 127.0.0.1, where the server listens."""
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=str(chromium_path),
            args=[*CHROMIUM_ARGS, "--host-resolver-rules=MAP *.localhost 127.0.0.1"],
            headless=True,
        )
        try:
            yield instance
        finally:
            instance.close()


def checked(page: Page, name: str) -> None:
    """No sideways scroll at 390 px, nothing serious for axe at 390 and 1280 px, and
    screenshots at both (back to 390 after)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((390, 844), (1280, 800)):
        page.set_viewport_size({"width": width, "height": height})
        scroll, inner = page.evaluate(
            "() => [document.scrollingElement.scrollWidth, window.innerWidth]"
        )
        assert scroll <= inner, f"{name}: the page is {scroll} px wide in a {inner} px window"
        assert serious_violations(page) == [], f"{name} at {width} px"
        page.screenshot(path=SCREENSHOTS / f"brand-{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})


def context_of(browser: Browser) -> tuple[BrowserContext, Page, VirtualAuthenticator, list[str]]:
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    return context, page, VirtualAuthenticator(context.new_cdp_session(page)), errors


def register(page: Page, link: str, name: str, key: VirtualAuthenticator) -> None:
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Bienvenue {name}")
    page.get_by_test_id("register").click()
    expect(page.get_by_test_id("greeting")).to_have_text(f"Bonjour {name}")
    assert len(key.credentials()) == 1


def brand_tab(page: Page) -> None:
    open_admin_tab(page, "brand")
    expect(page.get_by_test_id("admin-tab-brand")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_test_id("brand-form")).to_be_visible()


def header(page: Page) -> tuple[str, str]:
    """The header's name and background colour as the person sees them."""
    name, colour = page.evaluate(
        """() => [document.querySelector('.brand-name').textContent.trim(),
                  getComputedStyle(document.querySelector('.app-header')).backgroundColor]"""
    )
    return name, colour


def fetched(page: Page, path: str) -> dict[str, Any]:
    """GET `path` from the page itself, on its own host (Playwright's own HTTP client does not
    know Chromium's host mapping): status, media type, and the JSON body when there is one."""
    answer: dict[str, Any] = page.evaluate(
        """async (path) => {
            const r = await fetch(path, {cache: 'no-store'});
            const type = r.headers.get('content-type') ?? '';
            return {status: r.status, type, json: type.includes('json') ? await r.json() : null};
        }""",
        path,
    )
    return answer


def image_size(page: Page, path: str) -> tuple[int, int]:
    width, height = page.evaluate(
        """async (path) => {
            const image = new Image();
            image.src = path;
            await image.decode();
            return [image.naturalWidth, image.naturalHeight];
        }""",
        path,
    )
    return width, height


def logo_file(tmp_path: Path) -> Path:
    path = tmp_path / "alpha-logo.png"
    image = Image.new("RGBA", (256, 128), (255, 255, 255, 0))
    for x in range(40, 216):
        for y in range(24, 104):
            image.putpixel((x, y), (11, 93, 30, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    path.write_bytes(out.getvalue())
    return path


def test_two_firms_on_two_hosts_each_in_its_own_brand(
    two_firms: TwoFirms, mapped_browser: Browser, tmp_path: Path
) -> None:
    alpha_context, alpha, alpha_key, alpha_errors = context_of(mapped_browser)
    beta_context, beta, beta_key, beta_errors = context_of(mapped_browser)
    try:
        # Both administrators register on their own firm's host and stay logged in at once.
        register(alpha, two_firms.alpha_link, ALPHA[2], alpha_key)
        register(beta, two_firms.beta_link, BETA[2], beta_key)
        assert header(alpha) == ("Carnet", "rgb(31, 78, 121)")
        assert header(beta) == ("Carnet", "rgb(31, 78, 121)")

        # Alpha's brand: a grey below AA is flagged next to its field with its ratio as it is
        # typed, and the server refuses it the same; nothing is saved.
        brand_tab(alpha)
        checked(alpha, "tab-empty")
        form = alpha.get_by_test_id("brand-form")
        form.get_by_label("Nom de l'application").fill("Alpha Conseil")
        form.get_by_label("Nom court").fill("Alpha")
        colour = alpha.get_by_test_id("brand-primary_color")
        colour.fill(GREY)
        error = alpha.locator("#brand-primary_color-error")
        expect(error).to_contain_text("4,48:1")
        expect(error).to_contain_text("au moins 4,5:1")
        expect(alpha.get_by_test_id("brand-preview-name")).to_have_text("Alpha Conseil")
        alpha.get_by_test_id("brand-save").click()
        expect(error).to_contain_text("4,48:1")
        expect(colour).to_have_attribute("aria-invalid", "true")
        assert alpha.get_by_test_id("brand-saved").is_hidden()
        checked(alpha, "refused")
        assert fetched(alpha, "/api/v1/brand")["json"]["customised"] is False

        # A readable green is saved; the preview shows it.
        colour.fill(GREEN)
        expect(error).to_be_hidden()
        expect(alpha.locator("#brand-primary_color-ratio")).to_have_text(
            "Contraste 8,08:1 avec le blanc."
        )
        form.get_by_label("Nom de l'expéditeur des e-mails").fill("Alpha Conseil RH")
        alpha.get_by_test_id("brand-save").click()
        expect(alpha.get_by_test_id("brand-saved")).to_be_visible()
        bar = alpha.get_by_test_id("brand-preview-bar")
        assert bar.evaluate("(el) => getComputedStyle(el).backgroundColor") == "rgb(11, 93, 30)"

        # The logo: uploaded as soon as it is chosen, then previewed.
        alpha.get_by_test_id("brand-logo-file").set_input_files(str(logo_file(tmp_path)))
        expect(alpha.get_by_test_id("brand-saved")).to_have_text("Logo enregistré.")
        expect(bar.locator("img")).to_be_visible()
        checked(alpha, "tab-saved")

        # Beta's administrator, logged in all along, sets Beta's brand in their own tab.
        brand_tab(beta)
        beta.get_by_test_id("brand-form").get_by_label("Nom de l'application").fill(
            "Beta Services"
        )
        beta.get_by_test_id("brand-primary_color").fill(PLUM)
        beta.get_by_test_id("brand-save").click()
        expect(beta.get_by_test_id("brand-saved")).to_be_visible()

        # Each sees their own firm's name and colours, at once, on a fresh load.
        for page, origin in ((alpha, two_firms.alpha), (beta, two_firms.beta)):
            page.goto(f"{origin}/")
            expect(page.get_by_test_id("greeting")).to_be_visible()
        expect(alpha.locator(".brand-name")).to_have_text("Alpha Conseil")
        expect(beta.locator(".brand-name")).to_have_text("Beta Services")
        assert header(alpha) == ("Alpha Conseil", "rgb(11, 93, 30)")
        assert header(beta) == ("Beta Services", "rgb(91, 42, 134)")
        assert alpha.title().endswith("Alpha Conseil") and beta.title().endswith("Beta Services")
        theme = "() => document.querySelector('meta[name=theme-color]').content"
        assert (alpha.evaluate(theme), beta.evaluate(theme)) == (GREEN, PLUM)
        logo = alpha.evaluate(
            "() => getComputedStyle(document.querySelector('.app-header .brand'), '::before')"
            ".backgroundImage"
        )
        assert "/brand/logo.png" in logo
        checked(alpha, "alpha-home")
        checked(beta, "beta-home")

        # Each host's manifest: its own name, colour and icons.
        a_answer = fetched(alpha, "/manifest.webmanifest")
        assert a_answer["type"].startswith("application/manifest+json")
        a, b = a_answer["json"], fetched(beta, "/manifest.webmanifest")["json"]
        assert (a["name"], a["short_name"], a["theme_color"]) == ("Alpha Conseil", "Alpha", GREEN)
        assert (b["name"], b["short_name"], b["theme_color"]) == (
            "Beta Services",
            "Beta Service",
            PLUM,
        )
        assert {i["src"].split("?")[0] for i in a["icons"]} == {
            "/brand/icon-192.png",
            "/brand/icon-512.png",
        }
        assert {i["src"] for i in b["icons"]} >= {"/icons/icon-192.png", "/icons/icon-512.png"}
        assert image_size(alpha, a["icons"][0]["src"]) == (192, 192)
        assert image_size(alpha, a["icons"][-1]["src"]) == (512, 512)
        assert fetched(beta, "/brand/icon-192.png")["status"] == 404
        # The page links the manifest the browser reads for installing, on its own host.
        link = alpha.evaluate("() => document.querySelector('link[rel=manifest]').href")
        assert link == f"{two_firms.alpha}/manifest.webmanifest"

        # The client signer's portal on Alpha's host is Alpha's too.
        alpha.goto(f"{two_firms.alpha}/sign/")
        expect(alpha.locator(".bar .brand")).to_have_text("Alpha Conseil")
        bar_colour = alpha.evaluate(
            "() => getComputedStyle(document.querySelector('.bar')).backgroundColor"
        )
        assert bar_colour == "rgb(11, 93, 30)"

        assert alpha_errors == [] and beta_errors == []
    finally:
        alpha_context.close()
        beta_context.close()
