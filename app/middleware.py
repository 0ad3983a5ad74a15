"""ASGI middleware around every request: request id, size limits, security headers, metrics,
and an access log that cannot locate anyone.

A person asking for the nearest point may be a victim looking for family: the access log
keeps coordinates rounded to 0.01 degree (about 1 km), never the query string (it may hold a
typed address) and never the client address unless the operator turns that on.

Pure ASGI rather than BaseHTTPMiddleware: it sits on every /nearest request, and wrapping
`send` costs a function call where BaseHTTPMiddleware costs a task and a stream per request.
"""

import logging
import math
import time
from urllib.parse import parse_qsl

import orjson
from fastapi import FastAPI
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import error_body
from app.logs import REQUEST_ID_HEADER, accepted_request_id, request_id_var
from app.metrics import UNMATCHED_ROUTE, RequestMetrics
from app.ratelimit import RateLimit, TokenBuckets
from app.security import install_cors, with_security_headers
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
    """Outermost layer: ids, limits and headers on every response, then metrics and the log."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_query_length: int,
        log_requests: bool,
        max_body_bytes: int = 65_536,
        log_client_address: bool = False,
        metrics: RequestMetrics | None = None,
    ) -> None:
        self.app = app
        self.max_query_length = max_query_length
        self.max_body_bytes = max_body_bytes
        self.log_requests = log_requests
        self.log_client_address = log_client_address
        self.metrics = metrics or RequestMetrics()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        content_length: bytes | None = None
        incoming_id: bytes | None = None
        chunked = False
        for name, value in scope["headers"]:
            if name == REQUEST_ID_HEADER:
                incoming_id = value
            elif name == b"content-length":
                content_length = value
            elif name == b"transfer-encoding":
                chunked = True
        request_id = accepted_request_id(incoming_id)
        token = request_id_var.set(request_id)
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = with_security_headers(list(message.get("headers", ())))
                headers.append((REQUEST_ID_HEADER, request_id.encode()))
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
            await self.app(scope, receive, send_with_headers)
        finally:
            elapsed_s = time.perf_counter() - started
            route = route_template(scope)
            self.metrics.observe(scope["method"], route, status, elapsed_s)
            if self.log_requests:
                self._log(scope, route, status, elapsed_s)
            request_id_var.reset(token)

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
    """Middleware, outermost first: RequestGuard, GZip (if on), CORS (if origins are set),
    RateLimit (if on).

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
    if settings.gzip_minimum_bytes > 0:
        app.add_middleware(
            GZipMiddleware,
            minimum_size=settings.gzip_minimum_bytes,
            compresslevel=GZIP_LEVEL,
            exclude_content_types=GZIP_EXCLUDED_TYPES,
        )
    app.add_middleware(
        RequestGuard,
        max_query_length=settings.max_query_length,
        log_requests=settings.access_log,
        max_body_bytes=settings.max_body_bytes,
        log_client_address=settings.log_client_address,
        metrics=metrics,
    )
