"""How cost grows with N: index build time, resident memory, k=10 latency and cold start.

Each (structure, N) is measured in a fresh interpreter (`--probe`), so memory is not muddled by
what an earlier size left in the allocator.
"""

import argparse
import gc
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import psutil

from bench.plots import line_plot
from bench.query_latency import QUERY_SEED, SEED, KdTreeRerank
from bench.report import OUT_DIR, ROOT, Section, Table, fmt, render_section
from bench.servers import APP_FACTORY, exit_on_sigterm, get, start
from geo.query.index import PointIndex
from scripts.make_synthetic_dataset import china_like_points, publish_synthetic

K = 10
POINT_INDEX = "PointIndex"
KDTREE = "cKDTree + re-rank"
STRUCTURES = (POINT_INDEX, KDTREE)


def probe(structure: str, size: int, query_count: int) -> dict[str, float]:
    """Build one structure over `size` points in this process; time, memory and latency."""
    lons, lats = china_like_points(size, SEED)
    keys = np.arange(size)
    query_lons, query_lats = china_like_points(query_count, QUERY_SEED)
    this = psutil.Process()
    gc.collect()
    rss_before = this.memory_info().rss
    started = time.perf_counter()
    built: Any = (
        PointIndex(lons, lats, keys) if structure == POINT_INDEX else KdTreeRerank(lons, lats)
    )
    build_s = time.perf_counter() - started
    gc.collect()
    rss_after = this.memory_info().rss

    def find(lon: float, lat: float) -> object:
        return built.nearest(lon, lat, K)

    queries = list(zip(query_lons.tolist(), query_lats.tolist(), strict=True))
    for lon, lat in queries[:100]:
        find(lon, lat)
    samples = []
    gc.disable()
    for lon, lat in queries:
        begin = time.perf_counter_ns()
        find(lon, lat)
        samples.append(time.perf_counter_ns() - begin)
    gc.enable()
    return {
        "build_s": build_s,
        "rss_added_bytes": float(rss_after - rss_before),
        "median_us": statistics.median(samples) / 1e3,
        "p99_us": float(np.percentile(samples, 99)) / 1e3,
    }


def run_probe(structure: str, size: int, query_count: int) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.scaling", "--probe", structure, str(size), str(query_count)],
        cwd=ROOT, capture_output=True, text=True, check=True, timeout=900,
    )  # fmt: skip
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def cold_start(size: int) -> dict[str, float]:
    """Seconds from launching the service on `size` points to /readyz 200, and its RSS then."""
    data_dir = Path(tempfile.mkdtemp(prefix="bench-scaling-"))
    try:
        publish_synthetic(data_dir, size, seed=SEED, version=f"bench-{size}")
        began = time.perf_counter()
        server = start(APP_FACTORY, name=f"scaling-{size}", env={"XUNQIN_DATA_DIR": str(data_dir)})
        try:
            server.wait_ready("/readyz", timeout_s=900)
            elapsed = time.perf_counter() - began
            status, body = get(server.base_url + "/readyz")
            points = json.loads(body)["dataset"]["points"]
            if status != 200 or points != size:
                raise RuntimeError(f"/readyz answered {status} with {points} points, not {size}")
            rss = float(psutil.Process(server.process.pid).memory_info().rss)
        finally:
            server.stop()
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    return {"ready_s": elapsed, "rss_bytes": rss}


def run(
    sizes: Sequence[int], start_sizes: Sequence[int], query_count: int, command: str, plot_dir: Path
) -> Section:
    section = Section("How cost grows with N")
    measured: dict[str, list[dict[str, float]]] = {name: [] for name in STRUCTURES}
    for size in sizes:
        for name in STRUCTURES:
            print(f"scaling: {name} N={size:,}", flush=True)
            measured[name].append(run_probe(name, size, query_count))
    rows = []
    for number, size in enumerate(sizes):
        for name in STRUCTURES:
            m = measured[name][number]
            rows.append(
                [f"{size:,}", name, fmt(m["build_s"], 3), fmt(m["rss_added_bytes"] / 2**20),
                 fmt(m["rss_added_bytes"] / size, 0), fmt(m["median_us"]), fmt(m["p99_us"])]
            )  # fmt: skip
    section.tables.append(
        Table(
            "Build, memory and k=10 latency vs N",
            command,
            [
                "N points",
                "structure",
                "build s",
                "RSS added MiB",
                "bytes/point",
                "median µs",
                "p99 µs",
            ],
            rows,
            [
                "One fresh interpreter per row (`python -m bench.scaling --probe <structure> "
                f"<N> {query_count}`): points from `china_like_points` (seed {SEED}) are made, "
                "then the structure is built and timed; `RSS added` is the resident set after "
                "the build minus before it (psutil), i.e. what the structure holds beyond the "
                f"coordinate arrays. Latency: {query_count:,} k=10 queries (seed {QUERY_SEED}) "
                "after 100 warm-up ones. PointIndex includes its input checks, key sort and "
                "ECEF conversion; cKDTree + re-rank is the exact alternative of the latency "
                "section.",
            ],
        )
    )
    starts = []
    for size in start_sizes:
        print(f"scaling: cold start N={size:,}", flush=True)
        starts.append(cold_start(size))
    section.tables.append(
        Table(
            "Cold start of the service vs N",
            command,
            ["N points", "launch → /readyz 200 s", "service RSS at ready MiB"],
            [
                [f"{size:,}", fmt(s["ready_s"], 2), fmt(s["rss_bytes"] / 2**20)]
                for size, s in zip(start_sizes, starts, strict=True)
            ],
            [
                "N synthetic sample points published with their sidecar by "
                "`scripts/make_synthetic_dataset.py` (`publish_synthetic`, seed "
                f"{SEED}) into a temporary data dir (publishing is not timed), then "
                "`uvicorn --factory app.main:create_app` on it, timed from launch to the first "
                "200 on /readyz (polled every 5 ms): interpreter start, imports, checking and "
                "mapping the sidecar, bulk-loading the R-tree from its arrays (a point's JSON is "
                "written when first shown). One run per N; "
                "`python -m bench.startup` measures 2 workers and their memory.",
            ],
        )
    )
    if len(sizes) > 1:
        for key, title, unit, stem in (
            ("build_s", "Index build time vs N", "seconds", "build"),
            ("rss_added_bytes", "Resident memory added by the structure vs N", "MiB", "memory"),
            ("median_us", "k=10 query, median latency vs N", "µs", "latency"),
        ):
            scale = 2**20 if key == "rss_added_bytes" else 1.0
            path = line_plot(
                plot_dir / f"bench-scaling-{stem}.png",
                title,
                "points N",
                unit,
                list(sizes),
                {name: [m[key] / scale for m in measured[name]] for name in STRUCTURES},
                log_y=key != "median_us",
            )
            section.images.append((title, path))
    if len(start_sizes) > 1:
        path = line_plot(
            plot_dir / "bench-scaling-cold-start.png",
            "Service cold start to /readyz vs N",
            "points N",
            "seconds",
            list(start_sizes),
            {"launch → /readyz": [s["ready_s"] for s in starts]},
        )
        section.images.append(("Service cold start vs N", path))
    first, last = measured[POINT_INDEX][0], measured[POINT_INDEX][-1]
    section.conclusions.append(
        f"From {sizes[0]:,} to {sizes[-1]:,} points ({sizes[-1] / sizes[0]:,.0f}× more), "
        f"PointIndex's median k=10 query went from {first['median_us']:.0f} to "
        f"{last['median_us']:.0f} µs, its build took {last['build_s']:.1f} s and it holds "
        f"{last['rss_added_bytes'] / sizes[-1]:.0f} bytes per point beyond the coordinates; "
        f"the service is ready {starts[-1]['ready_s']:.1f} s after launch on "
        f"{start_sizes[-1]:,} points."
    )
    return section


def run_full(command: str = "python -m bench.scaling") -> Section:
    return run(
        sizes=[5_000, 50_000, 500_000, 1_000_000, 2_000_000, 5_000_000],
        start_sizes=[5_000, 50_000, 500_000, 1_000_000],
        query_count=3_000,
        command=command,
        plot_dir=ROOT / "docs",
    )


def run_quick(command: str = "python -m bench.scaling --quick") -> Section:
    return run(
        sizes=[500, 2_000], start_sizes=[500, 2_000], query_count=50, command=command,
        plot_dir=OUT_DIR,
    )  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for a smoke run")
    parser.add_argument(
        "--probe", nargs=3, metavar=("STRUCTURE", "N", "QUERIES"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.probe:
        structure, size, query_count = args.probe
        print(json.dumps(probe(structure, int(size), int(query_count))))
        return 0
    exit_on_sigterm()
    print(render_section(run_quick() if args.quick else run_full()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
