"""The app shell as served: minified JS/CSS from memory, the service worker's content hash."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.static_files import create_static_files_router
from litestar.testing import AsyncTestClient

from server.api.shell import load_shell, shell_handlers
from server.headers import SECURITY_HEADERS
from tests.factories import Browser

ROOT = Path(__file__).resolve().parents[2]
PWA = ROOT / "pwa"


def shell_app(pwa_dir: Path) -> Litestar:
    return Litestar(
        route_handlers=[
            *shell_handlers(pwa_dir),
            create_static_files_router(path="/", directories=[pwa_dir], html_mode=False),
        ]
    )


async def test_the_shell_is_served_minified(app: Litestar) -> None:
    """Make sure the real app serves page, scripts, styles and manifest minified, with ETags."""
    shell = load_shell(PWA)
    client = Browser(app)  # the app's lifespan already runs (the `app` fixture)
    try:
        for path in ["/js/app.js", "/js/core/merge.js", "/js/online/account.js", "/css/app.css"]:
            response = await client.get(path)
            assert response.status_code == 200, path
            assert response.content == shell.minified[path]
            assert len(response.content) < (PWA / path.lstrip("/")).stat().st_size
            assert b"/**" not in response.content, "JSDoc comments are not sent"
            kind = "text/css" if path.endswith(".css") else "text/javascript"
            assert response.headers["content-type"].startswith(kind)
            again = await client.get(path, headers={"If-None-Match": response.headers["etag"]})
            assert again.status_code == 304
            assert again.content == b""
        missing = await client.get("/js/nothing-here.js")
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("application/problem+json")
        for path in ["/", "/index.html"]:
            page = await client.get(path)
            assert page.status_code == 200
            assert page.headers["content-type"].startswith("text/html")
            assert page.content == shell.minified["/index.html"]
            assert b"<script type=module src=/js/app.js>" in page.content
            assert b"<!--" not in page.content
        # The manifest is each firm's (server/api/brand.py, tests/server/test_brand.py).
        assert "/manifest.webmanifest" not in shell.minified
        # The page carries the app's security headers (the strict CSP of security.md §8).
        assert (
            page.headers["content-security-policy"] == SECURITY_HEADERS["Content-Security-Policy"]
        )
        icon = await client.get("/icons/icon-192.png")
        assert icon.content == (PWA / "icons" / "icon-192.png").read_bytes()
    finally:
        await client.close()


async def test_standalone_pages_are_served_minified_and_never_precached(app: Litestar) -> None:
    """Make sure the signer's portal and the billing page open at their folder's URL, minified,
    and stay out of the offline shell every phone downloads."""
    shell = load_shell(PWA)
    client = Browser(app)
    try:
        for folder in ["/sign", "/admin"]:
            for path in [folder, folder + "/", folder + "/index.html"]:
                page = await client.get(path)
                assert page.status_code == 200, path
                assert page.headers["content-type"].startswith("text/html"), path
                assert page.content == shell.minified[folder + "/index.html"]
            assert not [f for f in shell.files if f.startswith(folder + "/")]
            assert folder + "/index.html" in shell.online
        script = await client.get("/sign/sign.js")
        assert script.status_code == 200
        assert script.content == shell.minified["/sign/sign.js"]
        assert (await client.get("/sign/nothing.js")).status_code == 404
    finally:
        await client.close()


async def test_service_worker_precaches_every_file_under_a_hash_of_what_is_served(
    tmp_path: Path,
) -> None:
    """Make sure the cache name changes with any served byte, and lists every shell file."""
    copy = tmp_path / "pwa"
    shutil.copytree(PWA, copy)
    async with AsyncTestClient(shell_app(copy)) as client:
        worker = (await client.get("/sw.js")).text
    found = re.search(r"FILES\s*=\s*(\[[^\]]*\])", worker)
    assert found is not None, worker[:300]
    files = json.loads(found.group(1))
    assert files[0] == "/"
    assert "/js/app.js" in files and "/css/app.css" in files and "/index.html" in files
    assert "/sw.js" not in files
    # Screens that need the network are served but never precached.
    assert [f for f in files if f.startswith("/js/online/")] == []
    assert "/js/online/account.js" in load_shell(copy).online
    version = load_shell(copy).version
    assert json.dumps(version) in worker

    # A comment-only change is not served, so it keeps the version; a code change does not.
    store = copy / "js" / "store.js"
    store.write_text(store.read_text() + "\n// a comment the phone never downloads\n")
    assert load_shell(copy).version == version
    store.write_text(store.read_text() + "\nexport const ADDED = 1;\n")
    assert load_shell(copy).version != version
    (copy / "index.html").write_text((copy / "index.html").read_text() + "\n")
    assert load_shell(copy).version != load_shell(PWA).version


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
def test_minified_modules_pass_the_javascript_unit_tests(tmp_path: Path) -> None:
    """Make sure the minifier keeps the modules' behaviour: tests/js on the served bytes."""
    if not (ROOT / "node_modules" / "fake-indexeddb").is_dir():
        pytest.skip("npm install first (fake-indexeddb)")
    shell = load_shell(PWA)
    for path, body in shell.minified.items():
        target = tmp_path / "pwa" / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
    shutil.copytree(ROOT / "tests" / "js", tmp_path / "tests" / "js")
    shutil.copytree(ROOT / "tests" / "vectors", tmp_path / "tests" / "vectors")
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    (tmp_path / "package.json").write_text('{"type": "module"}')
    tests = sorted(str(p) for p in (tmp_path / "tests" / "js").glob("*.test.mjs"))
    result = subprocess.run(
        ["node", "--test", *tests], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert re.search(r"^# pass [1-9]", result.stdout, re.MULTILINE)
    assert re.search(r"^# fail 0", result.stdout, re.MULTILINE)
