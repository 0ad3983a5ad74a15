"""The mobile web page at `/` and its static assets under `/static/`, read once at build time.

The HTML is always revalidated; it names each asset with a content hash (`app.js?v=1a2b3c4d`),
so assets can be cached for a day and a new deploy is still picked up at the next page load.
Each file is also gzipped once here: people on slow mobile links get a quarter of the bytes.
"""

import gzip
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.errors import NotFound

STATIC_DIR = Path(__file__).resolve().parent / "static"
INDEX_NAME = "index.html"

# An explicit table, not `mimetypes`: the answer must not depend on the machine's mime database.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
}

HTML_CACHE_CONTROL = "no-cache"  # revalidate every time (cheap: ETag + 304)
ASSET_CACHE_CONTROL = "public, max-age=86400"

# The page needs nothing from elsewhere: no CDN, no fonts, no analytics, no inline script.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

_SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

_ASSET_REF_RE = re.compile(r'(?P<attr>(?:src|href)=")/static/(?P<name>[A-Za-z0-9._-]+)"')


@dataclass(frozen=True)
class StaticFile:
    """One file's bytes (plain and gzipped) and the headers it is always served with."""

    body: bytes
    gzipped: bytes
    content_type: str
    etag: str  # of the plain bytes; the gzipped representation adds "-gz"
    cache_control: str

    def response(self, request: Request) -> Response:
        use_gzip = _accepts_gzip(request.headers.get("accept-encoding", ""))
        body = self.gzipped if use_gzip else self.body
        etag = self.etag[:-1] + '-gz"' if use_gzip else self.etag
        headers = {
            "ETag": etag,
            "Cache-Control": self.cache_control,
            "Vary": "Accept-Encoding",
            **_SECURITY_HEADERS,
        }
        if use_gzip:
            headers["Content-Encoding"] = "gzip"
        if self.content_type.startswith("text/html"):
            headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        if etag in _etags(request.headers.get("if-none-match", "")):
            return Response(status_code=304, headers=headers)
        if request.method == "HEAD":
            response = Response(media_type=self.content_type, headers=headers)
            response.headers["content-length"] = str(len(body))
            return response
        return Response(content=body, media_type=self.content_type, headers=headers)


def _etags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


def _accepts_gzip(header: str) -> bool:
    """True if Accept-Encoding allows gzip (and does not refuse it with q=0).

    >>> _accepts_gzip("gzip, deflate, br"), _accepts_gzip("br;q=1, gzip;q=0"), _accepts_gzip("")
    (True, False, False)
    """
    for item in header.lower().split(","):
        coding, _, params = item.strip().partition(";")
        if coding.strip() in ("gzip", "*"):
            quality = params.strip().removeprefix("q=").strip()
            if not quality:
                return True
            try:
                return float(quality) > 0
            except ValueError:
                return False  # unreadable: do not risk bytes the client cannot decode
    return False


def _static_file(body: bytes, suffix: str, cache_control: str) -> StaticFile:
    content_type = CONTENT_TYPES.get(suffix)
    if content_type is None:
        raise ValueError(f"no content type known for {suffix!r} files in {STATIC_DIR}")
    etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
    # mtime=0: the same bytes on every start, so every replica agrees on what it serves.
    gzipped = gzip.compress(body, compresslevel=9, mtime=0)
    return StaticFile(body, gzipped, content_type, etag, cache_control)


def load_static(directory: Path = STATIC_DIR) -> tuple[StaticFile, dict[str, StaticFile]]:
    """The page and the assets of `directory` (flat), with asset URLs in the page versioned."""
    assets: dict[str, StaticFile] = {}
    for path in sorted(directory.iterdir()):
        if path.is_file() and path.name != INDEX_NAME and not path.name.startswith("."):
            assets[path.name] = _static_file(path.read_bytes(), path.suffix, ASSET_CACHE_CONTROL)

    def versioned(match: re.Match[str]) -> str:
        name = match["name"]
        if name not in assets:
            raise ValueError(f"{INDEX_NAME} refers to /static/{name}, which is not in {directory}")
        version = assets[name].etag.strip('"')[:8]
        return f'{match["attr"]}/static/{name}?v={version}"'

    html = _ASSET_REF_RE.sub(versioned, (directory / INDEX_NAME).read_text(encoding="utf-8"))
    return _static_file(html.encode(), ".html", HTML_CACHE_CONTROL), assets


def build_page_router(directory: Path = STATIC_DIR) -> APIRouter:
    """`GET /` (the page) and `GET /static/<name>` (its assets), both also answering HEAD."""
    index, assets = load_static(directory)
    router = APIRouter(include_in_schema=False)

    @router.api_route("/", methods=["GET", "HEAD"])
    async def page(request: Request) -> Response:
        return index.response(request)

    @router.api_route("/static/{name}", methods=["GET", "HEAD"])
    async def asset(request: Request, name: str) -> Response:
        # Only names found at build time: nothing is read from disk per request.
        found = assets.get(name)
        if found is None:
            raise NotFound(f"no static file named {name[:40]!r}")
        return found.response(request)

    return router
