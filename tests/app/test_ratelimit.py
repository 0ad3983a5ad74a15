"""Per-client token buckets on a real uvicorn: 429 in the project's error shape, Retry-After,
one bucket per client address (X-Forwarded-For only through uvicorn's trusted proxy list)."""

from contextlib import AbstractContextManager
from typing import Any

import httpx
from fastapi import FastAPI

from app.main import create_app
from app.ratelimit import TokenBuckets
from app.settings import Settings
from tests.support import REPO_DATA_DIR, live_server

LIMITED = {"rate_limit_per_s": 0.5, "rate_limit_burst": 3}


def serving(app: FastAPI, **config: Any) -> AbstractContextManager[str]:
    """tests.support.live_server, with uvicorn's proxy-header options under test."""
    return live_server(app, **config)


def limited_app(**overrides: Any) -> FastAPI:
    return create_app(Settings(data_dir=REPO_DATA_DIR, **{**LIMITED, **overrides}))


def statuses(url: str, count: int, headers: dict[str, str] | None = None) -> list[int]:
    return [httpx.get(f"{url}/healthz", headers=headers).status_code for _ in range(count)]


def test_burst_then_429_with_retry_after_in_the_error_shape():
    with serving(limited_app(), proxy_headers=False) as url:
        assert statuses(url, 3) == [200, 200, 200]
        refused = httpx.get(f"{url}/nearest", params={"lat": 43.8, "lon": 125.3})
        metrics = httpx.get(f"{url}/metrics")  # also refused: the limit covers every path
    assert refused.status_code == 429
    body = refused.json()
    assert body["error"] == "rate_limited" and body["errors"] == []
    assert "retry after" in body["message"]
    # 0.5 tokens/s: the next token is 2 s away (give or take the time the test took).
    assert 1 <= int(refused.headers["retry-after"]) <= 2
    # Refusals pass through the same outer layer as answers: id and security headers.
    assert refused.headers["x-request-id"] and refused.headers["x-content-type-options"]
    assert metrics.status_code == 429


def test_limit_is_off_by_default():
    with serving(create_app(Settings(data_dir=REPO_DATA_DIR)), proxy_headers=False) as url:
        assert set(statuses(url, 40)) == {200}


def test_trusted_proxy_forwarded_clients_get_their_own_buckets():
    with serving(limited_app(), proxy_headers=True, forwarded_allow_ips="127.0.0.1") as url:
        first = statuses(url, 4, {"X-Forwarded-For": "203.0.113.7"})
        second = statuses(url, 4, {"X-Forwarded-For": "198.51.100.23"})
        scrape = httpx.get(f"{url}/metrics", headers={"X-Forwarded-For": "192.0.2.1"}).text
    assert first == second == [200, 200, 200, 429]
    counted = next(
        ln for ln in scrape.splitlines() if ln.startswith("xunqin_http_rate_limited_total")
    )
    assert float(counted.split()[-1]) >= 2
    # Client addresses are bucket keys only: not in metrics (nor in logs: test_logs.py).
    assert "203.0.113.7" not in scrape and "198.51.100.23" not in scrape


def test_untrusted_forwarded_for_is_ignored():
    """Without a trusted proxy the header is the caller's own claim: it must not buy a bucket."""
    with serving(limited_app(), proxy_headers=True, forwarded_allow_ips="192.0.2.99") as url:
        spoofed = [
            httpx.get(f"{url}/healthz", headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code
            for i in range(4)
        ]
    assert spoofed == [200, 200, 200, 429]


def test_bucket_table_stays_bounded_and_forgets_the_idlest_first():
    now = [0.0]
    buckets = TokenBuckets(rate_per_s=1, burst=1, max_keys=100, clock=lambda: now[0])
    assert buckets.take("busy") == 0.0
    for i in range(1000):
        now[0] += 0.001
        buckets.take(f"client-{i}")
        buckets.take("busy")  # seen again and again: never the one forgotten
    assert len(buckets) == 100
    assert buckets.take("busy") > 0  # its empty bucket was remembered
    assert buckets.take("client-0") == 0.0  # forgotten long ago: a full bucket again
