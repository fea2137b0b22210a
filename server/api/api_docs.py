"""The API documentation page at `/schema`: Swagger UI served by this server, under its CSP.

Litestar's own render plugins load their scripts from a CDN and start them with an inline
`<script>`; our Content-Security-Policy (`script-src 'self'`, server/headers.py) refuses
both, and a consultant's laptop at a client site often has no internet anyway, so the page
stayed blank. This plugin serves the same Swagger UI from the `swagger-ui-py` wheel, which
ships its built files (installed with the server: no CDN, no npm, nothing committed here), and
starts it from a small script of ours, so the page needs no exception to the policy.

Routes, under the OpenAPI router (`/schema`): `/schema` and `/schema/swagger` (the page),
`/schema/assets/{name}` (the two Swagger UI files and the start script);
`/schema/openapi.json` stays Litestar's.
"""

import importlib.util
from html import escape
from pathlib import Path
from typing import Any

from litestar import Request, Response, Router, get
from litestar.exceptions import NotFoundException
from litestar.openapi.plugins import OpenAPIRenderPlugin
from litestar.params import FromPath
from litestar.response import File

ASSETS = "/assets"
# Served from the swagger-ui-py wheel's `static/` folder, by name.
SWAGGER_FILES = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
}
START_SCRIPT = "api-docs.js"
# Starts Swagger UI on the page's container. "Try it out" sends the CSRF header our API asks
# of mutating requests (the double submit of the `csrftoken` cookie, set by any GET).
START = b"""\
const root = document.getElementById("swagger-ui");
const csrf = () => {
  const found = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
  return found ? decodeURIComponent(found.slice(10)) : "";
};
window.ui = SwaggerUIBundle({
  url: root.dataset.url,
  dom_id: "#swagger-ui",
  deepLinking: true,
  displayRequestDuration: true,
  requestInterceptor: (request) => {
    if (!/^(GET|HEAD|OPTIONS)$/i.test(request.method || "GET")) {
      request.headers["x-csrftoken"] = csrf();
    }
    return request;
  },
});
"""
# Long enough for a reading session, short enough that an upgraded wheel shows within a day.
CACHE_CONTROL = "public, max-age=86400"


def swagger_ui_dir() -> Path:
    """The built Swagger UI files of the installed `swagger-ui-py` wheel.

    Found without importing the package: its Python side (handlers for other frameworks,
    Jinja templates) is of no use here.
    """
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        msg = "the swagger-ui-py package is not installed (pip install -e .)"
        raise RuntimeError(msg)
    return Path(next(iter(spec.submodule_search_locations))) / "static"


class SwaggerPage(OpenAPIRenderPlugin):
    """Swagger UI from this server's own files, started by an external script (no inline
    script or style, no CDN)."""

    def __init__(self, *, title: str) -> None:
        super().__init__(path=["/", "/swagger"], favicon="", style="")
        self.title = title
        self.static = swagger_ui_dir()
        missing = [name for name in SWAGGER_FILES if not (self.static / name).is_file()]
        if missing:
            msg = f"swagger-ui-py ships no {', '.join(missing)} in {self.static}"
            raise RuntimeError(msg)

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        base = request.app.openapi_config.path if request.app.openapi_config else "/schema"
        assets = f"{base}{ASSETS}"
        page = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{escape(self.title)}</title>
<link rel="icon" type="image/png" href="/icons/icon-192.png">
<link rel="stylesheet" href="{assets}/swagger-ui.css">
<script src="{assets}/swagger-ui-bundle.js" defer></script>
<script src="{assets}/{START_SCRIPT}" defer></script>
</head>
<body>
<div id="swagger-ui" data-url="{escape(self.get_openapi_json_route(request))}"></div>
<noscript>This page needs JavaScript. The API description itself:
<a href="{base}/openapi.json">{base}/openapi.json</a>.</noscript>
</body>
</html>
"""
        return page.encode()

    def receive_router(self, router: Router) -> None:
        static = self.static

        @get(f"{ASSETS}/{{name:str}}", include_in_schema=False, sync_to_thread=False)
        def asset(name: FromPath[str]) -> Response[bytes] | File:
            headers = {"Cache-Control": CACHE_CONTROL}
            if name == START_SCRIPT:
                return Response(
                    START, media_type="text/javascript; charset=utf-8", headers=headers
                )
            media_type = SWAGGER_FILES.get(name)
            if media_type is None:
                raise NotFoundException(f"no API documentation asset named {name!r}")
            return File(
                static / name,
                media_type=media_type,
                content_disposition_type="inline",
                headers=headers,
            )

        router.register(asset)
