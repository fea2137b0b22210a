"""The service worker, served with the app shell's content hash and file list injected.

A browser re-installs a service worker only when the worker script's bytes change, so the
version of the cached shell must be inside `sw.js` itself. Computing it here at start-up keeps
`pwa/` a folder of plain static files with no build step (timetagger's `enable_service_worker`
does the same).
"""

import hashlib
import json
from pathlib import Path

from litestar import Response, get

# Files the shell does not need offline, or that are not part of it.
EXCLUDED = {"sw.js"}
EXCLUDED_SUFFIXES = {".md", ".map"}


def shell_files(pwa_dir: Path) -> list[str]:
    """URL paths of every file of the app shell, sorted."""
    files = [
        p
        for p in pwa_dir.rglob("*")
        if p.is_file()
        and p.name not in EXCLUDED
        and p.suffix not in EXCLUDED_SUFFIXES
        and not p.name.startswith(".")
    ]
    return sorted("/" + p.relative_to(pwa_dir).as_posix() for p in files)


def shell_version(pwa_dir: Path, files: list[str]) -> str:
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.encode() + b"\0" + (pwa_dir / path.lstrip("/")).read_bytes())
    return digest.hexdigest()[:16]


def service_worker_handler(pwa_dir: Path):  # type: ignore[no-untyped-def]
    """A handler for GET /sw.js, built once: the shell does not change while the app runs."""
    source = pwa_dir / "sw.js"
    files = shell_files(pwa_dir)
    version = shell_version(pwa_dir, files)
    script = (
        source.read_text()
        .replace('"__CARNET_SHELL_VERSION__"', json.dumps(version))
        .replace('["__CARNET_SHELL_FILES__"]', json.dumps(["/", *files]))
        if source.exists()
        else "/* no service worker */"
    )

    @get("/sw.js", include_in_schema=False, cache_control=None, sync_to_thread=False)
    def service_worker() -> Response[str]:
        return Response(
            script,
            media_type="text/javascript",
            headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"},
        )

    return service_worker
