"""`/docs`: Swagger UI served entirely from this server, under a policy that allows only it.

FastAPI's own /docs page loads Swagger UI from a CDN and starts it with an inline script; the
API's `default-src 'none'` policy blocks all three, so a browser showed a blank page. Here the
script and stylesheet come from the fastapi-offline package (a copy of swagger-ui-dist) and
the start-up code is a served file too, so the page's policy needs no host and no
'unsafe-inline'. ReDoc is not offered: its bundle injects inline styles and workers.

The assets (about 1.7 MB, 0.5 MB gzipped) are read and compressed at the first /docs request,
in a thread, so they cost nothing at start-up or to a server nobody browses.
"""

import asyncio
import gzip
import hashlib
import html
import importlib.util
from functools import cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.errors import NotFound
from app.page import ASSET_CACHE_CONTROL, CONTENT_TYPES, HTML_CACHE_CONTROL, StaticFile

DOCS_PATH = "/docs"
ASSETS_PATH = "/docs/assets"
SWAGGER_FILES = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon.png")
INIT_NAME = "swagger-init.js"

# Scripts, styles and images from this server only; the spec and "Try it out" go to it too.
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

# FastAPI's default Swagger UI parameters, less the online validator badge (an image from
# another host that would also send it the spec's address).
SWAGGER_INIT_JS = b"""\
"use strict";
(function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
})();
"""

PAGE_TEMPLATE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" type="image/png" href="{assets}/favicon.png?v={favicon}">
<link rel="stylesheet" href="{assets}/swagger-ui.css?v={css}">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{openapi_url}"></div>
<script src="{assets}/swagger-ui-bundle.js?v={bundle}"></script>
<script src="{assets}/{init}?v={init_version}"></script>
</body>
</html>
"""


def swagger_dir() -> Path:
    """fastapi-offline's static folder, found without importing the package."""
    spec = importlib.util.find_spec("fastapi_offline")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("fastapi-offline is not installed (pip install -e .)")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def _asset(body: bytes, name: str) -> StaticFile:
    content_type = CONTENT_TYPES[Path(name).suffix]
    etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
    gzipped = gzip.compress(body, compresslevel=9, mtime=0)
    return StaticFile(body, gzipped, content_type, etag, ASSET_CACHE_CONTROL)


@cache
def docs_assets() -> dict[str, StaticFile]:
    """Swagger UI's files and the start-up script, by name (read once per process)."""
    directory = swagger_dir()
    assets = {name: _asset((directory / name).read_bytes(), name) for name in SWAGGER_FILES}
    assets[INIT_NAME] = _asset(SWAGGER_INIT_JS, INIT_NAME)
    return assets


def docs_page(title: str, root_path: str, openapi_url: str) -> bytes:
    """The /docs HTML: no inline script or style, each asset named with its content hash."""
    assets = docs_assets()

    def version(name: str) -> str:
        return assets[name].etag.strip('"')[:8]

    return PAGE_TEMPLATE.format(
        title=html.escape(title),
        assets=html.escape(root_path + ASSETS_PATH),
        openapi_url=html.escape(root_path + openapi_url),
        favicon=version("favicon.png"),
        css=version("swagger-ui.css"),
        bundle=version("swagger-ui-bundle.js"),
        init=INIT_NAME,
        init_version=version(INIT_NAME),
    ).encode()


def build_docs_router(title: str, openapi_url: str) -> APIRouter:
    """`GET /docs` and `GET /docs/assets/<name>`, both also answering HEAD."""
    router = APIRouter(include_in_schema=False)

    @router.api_route(DOCS_PATH, methods=["GET", "HEAD"])
    async def docs(request: Request) -> Response:
        await asyncio.to_thread(docs_assets)  # the first call reads and gzips ~1.7 MB
        body = docs_page(f"{title} – API", request.scope.get("root_path", ""), openapi_url)
        headers = {
            "Cache-Control": HTML_CACHE_CONTROL,
            "Content-Security-Policy": DOCS_CONTENT_SECURITY_POLICY,
        }
        return Response(body, media_type=CONTENT_TYPES[".html"], headers=headers)

    @router.api_route(ASSETS_PATH + "/{name}", methods=["GET", "HEAD"])
    async def docs_asset(request: Request, name: str) -> Response:
        found = (await asyncio.to_thread(docs_assets)).get(name)
        if found is None:
            raise NotFound(f"no docs file named {name[:40]!r}")
        return found.response(request)

    return router
