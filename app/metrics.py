"""Prometheus metrics: requests per route template and status, the served dataset, reloads.

With several uvicorn workers, set PROMETHEUS_MULTIPROC_DIR to an empty directory before
starting them (README "Production"): each worker then writes its values to files there and
`/metrics`, whichever worker answers it, adds them up. Otherwise a scrape sees one worker only.
"""

import os
import re
import time

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED_ROUTE = "<unmatched>"  # unknown paths share one label: raw paths would be unbounded

_LATENCY_BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
_LOAD_BUCKETS_S = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "OPTIONS"})
_SAFE_REASON = re.compile(r"[a-z][a-z0-9_]{0,39}")

REQUESTS = Counter(
    "xunqin_http_requests",
    "HTTP requests answered, by method, route template and status.",
    ("method", "route", "status"),
)
REQUEST_SECONDS = Histogram(
    "xunqin_http_request_duration_seconds",
    "Time from receiving a request to sending its last byte, by route template and status.",
    ("method", "route", "status"),
    buckets=_LATENCY_BUCKETS_S,
)
RATE_LIMITED = Counter(
    "xunqin_http_rate_limited", "Requests refused with 429 by the per-client rate limit."
)
# Dataset gauges: with several workers the value set most recently by any of them is shown.
DATASET_POINTS = Gauge(
    "xunqin_dataset_points", "Points in the served dataset.", multiprocess_mode="mostrecent"
)
DATASET_SAMPLE = Gauge(
    "xunqin_dataset_sample",
    "1 when the served dataset is the bundled sample, not an official list.",
    multiprocess_mode="mostrecent",
)
DATASET_INFO = Gauge(
    "xunqin_dataset_info",
    "1 for the served dataset version; 0 for versions served earlier by this process.",
    ("version",),
    multiprocess_mode="mostrecent",
)
DATASET_LOADED_AT = Gauge(
    "xunqin_dataset_loaded_timestamp_seconds",
    "Unix time the served dataset was loaded.",
    multiprocess_mode="mostrecent",
)
DATASET_LOAD_SECONDS = Histogram(
    "xunqin_dataset_load_duration_seconds",
    "Time to load, validate and index a dataset version.",
    buckets=_LOAD_BUCKETS_S,
)
RELOADS = Counter(
    "xunqin_dataset_reloads", "Reload attempts that loaded a new version or failed.", ("result",)
)
RELOAD_FAILURES = Counter(
    "xunqin_dataset_reload_failures", "Reloads that kept the old version, by reason.", ("reason",)
)
RELOAD_SECONDS = Histogram(
    "xunqin_dataset_reload_duration_seconds",
    "Time a reload took, successful or not.",
    ("result",),
    buckets=_LOAD_BUCKETS_S,
)

_served_version: str | None = None


def record_dataset(version: str, points: int, sample: bool, load_seconds: float) -> None:
    """A dataset version is now served by this worker (at start-up or after a reload)."""
    global _served_version
    if _served_version is not None and _served_version != version:
        # Removing a labelled series is not supported across workers: mark it no longer served.
        DATASET_INFO.labels(version=_served_version).set(0)
    DATASET_INFO.labels(version=version).set(1)
    _served_version = version
    DATASET_POINTS.set(points)
    DATASET_SAMPLE.set(1 if sample else 0)
    DATASET_LOADED_AT.set(time.time())
    DATASET_LOAD_SECONDS.observe(load_seconds)


def record_reload(ok: bool, seconds: float, reason: str | None = None) -> None:
    """One reload attempt. `reason` is a short category (e.g. "invalid"), never free text."""
    result = "ok" if ok else "failed"
    RELOADS.labels(result=result).inc()
    RELOAD_SECONDS.labels(result=result).observe(seconds)
    if not ok:
        label = reason if reason is not None and _SAFE_REASON.fullmatch(reason) else "other"
        RELOAD_FAILURES.labels(reason=label).inc()


class RequestMetrics:
    """Counts and times requests; label children are looked up once and kept (hot path)."""

    def __init__(self) -> None:
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        if method not in _KNOWN_METHODS:
            method = "other"  # any token is a valid method: keep the key space bounded
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            labels = {"method": method, "route": route, "status": str(status)}
            children = (REQUESTS.labels(**labels), REQUEST_SECONDS.labels(**labels))
            self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)

    @staticmethod
    def rate_limited() -> None:
        RATE_LIMITED.inc()


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def exposition() -> bytes:
    """Every metric in Prometheus text format, added up over workers in multiprocess mode."""
    if multiprocess_dir() is None:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return generate_latest(registry)


def build_metrics_router() -> APIRouter:
    router = APIRouter()

    # Plain text, not JSON: kept out of the OpenAPI schema the API's clients and fuzzers read.
    @router.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(exposition(), media_type=CONTENT_TYPE_LATEST)

    return router
