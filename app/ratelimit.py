"""Per-client rate limiting: a token bucket per client, in memory, in each worker.

The client is the address in the ASGI scope: the socket's peer, or the one uvicorn's
ProxyHeadersMiddleware put there from X-Forwarded-For. uvicorn does that by default for
connections from 127.0.0.1 and ::1 (proxy_headers on, forwarded_allow_ips "127.0.0.1,::1").
It replaces the peer in the scope before this app runs and leaves no trace of it (only a port
of 0, which a forwarded "host:port" fakes), so the app cannot undo it: every command that
starts the service says either `--no-proxy-headers` (no proxy meant) or `--proxy-headers`
with the proxy's own addresses (README "Configuration", "Production").

IPv6 clients are keyed by their /64 (one subscriber's network: a host picks any address in it
at will); IPv4 and IPv4-mapped IPv6 addresses by address.

Addresses live only in the bucket table (bounded; the idlest are forgotten first) and are never
logged. Each worker keeps its own table, so with W workers a client may get up to W times the
configured rate: put a shared limit in the reverse proxy where that matters.

A batch of k queries costs k tokens (app.routes charges the k - 1 beyond the request itself).
"""

import ipaddress
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from functools import lru_cache

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from app.errors import RateLimited, error_body

# Where RateLimit leaves this request's meter in the ASGI scope, for charge_extra.
METER_SCOPE_KEY = "xunqin.rate_limit"
IPV6_CLIENT_PREFIX = 64


@lru_cache(maxsize=4096)
def client_key(host: str) -> str:
    """The bucket key of a client address: IPv4 as is, IPv6 by its /64.

    >>> client_key("203.0.113.7"), client_key("::ffff:203.0.113.7")
    ('203.0.113.7', '203.0.113.7')
    >>> client_key("2001:db8:1:2:a:b:c:d") == client_key("2001:db8:1:2::99")
    True
    >>> client_key("2001:db8:1:2::1"), client_key("not-an-address")
    ('2001:db8:1:2::/64', 'not-an-address')
    """
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host  # e.g. a unix socket's name: one bucket for everything behind it
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, IPV6_CLIENT_PREFIX), strict=False))
    return str(address)


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

    def tokens(self, key: str) -> float:
        """The tokens `key` has now (a full bucket for a key not seen)."""
        tokens, counted_at = self._buckets.get(key, (self.burst, self.clock()))
        return min(self.burst, tokens + (self.clock() - counted_at) * self.rate_per_s)

    def take(self, key: str, cost: float = 1.0, *, paid: float = 0.0) -> float:
        """Take `cost` tokens: 0.0 if allowed, else the seconds until they are there.

        `paid`: tokens this request already took (a batch's first query). A request costing
        more than `burst` in all is allowed from a full bucket and leaves it in debt, so a
        large batch is possible but costs its full price in waiting afterwards.
        """
        now = self.clock()
        tokens, counted_at = self._buckets.pop(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - counted_at) * self.rate_per_s)
        needed = min(cost + paid, self.burst) - paid
        allowed = tokens >= needed
        if allowed:
            tokens -= cost
        self._buckets[key] = (tokens, now)  # re-inserted last: most recently seen
        if len(self._buckets) > self.max_keys:
            # The least recently seen client has refilled the longest: forgetting it only
            # gives it a full bucket, the same as it would soon have anyway.
            self._buckets.popitem(last=False)
        return 0.0 if allowed else (needed - tokens) / self.rate_per_s


def retry_after_s(wait_s: float) -> int:
    """Whole seconds for a Retry-After header, never 0 (that would invite an instant retry)."""
    return max(1, math.ceil(wait_s))


def charge_extra(scope: Scope, cost: int, what: str) -> None:
    """Take `cost` more tokens from this request's client; RateLimited if it has too few.

    Does nothing when rate limiting is off. `what` says what the tokens pay for.
    """
    meter: tuple[TokenBuckets, str, Callable[[], None] | None] | None = scope.get(METER_SCOPE_KEY)
    if meter is None or cost <= 0:
        return
    buckets, key, on_limited = meter
    left = buckets.tokens(key)
    wait_s = buckets.take(key, cost, paid=1.0)
    if wait_s == 0.0:
        return
    if on_limited is not None:
        on_limited()
    retry_after = retry_after_s(wait_s)
    message = (
        f"{what} costs {cost + 1} requests under the rate limit and this client has "
        f"{math.floor(left) + 1} left; retry after {retry_after} s, or send fewer queries"
    )
    if cost + 1 > buckets.burst:
        message += (
            f" (more than {buckets.burst:.0f} at once are taken from a full allowance only, "
            "and the client then waits until they are paid back)"
        )
    raise RateLimited(message, retry_after_s=retry_after)


class RateLimit:
    """ASGI middleware answering 429 (with Retry-After) when a client's bucket is empty."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        buckets: TokenBuckets,
        on_limited: Callable[[], None] | None = None,
    ) -> None:
        self.app = app
        self.buckets = buckets
        self.on_limited = on_limited

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        key = client_key(client[0]) if client else "-"
        wait_s = self.buckets.take(key)
        if wait_s == 0.0:
            scope[METER_SCOPE_KEY] = (self.buckets, key, self.on_limited)
            await self.app(scope, receive, send)
            return
        if self.on_limited is not None:
            self.on_limited()
        retry_after = retry_after_s(wait_s)
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
