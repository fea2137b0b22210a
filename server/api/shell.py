"""The app shell (`pwa/`) as served: HTML, JS, CSS and manifest minified once at start-up, and
the service worker with the shell's content hash and file list injected.

`pwa/` stays a folder of plain, commented source files with no build step: when the app is
created, the server minifies the page, scripts, style sheet and manifest, keeps the result in
memory and serves that. The minifier is tdewolff/minify (the `tdewolff-minify` wheel of the Go
library Hugo uses): it parses the modules, so it also shortens local names safely, and it is
deterministic; tests/server/test_shell.py runs the JavaScript unit tests on its output. The
phone downloads and precaches less than half the bytes of the sources (docs/benchmarks.md).

Modules under `js/online/` (screens that need the network) are served and minified too, but
not precached: see `ONLINE_ONLY`.

A browser re-installs a service worker only when the worker script's bytes change, so the
version of the cached shell must be inside `sw.js` itself; it is a hash of the bytes *served*,
so a change of a source file or of the minifier both give a new version (timetagger's
`enable_service_worker` computes it in the same place).
"""

import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import minify
from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

# Files the shell does not need offline, or that are not part of it. The manifest is each
# firm's, served from its brand by server/api/brand.py (docs/brand.md).
EXCLUDED = {"sw.js", "manifest.webmanifest"}
EXCLUDED_SUFFIXES = {".md", ".map"}
# Served, never precached, so they do not weigh on the offline shell: screens that need the
# network (sign-in, invitation, approvals…: imported on demand, kept by the service worker once
# fetched), and the standalone pages of people who never install the app (the client signer's
# portal; /admin/, the old billing address, now a page that leads into the app).
ONLINE_ONLY = ("/js/online/", "/sign/", "/admin/")
# Standalone pages: "/sign/" serves "/sign/index.html".
PAGES = ("/sign/", "/admin/")
# Served media type and minifier (tdewolff) media type, by suffix; other files (icons) as they are.
MEDIA_TYPES = {
    ".js": ("text/javascript", "application/javascript"),
    ".css": ("text/css", "text/css"),
    ".html": ("text/html", "text/html"),
    ".webmanifest": ("application/manifest+json", "application/json"),
}


def shell_files(pwa_dir: Path) -> list[str]:
    """URL paths of every file the service worker precaches (besides "/"), sorted."""
    return [path for path in served_files(pwa_dir) if not path.startswith(ONLINE_ONLY)]


def online_files(pwa_dir: Path) -> list[str]:
    """URL paths of the modules loaded on demand and not precached, sorted."""
    return [path for path in served_files(pwa_dir) if path.startswith(ONLINE_ONLY)]


def served_files(pwa_dir: Path) -> list[str]:
    """URL paths of every file of `pwa/` the server serves, sorted."""
    files = [
        p
        for p in pwa_dir.rglob("*")
        if p.is_file()
        and p.name not in EXCLUDED
        and p.suffix not in EXCLUDED_SUFFIXES
        and not p.name.startswith(".")
    ]
    return sorted("/" + p.relative_to(pwa_dir).as_posix() for p in files)


@functools.lru_cache(maxsize=1024)
def minified(path: str, source: bytes) -> bytes:
    """The bytes served for one shell file: text minified, anything else as it is.

    Kept by path and content: every app a process builds (the suite builds one per test)
    serves the same shell, and minifying it took a sixth of `create_app`."""
    types = MEDIA_TYPES.get(Path(path).suffix)
    if types is None:
        return source
    return str(minify.string(types[1], source.decode())).encode()


@dataclass(frozen=True)
class Shell:
    """The shell as the server serves it, built once by `load_shell`."""

    files: list[str]
    """URL paths the service worker precaches (besides "/"), sorted."""
    online: list[str]
    """URL paths of the on-demand modules that are not precached, sorted."""
    minified: dict[str, bytes]
    """Served bytes of every minified file (HTML, JS, CSS, manifest), by URL path."""
    version: str
    """Hash of every served file: the service worker's cache name."""
    service_worker: bytes
    """`sw.js` as served, version and file list filled in."""

    def served(self, pwa_dir: Path, path: str) -> bytes:
        """The bytes a GET of `path` returns."""
        if path == "/sw.js":
            return self.service_worker
        return self.minified.get(path) or (pwa_dir / path.lstrip("/")).read_bytes()


def load_shell(pwa_dir: Path) -> Shell:
    """Read, minify and hash the shell in `pwa_dir`."""
    files = shell_files(pwa_dir)
    online = online_files(pwa_dir)
    small = {
        path: minified(path, (pwa_dir / path.lstrip("/")).read_bytes())
        for path in files + online
        if Path(path).suffix in MEDIA_TYPES
    }
    # The on-demand modules count in the version too: a new one comes with a new worker, so
    # the update banner keeps the shell and them in step.
    digest = hashlib.sha256()
    for path in files + online:
        body = small.get(path) or (pwa_dir / path.lstrip("/")).read_bytes()
        digest.update(path.encode() + b"\0" + body)
    version = digest.hexdigest()[:16]
    source = pwa_dir / "sw.js"
    script = (
        minified(
            "/sw.js",
            source.read_text()
            .replace('"__CARNET_SHELL_VERSION__"', json.dumps(version))
            .replace('["__CARNET_SHELL_FILES__"]', json.dumps(["/", *files]))
            .encode(),
        )
        if source.exists()
        else b"/* no service worker */"
    )
    return Shell(
        files=files, online=online, minified=small, version=version, service_worker=script
    )


def shell_handlers(pwa_dir: Path) -> list[Any]:
    """GET /sw.js and every minified file (/, /index.html, /js/…, /css/…), built
    once and served from memory.

    The icons stay with the static files router, which must not also answer "/" (no
    `html_mode`): this module serves the page.
    """
    shell = load_shell(pwa_dir)
    etags = {
        path: '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        for path, body in shell.minified.items()
    }

    @get("/sw.js", include_in_schema=False, cache_control=None, sync_to_thread=False)
    def service_worker() -> Response[bytes]:
        return Response(
            shell.service_worker,
            media_type="text/javascript",
            headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"},
        )

    def serve(request: Request[Any, Any, Any], path: str) -> Response[bytes]:
        body = shell.minified.get(path)
        if body is None:
            raise NotFoundException(f"no shell file {path}")
        headers = {"Cache-Control": "no-cache", "ETag": etags[path]}
        if request.headers.get("if-none-match") == etags[path]:
            return Response(b"", status_code=304, headers=headers)
        return Response(body, media_type=MEDIA_TYPES[Path(path).suffix][0], headers=headers)

    @get(
        ["/", "/index.html", *(p.rstrip("/") for p in PAGES)],
        include_in_schema=False,
        sync_to_thread=False,
    )
    def page(request: Request[Any, Any, Any]) -> Response[bytes]:
        path = request.url.path
        if path == "/":
            return serve(request, "/index.html")
        if path.rstrip("/") + "/" in PAGES:
            return serve(request, path.rstrip("/") + "/index.html")
        return serve(request, path)

    @get(
        ["/js/{file_path:path}", "/css/{file_path:path}"],
        include_in_schema=False,
        sync_to_thread=False,
    )
    def asset(request: Request[Any, Any, Any], file_path: FromPath[Path]) -> Response[bytes]:
        return serve(request, request.url.path)

    @get(
        [f"{prefix}{{file_path:path}}" for prefix in PAGES],
        include_in_schema=False,
        sync_to_thread=False,
    )
    def standalone(request: Request[Any, Any, Any], file_path: FromPath[Path]) -> Response[bytes]:
        return serve(request, request.url.path)

    return [service_worker, page, asset, standalone]
