"""k=10 queries side by side: PointIndex vs PostGIS, Redis GEO and in-process alternatives.

Same points, same queries, same run; each method's speed is reported beside how often its
answer differs from the exact WGS-84 geodesic top 10.
"""

import asyncio
import gc
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import uvloop
from rtree import index as rtree_index

from bench import peers
from bench.plots import line_plot
from bench.query_latency import QUERY_SEED, SEED, KdTreeRerank
from bench.report import OUT_DIR, ROOT, Section, Table, Target, fmt, percentile_us
from bench.servers import section_main
from geo.core.geodesy import FloatArray, geodesic_distances_m
from geo.query.index import IntArray, Neighbours, PointIndex
from geo.query.reference import brute_force_nearest
from scripts.make_synthetic_dataset import china_like_points

K = 10
INDEX = "PointIndex (this project)"
KDTREE = "scipy cKDTree + exact re-rank"
BALLTREE = "sklearn BallTree (haversine)"
BRUTE = "numpy brute force (Geod.inv)"
PLANAR = "rtree on raw lon/lat (planar)"
POSTGIS = "PostGIS KNN `<->` + ST_Distance"
REDIS = "Redis GEOSEARCH (Lua, growing radius)"
REDIS_FIXED = "Redis GEOSEARCH (50 km, client doubling)"
METHODS = (INDEX, KDTREE, BALLTREE, BRUTE, PLANAR, POSTGIS, REDIS, REDIS_FIXED)
# What store locators typically start from: a fixed "nearby" radius, widened by the client.
REDIS_FIXED_START_M = 50_000.0
MEAN_EARTH_RADIUS_M = 6_371_008.8  # what a BallTree user multiplies haversine radians by

Query = tuple[float, float]


@dataclass(frozen=True)
class Correctness:
    """How one method's answers compare with the exact top k over the same queries."""

    compared: int
    set_differs: int
    order_differs: int
    max_reported_error_m: float | None  # |distance it reports - true geodesic|, worst case
    worst_extra_m: float  # how much farther than the exact i-th point its i-th point is

    def share(self, count: int) -> str:
        return f"{count / self.compared:.1%}" if self.compared else "—"


@dataclass
class Measured:
    samples_ns: list[int] = field(default_factory=list)
    answers: list[peers.Answer] = field(default_factory=list)
    build_s: float | None = None
    storage_bytes: float | None = None
    skipped: str | None = None

    @property
    def median_ns(self) -> float:
        return statistics.median(self.samples_ns)


def compare(
    answers: Sequence[peers.Answer],
    exact: Sequence[peers.Answer],
    queries: Sequence[Query],
    lons: FloatArray,
    lats: FloatArray,
) -> Correctness:
    """Set and order differences from the exact answers, and distance errors in metres."""
    set_differs = order_differs = 0
    reported_error: float | None = None
    worst_extra = 0.0
    for answer, truth, (lon, lat) in zip(answers, exact, queries, strict=False):
        if set(answer.ids) != set(truth.ids):
            set_differs += 1
        if answer.ids != truth.ids:
            order_differs += 1
        ids = np.asarray(answer.ids, dtype=np.int64)
        true_m = geodesic_distances_m(lon, lat, lons[ids], lats[ids])
        if answer.distances_m:
            error = float(np.max(np.abs(np.asarray(answer.distances_m) - true_m)))
            reported_error = error if reported_error is None else max(reported_error, error)
        exact_m = np.asarray(truth.distances_m[: len(ids)])
        if len(ids) < len(truth.ids):
            worst_extra = float("inf")  # it found fewer than k points
        elif len(ids):
            worst_extra = max(worst_extra, float(np.max(true_m - exact_m)))
    compared = min(len(answers), len(exact))
    return Correctness(compared, set_differs, order_differs, reported_error, worst_extra)


def _timed(
    find: Callable[[float, float], Any],
    convert: Callable[[Any], peers.Answer],
    queries: Sequence[Query],
    warmup: int,
) -> Measured:
    """Time `find` per query; its raw results become `Answer`s only after the clock stops."""
    for lon, lat in queries[:warmup]:
        find(lon, lat)
    measured = Measured()
    raw = []
    gc.collect()
    gc.disable()  # a collection inside one query would be charged to that method
    try:
        for lon, lat in queries:
            start = time.perf_counter_ns()
            result = find(lon, lat)
            measured.samples_ns.append(time.perf_counter_ns() - start)
            raw.append(result)
    finally:
        gc.enable()
    measured.answers = [convert(result) for result in raw]
    return measured


def _built(build: Callable[[], Any]) -> tuple[Any, float]:
    gc.collect()
    start = time.perf_counter()
    built = build()
    return built, time.perf_counter() - start


def _from_neighbours(hits: Neighbours) -> peers.Answer:
    return peers.Answer(hits.positions.tolist(), hits.distances_m.tolist())


def _from_positions(found: IntArray) -> peers.Answer:
    # A planar R-tree returns more than k when the last ones tie: a caller takes the first k.
    return peers.Answer(found[:K].tolist(), [])


def in_process(
    lons: FloatArray, lats: FloatArray, queries: Sequence[Query], warmup: int, brute_count: int
) -> dict[str, Measured]:
    """The in-process methods, each built once and timed on the same queries."""
    count = lons.shape[0]
    keys = np.arange(count)
    results: dict[str, Measured] = {}

    index, build_s = _built(lambda: PointIndex(lons, lats, keys))
    results[INDEX] = _timed(
        lambda lon, lat: index.nearest(lon, lat, K), _from_neighbours, queries, warmup
    )
    results[INDEX].build_s = build_s

    kd, build_s = _built(lambda: KdTreeRerank(lons, lats))
    results[KDTREE] = _timed(
        lambda lon, lat: kd.nearest(lon, lat, K), _from_positions, queries, warmup
    )
    results[KDTREE].build_s = build_s

    try:
        from sklearn.neighbors import BallTree
    except ImportError:
        results[BALLTREE] = Measured(skipped="scikit-learn is not installed")
    else:
        radians = np.radians(np.column_stack([lats, lons]))
        ball, build_s = _built(lambda: BallTree(radians, metric="haversine"))

        def ball_nearest(lon: float, lat: float) -> Any:
            return ball.query(np.radians([[lat, lon]]), k=min(K, count))

        def from_ball(result: Any) -> peers.Answer:
            distances, found = result
            return peers.Answer(found[0].tolist(), (distances[0] * MEAN_EARTH_RADIUS_M).tolist())

        results[BALLTREE] = _timed(ball_nearest, from_ball, queries, warmup)
        results[BALLTREE].build_s = build_s

    results[BRUTE] = _timed(
        lambda lon, lat: brute_force_nearest(lons, lats, keys, lon, lat, K),
        _from_neighbours,
        queries[:brute_count],
        min(3, brute_count),
    )

    xy = np.column_stack([lons, lats])
    planar, build_s = _built(lambda: rtree_index.Index((keys, xy, xy)))

    def planar_nearest(lon: float, lat: float) -> Any:
        point = np.array([[lon, lat]])
        return planar.nearest_v(point, point, num_results=K)[0]

    results[PLANAR] = _timed(planar_nearest, _from_positions, queries, warmup)
    results[PLANAR].build_s = build_s
    return results


async def _postgis_timed(
    server: peers.PostgisServer, queries: Sequence[Query], warmup: int
) -> Measured:
    async with peers.postgis_statement(server) as statement:
        for lon, lat in queries[:warmup]:
            await statement.fetch(lon, lat, K)
        measured = Measured()
        raw = []
        gc.collect()
        gc.disable()
        try:
            for lon, lat in queries:
                start = time.perf_counter_ns()
                rows = await statement.fetch(lon, lat, K)
                measured.samples_ns.append(time.perf_counter_ns() - start)
                raw.append(rows)
        finally:
            gc.enable()
    measured.answers = [peers.postgis_answer(rows) for rows in raw]
    return measured


def run_postgis(
    server: peers.PostgisServer, lons: FloatArray, lats: FloatArray, queries: Sequence[Query],
    warmup: int,
) -> Measured:  # fmt: skip
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        loaded = runner.run(peers.load_postgis(server, lons, lats))
        measured = runner.run(_postgis_timed(server, queries, warmup))
    measured.build_s = loaded["load_s"]
    measured.storage_bytes = loaded["bytes"]
    return measured


def run_redis(
    server: peers.RedisServer, lons: FloatArray, lats: FloatArray, queries: Sequence[Query],
    warmup: int,
) -> tuple[Measured, float, Measured]:  # fmt: skip
    """Redis with the density-based radius in one Lua round trip, and with the fixed radius
    widened by the client: (best shot, its start radius, common practice)."""
    loaded = peers.load_redis(server, lons, lats)
    start_radius_m = peers.redis_start_radius_m(lons, lats, K)
    client = peers.RedisNearest(server, start_radius_m)
    fixed = peers.RedisNearest(server, REDIS_FIXED_START_M)
    try:
        measured = _timed(
            lambda lon, lat: client.nearest(lon, lat, K), lambda answer: answer, queries, warmup
        )
        common = _timed(
            lambda lon, lat: fixed.nearest_client_side(lon, lat, K),
            lambda answer: answer,
            queries,
            warmup,
        )
    finally:
        client.close()
        fixed.close()
    measured.build_s = loaded["load_s"]
    measured.storage_bytes = loaded["bytes"]
    return measured, start_radius_m, common


@dataclass
class SizeResult:
    size: int
    measured: dict[str, Measured]
    correctness: dict[str, Correctness]
    redis_start_radius_m: float | None = None


def measure_size(
    size: int,
    queries: Sequence[Query],
    warmup: int,
    brute_count: int,
    pg: peers.PostgisServer | None,
    rs: peers.RedisServer | None,
) -> SizeResult:
    lons, lats = china_like_points(size, SEED)
    measured = in_process(lons, lats, queries, warmup, brute_count)
    radius = None
    measured[POSTGIS] = (
        run_postgis(pg, lons, lats, queries, warmup) if pg else Measured(skipped="not running")
    )
    if rs:
        measured[REDIS], radius, measured[REDIS_FIXED] = run_redis(rs, lons, lats, queries, warmup)
    else:
        measured[REDIS] = measured[REDIS_FIXED] = Measured(skipped="not running")
    exact = measured[INDEX].answers
    correctness = {
        method: compare(m.answers, exact, queries, lons, lats)
        for method, m in measured.items()
        if not m.skipped
    }
    return SizeResult(size, measured, correctness, radius)


def _us(ns: float) -> str:
    return fmt(ns / 1e3)


def _metres(value: float | None) -> str:
    if value is None:
        return "—"
    return "∞ (fewer than k)" if value == float("inf") else f"{value:,.3f}"


def _mib(value: float | None) -> str:
    return "—" if value is None else fmt(value / 2**20)


def render(
    results: Sequence[SizeResult], unavailable: dict[str, str], query_count: int, warmup: int,
    command: str, plot_dir: Path,
) -> Section:  # fmt: skip
    section = Section("Side by side: PostGIS, Redis GEO and in-process k=10 (query level)")
    for method, reason in unavailable.items():
        section.notes.append(f"**{method} skipped:** {reason}.")
    latency_rows, correct_rows, build_rows = [], [], []
    for result in results:
        ours = result.measured[INDEX].median_ns
        for method in METHODS:
            m = result.measured[method]
            if m.skipped:
                continue
            tries = ""
            if method in (REDIS, REDIS_FIXED):
                mean_tries = statistics.mean(answer.tries for answer in m.answers)
                tries = f" (GEOSEARCH calls per query: mean {mean_tries:.2f})"
            latency_rows.append(
                [f"{result.size:,}", method + tries, f"{len(m.samples_ns):,}", _us(m.median_ns),
                 fmt(percentile_us(m.samples_ns, 99)), f"{m.median_ns / ours:.2f}"]
            )  # fmt: skip
            c = result.correctness[method]
            correct_rows.append(
                [f"{result.size:,}", method, f"{c.compared:,}", c.share(c.set_differs),
                 c.share(c.order_differs), _metres(c.max_reported_error_m),
                 _metres(c.worst_extra_m)]
            )  # fmt: skip
            if m.build_s is not None:
                build_rows.append(
                    [f"{result.size:,}", method, fmt(m.build_s, 3), _mib(m.storage_bytes)]
                )
    radius_note = "; ".join(
        f"N={r.size:,}: {r.redis_start_radius_m / 1e3:,.1f} km"
        for r in results
        if r.redis_start_radius_m
    )
    section.tables.append(
        Table(
            "Latency per k=10 query",
            command,
            ["N points", "method", "queries", "median µs", "p99 µs", "× PointIndex"],
            latency_rows,
            [
                f"Points: `china_like_points` (bench/query_latency.py), seed {SEED}; "
                f"{query_count:,} queries of the same distribution, seed {QUERY_SEED}, the same "
                f"for every method, after {warmup} warm-up queries (brute force: only the first "
                "few). In-process methods are timed around one call each; PostGIS and Redis are "
                "sequential round trips from this process over a **unix socket**, each timed "
                "from sending the query to having the decoded rows: PostGIS through asyncpg "
                "(uvloop) with the statement prepared once on one connection; Redis through "
                "redis-py with the hiredis parser, one EVALSHA per query. Servers: a throwaway "
                "PostgreSQL cluster (fsync off, shared_buffers 256 MB, JIT off, parallel query "
                "off; table `points(id, geog geography(Point,4326))`, GiST index, VACUUM "
                "ANALYZE; the plan is checked to use the index) and a Redis without "
                "persistence. `× PointIndex` is the ratio of medians.",
                "Redis radius policy: one Lua script per query runs `GEOSEARCH FROMLONLAT lon "
                "lat BYRADIUS r m ASC COUNT 10 WITHDIST`, starting at the radius of a disc that "
                "would hold 10 points at the data's mean density over its bounding box "
                f"({radius_note or 'n/a'}) and doubling it server-side until 10 points are "
                "found: one round trip whatever the radius. For contrast, `50 km, client "
                "doubling` is the common client loop: start at a fixed "
                f"{REDIS_FIXED_START_M / 1e3:.0f} km, one GEOSEARCH round trip per radius, "
                "doubling until 10 are found; GEOSEARCH "
                "with ASC COUNT collects and sorts every point inside the radius, so its cost "
                "follows how many points the radius holds.",
            ],
        )
    )
    section.tables.append(
        Table(
            "Correctness beside speed: answers vs the exact WGS-84 geodesic top 10",
            command,
            [
                "N points",
                "method",
                "queries",
                "top-10 set ≠ exact",
                "order ≠ exact",
                "max |reported − geodesic| m",
                "worst extra distance m",
            ],
            correct_rows,
            [
                "Exact = PointIndex's answer (the test suite checks it against brute force; "
                "the brute-force row here re-checks it on the queries brute force answered). "
                "`set ≠` counts queries whose 10 ids differ as a set; `order ≠` those whose "
                "ordered ids differ (including set differences). `max |reported − geodesic|` "
                "compares the distance a method returns with the WGS-84 geodesic to the same "
                "point (— when it returns none: cKDTree + re-rank ranks by geodesic but "
                "returns positions here; the planar R-tree has only degrees). `worst extra "
                "distance` is the largest amount by which a method's i-th point is farther "
                "than the exact i-th point: how much farther a wrong answer sends someone. "
                "BallTree and Redis rank on a sphere (Redis also snaps points to a 52-bit "
                "geohash); PostGIS `<->` on geography orders by sphere distance while "
                "ST_Distance reports the spheroid; the planar R-tree ranks by raw degrees.",
            ],
        )
    )
    section.tables.append(
        Table(
            "Build / load time and storage at each N (one run)",
            command,
            ["N points", "method", "build or load s", "server-side MiB"],
            build_rows,
            [
                "PostGIS: COPY into a staging table, CREATE TABLE AS with geography, GiST "
                "index, VACUUM ANALYZE; MiB = pg_total_relation_size. Redis: GEOADD in "
                "pipelined batches of 10,000; MiB = growth of used_memory. In-process "
                "structures: one build, memory in the scaling section.",
            ],
        )
    )
    for result in results:
        ours = result.measured[INDEX].median_ns
        largest = result.size >= 1_000_000
        need = 10.0 if largest else 1.0
        for method in (POSTGIS, REDIS, REDIS_FIXED):
            m = result.measured[method]
            if m.skipped:
                continue
            ratio = m.median_ns / ours
            section.targets.append(
                Target(
                    f"{method} ÷ PointIndex (median), N={result.size:,}",
                    f"{ratio:.1f}×",
                    f"> {need:.0f}×" if need == 1 else f"≥ {need:.0f}×",
                    ratio > need if need == 1 else ratio >= need,
                )
            )
    section.conclusions.extend(conclusions(results[-1]))
    sizes = [r.size for r in results]
    series = {
        method: [r.measured[method].median_ns / 1e3 for r in results]
        for method in METHODS
        if method != BRUTE and all(not r.measured[method].skipped for r in results)
    }
    if len(sizes) > 1 and series:
        path = line_plot(
            plot_dir / "bench-side-by-side-latency.png",
            "k=10 query, median latency (log-log)",
            "points N",
            "median µs per query",
            sizes,
            series,
        )
        section.images.append(("k=10 median latency vs N, all methods", path))
    return section


def conclusions(result: SizeResult) -> list[str]:
    """Plain-words findings at the largest N, from the numbers measured."""
    ours = result.measured[INDEX].median_ns
    speed = [f"At {result.size:,} points PointIndex answers an exact k=10 query in a median "
             f"{ours / 1e3:,.0f} µs in process"]  # fmt: skip
    for method, name in (
        (POSTGIS, "a PostGIS KNN round trip"),
        (REDIS, "Redis with a density-tuned radius in one Lua round trip"),
        (REDIS_FIXED, "Redis from a fixed 50 km radius widened by the client"),
    ):
        m = result.measured[method]
        if not m.skipped:
            speed.append(f"{name} takes {m.median_ns / 1e3:,.0f} µs ({m.median_ns / ours:.1f}×)")
    lines = ["; ".join(speed) + "."]
    sphere = [
        f"{name} {result.correctness[method].share(result.correctness[method].order_differs)}"
        for method, name in ((POSTGIS, "PostGIS"), (REDIS, "Redis"), (BALLTREE, "BallTree"))
        if method in result.correctness
    ]
    if sphere:
        worst = max(
            result.correctness[m].worst_extra_m
            for m in (POSTGIS, REDIS, BALLTREE)
            if m in result.correctness
        )
        lines.append(
            "Ranking on a sphere is not ranking on the WGS-84 ellipsoid: the top 10 comes back "
            f"in a different order than the exact one for {', '.join(sphere)} of the queries, "
            f"and a point listed ahead of a nearer one is up to {worst:,.0f} m farther."
        )
    if PLANAR in result.correctness:
        planar = result.correctness[PLANAR]
        lines.append(
            "An R-tree over raw lon/lat (planar degrees) returns the wrong set of 10 for "
            f"{planar.share(planar.set_differs)} of the queries, up to "
            f"{planar.worst_extra_m / 1e3:,.1f} km farther than the right point."
        )
    return lines


def run(
    sizes: Sequence[int],
    query_count: int,
    brute_count: Callable[[int], int],
    command: str,
    plot_dir: Path,
    install: bool = True,
) -> Section:
    query_lons, query_lats = china_like_points(query_count, QUERY_SEED)
    queries = list(zip(query_lons.tolist(), query_lats.tolist(), strict=True))
    warmup = min(200, query_count)
    unavailable: dict[str, str] = {}
    results = []
    with (
        peers.optional(peers.postgis, install, unavailable, POSTGIS) as pg,
        peers.optional(peers.redis_server, install, unavailable, REDIS) as rs,
    ):
        for size in sizes:
            print(f"side_by_side: N={size:,}", flush=True)
            results.append(measure_size(size, queries, warmup, brute_count(size), pg, rs))
    return render(results, unavailable, query_count, warmup, command, plot_dir)


def run_full(command: str = "python -m bench.side_by_side") -> Section:
    return run(
        sizes=[5_000, 100_000, 1_000_000],
        query_count=2_000,
        brute_count=lambda size: 300 if size <= 5_000 else (40 if size <= 100_000 else 10),
        command=command,
        plot_dir=ROOT / "docs",
    )


def run_quick(command: str = "python -m bench.side_by_side --quick") -> Section:
    return run(
        sizes=[500, 2_000],
        query_count=50,
        brute_count=lambda size: 50,
        command=command,
        plot_dir=OUT_DIR,
    )


def main(argv: Sequence[str] | None = None) -> int:
    return section_main(argv, __name__, quick_help="tiny sizes, for a smoke run")


if __name__ == "__main__":
    raise SystemExit(main())
