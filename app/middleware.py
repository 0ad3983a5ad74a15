"""ASGI middleware around every request: request id, size limits, security headers, metrics,
and an access log that cannot locate anyone.

A person asking for the nearest point may be a victim looking for family: the access log
keeps coordinates rounded to 0.01 degree (about 1 km), never the query string (it may hold a
typed address) and never the client address unless the operator turns that on.

Pure ASGI rather than BaseHTTPMiddleware: it sits on every /nearest request, and wrapping
`send` costs a function call where BaseHTTPMiddleware costs a task and a stream per request.
For the same reason gzip is a step inside RequestGuard rather than a layer of its own.
"""

import logging
import math
import time
from collections.abc import Iterable
from urllib.parse import parse_qsl

import orjson
from fastapi import FastAPI
from starlette.middleware.gzip import (
    DEFAULT_EXCLUDED_CONTENT_TYPES,
    GZipResponder,
    IdentityResponder,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import error_body
from app.logs import REQUEST_ID_HEADER, accepted_request_id, request_id_var
from app.metrics import UNMATCHED_ROUTE, RequestMetrics
from app.ratelimit import RateLimit, TokenBuckets
from app.security import SECURITY_HEADERS, install_cors
from app.settings import Settings

access_log = logging.getLogger("xunqin.access")

# Level 1, the cheapest: even so a 7.3 MB batch answer becomes 0.83 MB, for about 50 ms
# (docs/benchmarks.md "Response compression").
# Bodies of 128 KiB and more are compressed in a thread, off the event loop (Starlette's
# thread_minimum_size).
GZIP_LEVEL = 1
# The page, its assets and the docs' files come gzipped once at start (app/page.py, app/docs.py)
# with their own ETag and Vary: compressing them again per request would only cost.
GZIP_EXCLUDED_TYPES = (
    *DEFAULT_EXCLUDED_CONTENT_TYPES,
    "text/html", "text/css", "text/javascript", "image/svg+xml", "image/x-icon",
)  # fmt: skip

_COORDINATE_PARAMS = ("lat", "lon")
_SECURITY_HEADER_NAMES = frozenset(name for name, _ in SECURITY_HEADERS)


def _with_security_headers(headers: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """A new list: `headers` plus each security header they do not set themselves (what
    app.security.with_security_headers does, without building a set for every answer).

    >>> page = [(b"content-security-policy", b"default-src 'self'")]
    >>> [v for k, v in _with_security_headers(page) if k == b"content-security-policy"]
    [b"default-src 'self'"]
    >>> len(_with_security_headers([(b"content-type", b"application/json")]))
    6
    """
    headers = list(headers)
    for name, _ in headers:
        if name in _SECURITY_HEADER_NAMES:
            present = {name for name, _ in headers}
            return headers + [header for header in SECURITY_HEADERS if header[0] not in present]
    headers += SECURITY_HEADERS
    return headers


def coarse_coordinates(query_string: bytes) -> dict[str, float | str]:
    """Rounded lat/lon from a query string, for logging; every other parameter is left out.

    >>> coarse_coordinates(b"lat=30.123456&lon=114.987654&n=5&address=%E6%AD%A6%E6%B1%89")
    {'lat': 30.12, 'lon': 114.99}
    >>> coarse_coordinates(b"lat=abc")
    {'lat': 'invalid'}
    """
    coarse: dict[str, float | str] = {}
    for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        if name in _COORDINATE_PARAMS:
            try:
                number = float(value)
            except ValueError:
                number = math.nan
            # Out-of-range numbers are no location but could still carry digits: bound them.
            valid = math.isfinite(number) and abs(number) <= 180
            coarse[name] = round(number, 2) if valid else "invalid"
    return coarse


def route_template(scope: Scope) -> str:
    """The matched route's path template (`/points/{point_id}`), never the raw path."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED_ROUTE


class RequestGuard:
    """Outermost layer: ids, limits and headers on every response, then metrics and the log;
    and gzip for large answers to clients that accept it (`gzip_minimum_bytes`, 0 = never).

    Gzip is Starlette's (GZipResponder), engaged only once an answer turns out to be large or
    streamed: a small answer, such as /nearest's, passes through with no per-request cost
    beyond one length check (Starlette's own middleware parses the request's and the
    response's headers for every request, docs/benchmarks.md "Where the microseconds go").
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_query_length: int,
        log_requests: bool,
        max_body_bytes: int = 65_536,
        log_client_address: bool = False,
        metrics: RequestMetrics | None = None,
        gzip_minimum_bytes: int = 0,
    ) -> None:
        self.app = app
        self.max_query_length = max_query_length
        self.max_body_bytes = max_body_bytes
        self.log_requests = log_requests
        self.log_client_address = log_client_address
        self.metrics = metrics or RequestMetrics()
        self.gzip_minimum_bytes = gzip_minimum_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        content_length: bytes | None = None
        incoming_id: bytes | None = None
        accept_encoding: bytes | None = None
        chunked = False
        for name, value in scope["headers"]:
            if name == REQUEST_ID_HEADER:
                incoming_id = value
            elif name == b"content-length":
                content_length = value
            elif name == b"transfer-encoding":
                chunked = True
            elif name == b"accept-encoding" and accept_encoding is None:
                accept_encoding = value  # the first, as starlette's GZipMiddleware reads it
        request_id = accepted_request_id(incoming_id)
        token = request_id_var.set(request_id)
        id_header = (REQUEST_ID_HEADER, request_id.encode())
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = _with_security_headers(message.get("headers", ()))
                headers.append(id_header)
                message = {**message, "headers": headers}
            await send(message)

        try:
            query_string: bytes = scope.get("query_string", b"")
            if len(query_string) > self.max_query_length:
                await _refuse(
                    send_with_headers, 422, "invalid_request",
                    f"query string is {len(query_string)} bytes; at most "
                    f"{self.max_query_length} are accepted",
                )  # fmt: skip
                return
            if content_length is not None and not _fits(content_length, self.max_body_bytes):
                await self._refuse_large_body(send_with_headers)
                return
            if content_length is None and chunked:
                body = await _read_body(receive, self.max_body_bytes)
                if body is None:
                    await self._refuse_large_body(send_with_headers)
                    return
                receive = _replay(body)
            if self.gzip_minimum_bytes > 0:
                gzip = accept_encoding is not None and b"gzip" in accept_encoding
                await self.app(scope, receive, self._gzip_gate(send_with_headers, gzip))
            else:
                await self.app(scope, receive, send_with_headers)
        finally:
            elapsed_s = time.perf_counter() - started
            route = route_template(scope)
            self.metrics.observe(scope["method"], route, status, elapsed_s)
            if self.log_requests:
                self._log(scope, route, status, elapsed_s)
            request_id_var.reset(token)

    def _gzip_gate(self, send: Send, gzip: bool) -> Send:
        """`send` behind Starlette's gzip, which only sees answers of `gzip_minimum_bytes` or
        more, or streamed ones: what it does to a smaller one is to pass it on as it is."""
        minimum = self.gzip_minimum_bytes
        held: Message | None = None  # the response start, until the first body says its size
        responder: IdentityResponder | None = None

        async def gate(message: Message) -> None:
            nonlocal held, responder
            if responder is not None:
                await responder.send_with_compression(message)
                return
            kind = message["type"]
            if held is None:
                if kind == "http.response.start":
                    held = message
                else:
                    await send(message)
                return
            if (
                kind == "http.response.body"
                and not message.get("more_body", False)
                and len(message.get("body", b"")) < minimum
            ):
                start, held = held, None
                await send(start)
                await send(message)
                return
            if gzip:
                responder = GZipResponder(
                    self.app, minimum, compresslevel=GZIP_LEVEL,
                    exclude_content_types=GZIP_EXCLUDED_TYPES,
                )  # fmt: skip
            else:  # adds `Vary: Accept-Encoding` to a large answer, as the middleware does
                responder = IdentityResponder(
                    self.app, minimum, exclude_content_types=GZIP_EXCLUDED_TYPES
                )
            responder.send = send
            start, held = held, None
            await responder.send_with_compression(start)
            await responder.send_with_compression(message)

        return gate

    def _log(self, scope: Scope, route: str, status: int, elapsed_s: float) -> None:
        if not access_log.isEnabledFor(logging.INFO):
            return
        fields: dict[str, object] = {
            "method": scope["method"],
            "route": route,
            "status": status,
            "duration_ms": round(elapsed_s * 1000, 2),
            **coarse_coordinates(scope.get("query_string", b"")),
        }
        client = scope.get("client")
        if self.log_client_address and client:
            fields["client"] = client[0]
        access_log.info("request", extra=fields)

    async def _refuse_large_body(self, send: Send) -> None:
        await _refuse(
            send, 413, "payload_too_large",
            f"the request body is larger than {self.max_body_bytes} bytes",
        )  # fmt: skip


def _fits(content_length: bytes, limit: int) -> bool:
    return content_length.isdigit() and int(content_length) <= limit


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """A chunked body in full, or None as soon as it passes `limit` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks)  # disconnected: the app will find out on its own
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _refuse(send: Send, status: int, kind: str, message: str) -> None:
    body = orjson.dumps(error_body(kind, message))
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def install_request_pipeline(app: FastAPI, settings: Settings) -> None:
    """Middleware, outermost first: RequestGuard (with gzip, if on), CORS (if origins are
    set), RateLimit (if on).

    CORS sits outside the rate limit so a browser can read a 429; RequestGuard outside both
    so every answer, refusals included, gets an id, security headers, metrics and a log line.
    """
    metrics = RequestMetrics()
    if settings.rate_limit_per_s > 0:
        buckets = TokenBuckets(
            rate_per_s=settings.rate_limit_per_s,
            burst=settings.rate_limit_burst,
            max_keys=settings.rate_limit_clients,
        )
        app.add_middleware(RateLimit, buckets=buckets, on_limited=metrics.rate_limited)
    install_cors(app, settings)  # add_middleware puts each new layer outside the previous ones
    app.add_middleware(
        RequestGuard,
        max_query_length=settings.max_query_length,
        log_requests=settings.access_log,
        max_body_bytes=settings.max_body_bytes,
        log_client_address=settings.log_client_address,
        metrics=metrics,
        gzip_minimum_bytes=settings.gzip_minimum_bytes,
    )
