"""Sustained load on the production command: 2 uvicorn workers, `wrk -t2 -c64 -d30s` on /nearest.

`python -m bench.production_load` prints a markdown section for docs/benchmarks.md; `run(...)`
returns the numbers as a dict and `markdown(result)` renders them.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bench.http_throughput import QUERY_COUNT, check_paths, query_paths, run_wrk, write_lua
from bench.report import OUT_DIR, ROOT, Section, Table, Target
from bench.servers import APP_FACTORY, Server, app_available, exit_on_sigterm, free_port

# The flags of README "Production" (and `make serve-prod`, the Dockerfile's CMD); each one is
# checked to appear there too by tests/test_deploy.py.
PRODUCTION_FLAGS = (
    "--proxy-headers",
    "--forwarded-allow-ips", "127.0.0.1",
    "--timeout-keep-alive", "30",
    "--timeout-graceful-shutdown", "20",
    "--timeout-worker-healthcheck", "60",
    "--limit-concurrency", "1024",
    "--backlog", "2048",
    "--no-access-log",
)  # fmt: skip


def production_command(port: int, workers: int, host: str = "127.0.0.1") -> list[str]:
    """uvicorn as README "Production" runs it (python -m, so the benchmark's venv is used)."""
    return [
        "python", "-m", "uvicorn", "--factory", APP_FACTORY,
        "--host", host, "--port", str(port), "--workers", str(workers),
        *PRODUCTION_FLAGS,
    ]  # fmt: skip


def start_production(
    workers: int, metrics_dir: Path, env: Mapping[str, str] | None = None, name: str = "production"
) -> Server:
    """The production command on a free loopback port, metrics in multiprocess mode."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log_path = OUT_DIR / f"server-{name}.log"
    argv = production_command(port, workers)
    argv[0] = sys.executable
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            argv,
            cwd=ROOT,
            env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Server(process, f"http://127.0.0.1:{port}", log_path)


def run(
    duration_s: int = 30, connections: int = 64, threads: int = 2, workers: int = 2
) -> dict[str, Any]:
    """One sustained wrk run after a short warm-up; numbers in a plain dict."""
    if shutil.which("wrk") is None:
        return {"skipped": "`wrk` is not on PATH (Debian/Ubuntu: `apt-get install wrk`)"}
    missing = app_available()
    if missing:
        return {"skipped": missing}
    metrics_dir = tempfile.TemporaryDirectory(prefix="xunqin-metrics-")
    server = start_production(workers, Path(metrics_dir.name))
    try:
        server.wait_ready("/readyz", timeout_s=60)
        paths = query_paths("/nearest")
        check_paths(server, paths)
        script = write_lua("production-nearest", paths)
        options = {"threads": threads, "connections": connections}
        run_wrk(server.base_url, script, 2, "production-nearest-warmup", **options)
        wrk = run_wrk(server.base_url, script, duration_s, "production-nearest", **options)
    finally:
        server.stop()
        metrics_dir.cleanup()
    return {
        "requests_per_s": round(wrk.requests_per_s, 1),
        "p50_ms": wrk.p50_ms,
        "p90_ms": wrk.p90_ms,
        "p99_ms": wrk.p99_ms,
        "non_2xx": wrk.non_2xx,
        "socket_errors": wrk.socket_errors,
        "duration_s": duration_s,
        "connections": connections,
        "threads": threads,
        "workers": workers,
        "wrk": f"wrk -t{threads} -c{connections} -d{duration_s}s --latency -s <script>",
        "server": " ".join(production_command(0, workers)).replace("--port 0", "--port <p>"),
    }


def markdown(result: Mapping[str, Any]) -> str:
    """A section for docs/benchmarks.md."""
    title = "## Sustained load on the production command\n\n"
    if "skipped" in result:
        return f"{title}**Skipped:** {result['skipped']}.\n"
    return (
        f"{title}Command: `python -m bench.production_load`. Server: "
        f"`{result['server']}` with `PROMETHEUS_MULTIPROC_DIR` set (metrics of every worker "
        f"added up), default settings, the bundled dataset. Load: `{result['wrk']}` on "
        f"`/nearest`, cycling through {QUERY_COUNT} fixed URLs (`?lat=..&lon=..&n=10`) each "
        "checked to answer 200 first, after a 2 s warm-up; wrk and the server share the "
        "machine's cores.\n\n"
        "| workers | connections | req/s | p50 ms | p90 ms | p99 ms | non-2xx | socket errors |\n"
        "|---|---|---|---|---|---|---|---|\n"
        f"| {result['workers']} | {result['connections']} | {result['requests_per_s']:,.0f} "
        f"| {result['p50_ms']:.2f} | {result['p90_ms']:.2f} | {result['p99_ms']:.2f} "
        f"| {result['non_2xx']} | {result['socket_errors']} |\n\n"
        f"Target: 0 non-2xx responses: **{'met' if result['non_2xx'] == 0 else 'MISSED'}**.\n"
    )


def section(result: Mapping[str, Any], command: str) -> Section:
    """The run as a section of docs/benchmarks.md (for bench.run_all)."""
    title = "Sustained load on the production command (2 workers, 64 connections)"
    if "skipped" in result:
        return Section(title, notes=[f"Skipped: {result['skipped']}."])
    table = Table(
        f"`{result['wrk']}` on /nearest",
        command,
        ["workers", "connections", "req/s", "p50 ms", "p90 ms", "p99 ms", "non-2xx",
         "socket errors"],
        [[str(result["workers"]), str(result["connections"]),
          f"{result['requests_per_s']:,.0f}", f"{result['p50_ms']:.2f}",
          f"{result['p90_ms']:.2f}", f"{result['p99_ms']:.2f}", str(result["non_2xx"]),
          str(result["socket_errors"])]],
        [f"Server: `{result['server']}` (the README's production flags) with "
         "`PROMETHEUS_MULTIPROC_DIR` set, default settings, the bundled dataset. The load cycles "
         f"through {QUERY_COUNT} fixed `/nearest?lat=..&lon=..&n=10` URLs, each checked to "
         "answer 200 first, after a 2 s warm-up; wrk and the server share the machine's cores."],
    )  # fmt: skip
    target = Target(
        "non-2xx responses under 64 connections on 2 workers",
        str(result["non_2xx"]),
        "0",
        result["non_2xx"] == 0 and result["socket_errors"] == 0,
    )
    return Section(title, tables=[table], targets=[target])


def run_full(command: str = "python -m bench.production_load") -> Section:
    return section(run(duration_s=30), command)


def run_quick(command: str = "python -m bench.production_load --duration 2") -> Section:
    return section(run(duration_s=2), command)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=30, help="seconds of load (30)")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections (64)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers (2)")
    parser.add_argument("--json", action="store_true", help="print the dict as JSON too")
    args = parser.parse_args(argv)
    exit_on_sigterm()
    result = run(args.duration, args.connections, args.threads, args.workers)
    print(markdown(result))
    if args.json:
        print(json.dumps(result))
    return 0 if result.get("non_2xx", 0) == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
