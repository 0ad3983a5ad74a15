"""Per-client rate limiting: a token bucket per client address, in memory, in each worker.

The client address is the socket's peer, or the one uvicorn's ProxyHeadersMiddleware took from
X-Forwarded-For when uvicorn runs with --proxy-headers and the peer is in
--forwarded-allow-ips. Addresses live only in the bucket table (bounded; the idlest are
forgotten first) and are never logged. Each worker keeps its own table, so with W workers a
client may get up to W times the configured rate: put a shared limit in the reverse proxy
where that matters.
"""

import math
import time
from collections import OrderedDict
from collections.abc import Callable

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from app.errors import error_body


class TokenBuckets:
    """`rate_per_s` tokens per second up to `burst`, per key; at most `max_keys` keys.

    >>> clock = iter([0.0, 0.0, 0.0, 0.5]).__next__
    >>> buckets = TokenBuckets(rate_per_s=2, burst=2, max_keys=10, clock=clock)
    >>> [buckets.take("a") for _ in range(3)]  # the third finds the bucket empty
    [0.0, 0.0, 0.5]
    >>> buckets.take("a")  # half a second later one token has come back
    0.0
    """

    def __init__(
        self,
        *,
        rate_per_s: float,
        burst: int,
        max_keys: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate_per_s = rate_per_s
        self.burst = float(burst)
        self.max_keys = max_keys
        self.clock = clock
        # key -> (tokens, when counted); least recently seen first.
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, key: str) -> float:
        """Take one token: 0.0 if allowed, else the seconds until a token is back."""
        now = self.clock()
        tokens, counted_at = self._buckets.pop(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - counted_at) * self.rate_per_s)
        allowed = tokens >= 1.0
        if allowed:
            tokens -= 1.0
        self._buckets[key] = (tokens, now)  # re-inserted last: most recently seen
        if len(self._buckets) > self.max_keys:
            # The least recently seen client has refilled the longest: forgetting it only
            # gives it a full bucket, the same as it would soon have anyway.
            self._buckets.popitem(last=False)
        return 0.0 if allowed else (1.0 - tokens) / self.rate_per_s


class RateLimit:
    """ASGI middleware answering 429 (with Retry-After) when a client's bucket is empty."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        rate_per_s: float,
        burst: int,
        max_clients: int,
        on_limited: Callable[[], None] | None = None,
    ) -> None:
        self.app = app
        self.buckets = TokenBuckets(rate_per_s=rate_per_s, burst=burst, max_keys=max_clients)
        self.on_limited = on_limited

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        wait_s = self.buckets.take(client[0] if client else "-")
        if wait_s == 0.0:
            await self.app(scope, receive, send)
            return
        if self.on_limited is not None:
            self.on_limited()
        retry_after = max(1, math.ceil(wait_s))
        message = f"too many requests from this client; retry after {retry_after} s"
        body = orjson.dumps(error_body("rate_limited", message))
        await send(
            {
                "type": "http.response.start",
                "status": 429,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", str(retry_after).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
