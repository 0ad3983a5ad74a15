"""In-process k-nearest latency and build time: PointIndex vs cKDTree + re-rank vs brute force."""

import gc
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from bench.report import Section, Table, Target, fmt, percentile_us
from bench.servers import section_main
from geo.core.geodesy import ecef_m, ecef_point_m, geodesic_distances_m
from geo.query.index import _BOUND_SLACK_M, _EXTRA_CANDIDATES, PointIndex
from geo.query.reference import brute_force_nearest
from scripts.make_synthetic_dataset import china_like_points

K = 10
SEED = 20220701
QUERY_SEED = SEED + 1
# The stopping rule's constants come from geo/query/index.py, so the two exact paths differ only
# in the tree they walk.

INDEX = "PointIndex.nearest (R-tree + re-rank)"
KDTREE = "cKDTree + same re-rank"
BRUTE = "brute force (numpy + Geod.inv)"

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Query = tuple[float, float]
Finder = Callable[[float, float], IntArray]


class KdTreeRerank:
    """The exact alternative: cKDTree over the same ECEF points, same re-rank and stopping rule."""

    def __init__(self, lons: FloatArray, lats: FloatArray) -> None:
        self._lons = lons
        self._lats = lats
        self._count = lons.shape[0]
        self._tree = cKDTree(ecef_m(lons, lats))

    def nearest(self, lon: float, lat: float, k: int) -> IntArray:
        query = ecef_point_m(lon, lat)
        wanted = min(self._count, k + _EXTRA_CANDIDATES)
        while True:
            chords, found = self._tree.query(query, k=wanted)
            distances = geodesic_distances_m(lon, lat, self._lons[found], self._lats[found])
            # Keys are the positions here, so position breaks ties exactly as PointIndex does.
            order = np.lexsort((found, distances))
            if wanted >= self._count or distances[order[k - 1]] < chords[-1] - _BOUND_SLACK_M:
                return np.asarray(found[order[:k]], dtype=np.int64)
            wanted = min(self._count, wanted * 4)


@dataclass(frozen=True)
class Timing:
    samples_ns: list[int]
    answers: list[IntArray]

    @property
    def median_ns(self) -> float:
        return statistics.median(self.samples_ns)


def time_queries(find: Finder, queries: Sequence[Query], warmup: int) -> Timing:
    for lon, lat in queries[:warmup]:
        find(lon, lat)
    samples: list[int] = []
    answers: list[IntArray] = []
    gc.collect()
    gc.disable()  # a collection landing inside one query would be charged to that method
    try:
        for lon, lat in queries:
            start = time.perf_counter_ns()
            answer = find(lon, lat)
            samples.append(time.perf_counter_ns() - start)
            answers.append(answer)
    finally:
        gc.enable()
    return Timing(samples, answers)


def median_build_s(build: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        build()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def agreement(answers: Sequence[IntArray], expected: Sequence[IntArray]) -> str:
    """'same/compared' over the queries both answered (the expected list may be shorter)."""
    same = sum(np.array_equal(a, b) for a, b in zip(answers, expected, strict=False))
    return f"{same:,}/{min(len(answers), len(expected)):,}"


def measure_size(
    size: int, queries: Sequence[Query], warmup: int, brute_count: int
) -> dict[str, Timing]:
    lons, lats = china_like_points(size, SEED)
    keys = np.arange(size)
    index = PointIndex(lons, lats, keys)
    kd = KdTreeRerank(lons, lats)
    return {
        INDEX: time_queries(lambda lon, lat: index.nearest(lon, lat, K).positions, queries, warmup),
        KDTREE: time_queries(lambda lon, lat: kd.nearest(lon, lat, K), queries, warmup),
        # The same queries, only fewer: each one scans every point.
        BRUTE: time_queries(
            lambda lon, lat: brute_force_nearest(lons, lats, keys, lon, lat, K).positions,
            queries[:brute_count],
            min(3, brute_count),
        ),
    }


def run(
    sizes: Sequence[int],
    query_count: int,
    brute_count: Callable[[int], int],
    build_size: int,
    build_repeats: int,
    command: str,
) -> Section:
    section = Section("In-process query latency (k=10)")
    query_lons, query_lats = china_like_points(query_count, QUERY_SEED)
    queries = list(zip(query_lons.tolist(), query_lats.tolist(), strict=True))
    warmup = min(200, query_count)
    rows: list[list[str]] = []
    for size in sizes:
        timings = measure_size(size, queries, warmup, brute_count(size))
        truth = timings[BRUTE].answers
        for method, timing in timings.items():
            rows.append(
                [
                    f"{size:,}",
                    method,
                    f"{len(timing.samples_ns):,}",
                    fmt(timing.median_ns / 1e3),
                    fmt(percentile_us(timing.samples_ns, 99)),
                    f"{timing.median_ns / timings[INDEX].median_ns:.2f}",
                    agreement(timing.answers, truth),
                ]
            )
        ratio = timings[INDEX].median_ns / timings[KDTREE].median_ns
        section.targets.append(
            Target(
                f"PointIndex median ≤ 2× cKDTree + re-rank, N={size:,}",
                f"{ratio:.2f}×",
                "≤ 2.00×",
                ratio <= 2.0,
            )
        )
        section.notes.append(
            f"N={size:,}: cKDTree + re-rank returned the same 10 positions as PointIndex for "
            f"{agreement(timings[KDTREE].answers, timings[INDEX].answers)} queries."
        )
    section.tables.append(
        Table(
            "Latency per query",
            command,
            ["N points", "method", "queries", "median µs", "p99 µs", "× PointIndex", "= brute"],
            rows,
            [
                "Points: uniform over lon 73–135°, lat 18–54°, plus 20% packed into 45–53°N "
                f"(lon 115–135°), seed {SEED}. Queries: the same distribution, seed {QUERY_SEED}. "
                f"Every method gets the same queries in the same order after {warmup} warm-up "
                "queries; brute force only the first few of them (see `queries`), since each "
                "scans every point. `= brute` counts queries whose 10 positions (ties by key) "
                "equal brute force's, over the queries brute force answered. Timed with "
                "`perf_counter_ns` around each call, GC off while timing; `× PointIndex` is the "
                "ratio of medians.",
            ],
        )
    )

    lons, lats = china_like_points(build_size, SEED)
    keys = np.arange(build_size)
    index_s = median_build_s(lambda: PointIndex(lons, lats, keys), build_repeats)
    kd_s = median_build_s(lambda: cKDTree(ecef_m(lons, lats)), build_repeats)
    section.tables.append(
        Table(
            f"Index build, N={build_size:,} (median of {build_repeats})",
            command,
            ["structure", "build s", "× cKDTree"],
            [
                [
                    "PointIndex (checks, key sort, ECEF, bulk-loaded R-tree)",
                    fmt(index_s, 3),
                    f"{index_s / kd_s:.2f}",
                ],
                ["cKDTree (ECEF, tree)", fmt(kd_s, 3), "1.00"],
            ],
        )
    )
    section.targets.append(
        Target(f"PointIndex build, N={build_size:,}", f"{index_s:.2f} s", "≤ 3 s", index_s <= 3.0)
    )
    return section


def run_full(command: str = "python -m bench.query_latency") -> Section:
    return run(
        sizes=[5_000, 1_000_000],
        query_count=2_000,
        brute_count=lambda size: 2_000 if size <= 100_000 else 30,
        build_size=1_000_000,
        build_repeats=3,
        command=command,
    )


def run_quick(command: str = "python -m bench.query_latency --quick") -> Section:
    return run(
        sizes=[2_000],
        query_count=50,
        brute_count=lambda size: 50,
        build_size=2_000,
        build_repeats=3,
        command=command,
    )


def main(argv: Sequence[str] | None = None) -> int:
    return section_main(argv, __name__, quick_help="tiny sizes, for a smoke run")


if __name__ == "__main__":
    raise SystemExit(main())
