"""Per-client token buckets on a real uvicorn: 429 in the project's error shape, Retry-After,
one bucket per client address (X-Forwarded-For only through uvicorn's trusted proxy list, and
never for `make serve`), IPv6 clients by /64, a batch charged per query."""

import asyncio
import os
import shlex
import signal
import socket
import subprocess
import time
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from starlette.types import Message, Receive, Scope, Send

from app.main import create_app
from app.ratelimit import RateLimit, TokenBuckets
from app.settings import Settings
from tests.support import REPO_DATA_DIR, free_port, live_server

ROOT = REPO_DATA_DIR.parent

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


SPOOFED = [{"X-Forwarded-For": f"203.0.113.{i}"} for i in range(10)]


def test_without_proxy_headers_spoofed_forwarded_for_shares_one_bucket():
    """uvicorn trusts X-Forwarded-For from 127.0.0.1 unless told not to: told, it must not."""
    with serving(limited_app(), proxy_headers=False) as url:
        spoofed = [httpx.get(f"{url}/healthz", headers=h).status_code for h in SPOOFED]
    assert spoofed == [200] * 3 + [429] * 7


def make_serve_command(port: int) -> list[str]:
    """The uvicorn command `make serve` runs (make -n: printed, not run; no install step)."""
    printed = subprocess.run(
        ["make", "-s", "-n", "-o", ".venv/.installed-runtime", "serve", f"PORT={port}"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    (line,) = printed.splitlines()
    command = shlex.split(line)
    assert command[0].endswith("/uvicorn")
    return [str(ROOT / command[0]), *command[1:]]


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    """Connect without a request (a request would cost a token); uvicorn listens once started."""
    deadline = time.monotonic() + timeout_s
    while process.poll() is None and time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"make serve did not start (exit {process.poll()})")


def test_make_serve_behind_a_same_host_proxy_cannot_be_spoofed(tmp_path: Path):
    """A proxy on the same host that passes the client's X-Forwarded-For on connects from
    127.0.0.1, which uvicorn trusts by default: `make serve` must turn proxy headers off."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("XUNQIN_")}
    env.pop("FORWARDED_ALLOW_IPS", None)  # uvicorn's default: 127.0.0.1
    env |= {"XUNQIN_DATA_DIR": str(REPO_DATA_DIR), "XUNQIN_RATE_LIMIT_PER_S": "0.5",
            "XUNQIN_RATE_LIMIT_BURST": "3", "XUNQIN_RELOAD_INTERVAL_S": "0"}  # fmt: skip
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(
        make_serve_command(port), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        wait_for_port(port, process)
        url = f"http://127.0.0.1:{port}"
        spoofed = [httpx.get(f"{url}/healthz", headers=h).status_code for h in SPOOFED]
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
        log.close()
    assert spoofed == [200] * 3 + [429] * 7


def test_an_ipv6_client_gets_one_bucket_per_64_and_ipv4_mapped_counts_as_ipv4():
    buckets = TokenBuckets(rate_per_s=0.001, burst=3, max_keys=100)
    seen: list[int] = []

    async def answer(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    limit = RateLimit(answer, buckets=buckets)

    def status_for(host: str) -> int:
        async def call() -> None:
            async def receive() -> Message:
                return {"type": "http.request", "body": b"", "more_body": False}

            async def send(message: Message) -> None:
                if message["type"] == "http.response.start":
                    seen.append(message["status"])

            scope = {"type": "http", "method": "GET", "path": "/", "client": (host, 50000)}
            await limit(scope, receive, send)

        asyncio.run(call())
        return seen[-1]

    one_64 = [f"2001:db8:aa:bb:{i:x}:{i * 7:x}::{i + 1:x}" for i in range(10)]
    assert [status_for(host) for host in one_64] == [200] * 3 + [429] * 7
    assert len(buckets) == 1
    assert status_for("2001:db8:aa:bc::1") == 200  # the next /64 is another subscriber
    ipv4 = [status_for(host) for host in ("198.51.100.9", "::ffff:198.51.100.9") * 2]
    assert ipv4 == [200, 200, 200, 429]  # the mapped form is the same client


BATCH_LIMITED = {"rate_limit_per_s": 0.5, "rate_limit_burst": 10}


def batch(url: str, size: int) -> httpx.Response:
    queries = [{"lat": 43.8, "lon": 125.3, "n": 1}] * size
    return httpx.post(f"{url}/nearest/batch", json={"queries": queries})


def test_a_batch_costs_one_request_per_query():
    with serving(limited_app(**BATCH_LIMITED), proxy_headers=False) as url:
        first = batch(url, 4)  # 10 tokens -> 6
        refused = batch(url, 8)  # 8 wanted, 6 there: refused, the request itself costs 1
        after = statuses(url, 6)  # 5 left
    assert first.status_code == 200 and len(first.json()["answers"]) == 4
    assert refused.status_code == 429
    body = refused.json()
    assert body["error"] == "rate_limited" and body["errors"] == []
    assert body["message"].startswith(
        "this batch of 8 queries costs 8 requests under the rate limit and this client has 6 "
        "left; retry after "
    )
    # 1 token paid, 7 more needed, 5 there: 2 tokens at 0.5/s are 4 s away.
    assert 3 <= int(refused.headers["retry-after"]) <= 4
    assert f"retry after {refused.headers['retry-after']} s" in body["message"]
    assert refused.headers["x-request-id"]
    assert after == [200] * 5 + [429]


def test_a_batch_larger_than_the_burst_passes_from_a_full_bucket_and_leaves_it_in_debt():
    now = [0.0]
    buckets = TokenBuckets(rate_per_s=5, burst=30, max_keys=10, clock=lambda: now[0])
    assert buckets.take("c") == 0.0  # the batch request itself
    assert buckets.take("c", 99, paid=1) == 0.0  # its other 99 queries: 30 - 100 = -70
    assert buckets.take("c") == 71 / 5  # 14.2 s until one token is back
    now[0] = 14.2
    assert buckets.take("c") == 0.0


def test_a_batch_over_the_burst_is_refused_until_the_bucket_is_full_and_says_why():
    with serving(limited_app(**BATCH_LIMITED), proxy_headers=False) as url:
        assert statuses(url, 3) == [200] * 3  # 7 left
        refused = batch(url, 12)  # more than the burst of 10: needs a full bucket
    assert refused.status_code == 429
    message = refused.json()["message"]
    assert message.startswith("this batch of 12 queries costs 12 requests")
    assert "has 7 left" in message and "more than 10 at once" in message
    # 1 paid, 9 more needed from a bucket of 6: 3 tokens at 0.5/s are 6 s away.
    assert 5 <= int(refused.headers["retry-after"]) <= 6
