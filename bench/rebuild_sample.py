"""How long rebuilding the bundled sample takes: offline, and through an online provider with a
cold and then a warm geocode cache.

    python -m bench.rebuild_sample [--rows N] [--latency-ms 30]

The provider is a stand-in for Amap on 127.0.0.1 (no network here): it answers in Amap's format
with the GCJ-02 seat of the division the offline geocoder finds, after a fixed delay standing for
the round trip to a remote API. Every run is the real `scripts/build_index.py` in a subprocess,
with `--dry-run` so nothing is published; the warm run reuses the cold run's cache file.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bench.report import Section, Table, Target
from geo.core.crs import wgs84_to_gcj02
from geo.geocode.offline import OfflineGeocoder

REPO = Path(__file__).resolve().parent.parent
SAMPLE_LIST = REPO / "data" / "source" / "sample-list.csv"


@contextmanager
def stand_in_amap(latency_s: float, *, quota: int | None = None) -> Iterator[tuple[str, list[int]]]:
    """An Amap-format geocoder on loopback; yields its URL and a one-item request counter.
    After `quota` answers it answers as Amap does when a key's daily quota is spent."""
    geocoder = OfflineGeocoder()
    served = [0]

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            served[0] += 1
            time.sleep(latency_s)
            query = parse_qs(urlsplit(self.path).query)
            placement = geocoder.resolve_text(query.get("address", [""])[0])
            body: dict[str, Any]
            if quota is not None and served[0] > quota:
                body = {"status": "0", "info": "DAILY_QUERY_OVER_LIMIT", "infocode": "10003"}
            elif placement is None:
                body = {"status": "1", "info": "OK", "infocode": "10000",
                        "count": "0", "geocodes": []}  # fmt: skip
            else:
                lons, lats = wgs84_to_gcj02([placement.lon], [placement.lat])
                body = {
                    "status": "1", "info": "OK", "infocode": "10000", "count": "1",
                    "geocodes": [{
                        "formatted_address": placement.resolved.replace(" ", ""),
                        "adcode": placement.adcode,
                        "location": f"{lons[0]:.6f},{lats[0]:.6f}",
                        "level": "区县" if placement.precision == "county" else "市",
                    }],
                }  # fmt: skip
            data = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", served
    finally:
        server.shutdown()
        server.server_close()


def _subset(rows: int | None, directory: Path) -> Path:
    if rows is None:
        return SAMPLE_LIST
    lines = SAMPLE_LIST.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    path = directory / "sample-subset.csv"
    path.write_text("".join(lines[: 2 + rows]), encoding="utf-8")  # title, header, rows
    return path


def _build(source: Path, data_dir: Path, *extra: str) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XUNQIN_")}
    env["XUNQIN_AMAP_KEY"] = "bench-placeholder-key"
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "build_index.py"), str(source),
         "--data-dir", str(data_dir), "--dry-run", "--no-progress", *extra],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"build failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return time.perf_counter() - started


def run(rows: int | None = None, latency_ms: float = 30.0) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="xunqin-rebuild-") as tmp:
        directory = Path(tmp)
        source = _subset(rows, directory)
        count = len(source.read_text(encoding="utf-8-sig").splitlines()) - 2
        offline_s = _build(source, directory / "offline")
        with stand_in_amap(latency_ms / 1000) as (url, served):
            online = ("--geocoder", "amap", "--provider-url", url, "--min-delay", "0",
                      "--cache", str(directory / "geocode.sqlite"))  # fmt: skip
            cold_s = _build(source, directory / "amap", *online)
            cold_requests = served[0]
            warm_s = _build(source, directory / "amap", *online)
            warm_requests = served[0] - cold_requests
    return {
        "rows": count,
        "latency_ms": latency_ms,
        "offline_s": offline_s,
        "amap_cold_s": cold_s,
        "amap_cold_requests": cold_requests,
        "amap_warm_s": warm_s,
        "amap_warm_requests": warm_requests,
    }


def markdown(result: dict[str, Any]) -> str:
    return "\n".join(
        [
            "## Rebuilding the bundled sample (scripts/build_index.py)",
            "",
            f"{result['rows']:,} rows of `data/source/sample-list.csv`, each build a fresh "
            "`python scripts/build_index.py ... --dry-run` process (start-up, reading the list, "
            "placing, boundary checks, diff and report; nothing published). The online runs use "
            f"a stand-in for Amap on 127.0.0.1 answering after {result['latency_ms']:.0f} ms, "
            "for the round trip to a remote API, with no pacing; a real key would add the "
            "provider's rate limit to the cold run only.",
            "",
            "| build | seconds | provider requests |",
            "|---|---|---|",
            f"| offline geocoder | {result['offline_s']:.1f} | 0 |",
            f"| Amap stand-in, cold cache | {result['amap_cold_s']:.1f} | "
            f"{result['amap_cold_requests']:,} |",
            f"| Amap stand-in, warm cache | {result['amap_warm_s']:.1f} | "
            f"{result['amap_warm_requests']:,} |",
            "",
            f"Warm ÷ cold: {result['amap_warm_s'] / result['amap_cold_s']:.2f}.",
            "",
            "Rerun just this table: `python -m bench.rebuild_sample`",
            "",
        ]
    )


def section(result: dict[str, Any], command: str) -> Section:
    """The runs as a section of docs/benchmarks.md (for bench.run_all)."""
    table = Table(
        f"Rebuilding {result['rows']:,} rows of data/source/sample-list.csv",
        command,
        ["build", "seconds", "provider requests"],
        [
            ["offline geocoder", f"{result['offline_s']:.1f}", "0"],
            ["Amap stand-in, cold cache", f"{result['amap_cold_s']:.1f}",
             f"{result['amap_cold_requests']:,}"],
            ["Amap stand-in, warm cache", f"{result['amap_warm_s']:.1f}",
             f"{result['amap_warm_requests']:,}"],
        ],
        ["Each build is a fresh `python scripts/build_index.py ... --dry-run` process: start-up, "
         "reading the list, placing, boundary checks, diff and report (nothing published). The "
         f"Amap stand-in on 127.0.0.1 answers after {result['latency_ms']:.0f} ms, for the round "
         "trip to a remote API, with no pacing; a real key would add the provider's rate limit "
         "to the cold run only."],
    )  # fmt: skip
    warm_ratio = result["amap_warm_s"] / result["amap_cold_s"]
    targets = [
        Target(
            "rebuild of the sample with a warm cache: seconds, not minutes",
            f"{result['amap_warm_s']:.1f} s",
            "< 60 s, 0 provider requests",
            result["amap_warm_s"] < 60 and result["amap_warm_requests"] == 0,
        )
    ]
    return Section(
        "Rebuilding the bundled sample (scripts/build_index.py)",
        tables=[table],
        targets=targets,
        conclusions=[
            f"A rebuild of the {result['rows']:,}-row sample list through an online provider "
            f"takes {result['amap_warm_s']:.1f} s with a warm cache against "
            f"{result['amap_cold_s']:.1f} s cold ({warm_ratio:.2f}×), and asks the provider "
            "nothing."
        ],
    )


def run_full(command: str = "python -m bench.rebuild_sample") -> Section:
    return section(run(), command)


def run_quick(command: str = "python -m bench.rebuild_sample --rows 100") -> Section:
    return section(run(rows=100), command)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, help="only the first N rows (default: all)")
    parser.add_argument("--latency-ms", type=float, default=30.0)
    args = parser.parse_args(argv)
    result = run(args.rows, args.latency_ms)
    print(markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
