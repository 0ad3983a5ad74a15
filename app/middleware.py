"""ASGI middleware: refuse oversized query strings, and log requests without precise locations.

A person asking for the nearest point may be a victim looking for family: the access log
keeps coordinates rounded to 0.01 degree (about 1 km) and never the client address.
"""

import logging
import math
import time
from urllib.parse import parse_qsl

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("xunqin.access")

_COORDINATE_PARAMS = ("lat", "lon")


def coarse_coordinates(query_string: bytes) -> str:
    """Rounded lat/lon from a query string, for logging.

    >>> coarse_coordinates(b"lat=30.123456&lon=114.987654&n=5")
    'lat~30.12 lon~114.99'
    >>> coarse_coordinates(b"lat=abc")
    'lat~invalid'
    """
    parts = []
    for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        if name in _COORDINATE_PARAMS:
            try:
                number = float(value)
            except ValueError:
                number = math.nan
            parts.append(f"{name}~{number:.2f}" if math.isfinite(number) else f"{name}~invalid")
    return " ".join(parts)


class RequestGuard:
    """Rejects absurd query strings before routing, and writes the privacy-safe access log."""

    def __init__(self, app: ASGIApp, *, max_query_length: int, log_requests: bool) -> None:
        self.app = app
        self.max_query_length = max_query_length
        self.log_requests = log_requests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query_string: bytes = scope.get("query_string", b"")
        if len(query_string) > self.max_query_length:
            await self._refuse_long_query(len(query_string), send)
            self._log(scope, 422, 0.0, b"")
            return

        started = time.perf_counter()
        status = 500

        async def send_recording_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_recording_status)
        finally:
            self._log(scope, status, time.perf_counter() - started, query_string)

    def _log(self, scope: Scope, status: int, elapsed_s: float, query_string: bytes) -> None:
        if self.log_requests and access_log.isEnabledFor(logging.INFO):
            access_log.info(
                "%s %s %d %.1fms %s",
                scope.get("method", "-"),
                scope.get("path", "-"),
                status,
                elapsed_s * 1000,
                coarse_coordinates(query_string),
            )

    async def _refuse_long_query(self, length: int, send: Send) -> None:
        body = orjson.dumps(
            {
                "error": "invalid_request",
                "message": f"query string is {length} bytes; at most {self.max_query_length} "
                "are accepted",
                "errors": [],
            }
        )
        await send(
            {
                "type": "http.response.start",
                "status": 422,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
