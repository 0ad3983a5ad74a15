"""HTTP throughput with wrk on loopback: the service's /nearest vs a bare FastAPI floor."""

import json
import shutil
import statistics
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bench.floor_app import BODY_ENV
from bench.query_latency import QUERY_SEED
from bench.report import OUT_DIR, Section, Table, Target, fmt, shown
from bench.servers import (
    ABLATION_FACTORY,
    APP_FACTORY,
    FLOOR_FACTORY,
    Server,
    app_available,
    get,
    section_main,
    served_data_dir,
    serving,
)
from scripts.make_synthetic_dataset import china_like_points

QUERY_COUNT = 256
THREADS = 1  # two cores: one for wrk, one for the single server worker
CONNECTIONS = 32

# wrk calls request() per request: cycling through many URLs keeps the server from answering
# one repeated query; done() prints the numbers as JSON so nothing parses human units.
_LUA = """
local paths = {%(paths)s}
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i], %(headers)s)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%%d,"duration_us":%%d,"p50_us":%%d,"p90_us":%%d,"p99_us":%%d,' ..
    '"connect":%%d,"read":%%d,"write":%%d,"status":%%d,"timeout":%%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), e.connect, e.read, e.write, e.status, e.timeout))
end
"""


@dataclass(frozen=True)
class Endpoint:
    """One thing wrk hits: a label for the table, which server, which route."""

    label: str
    server: str
    route: str

    @property
    def slug(self) -> str:
        return f"{self.server}-{self.route.strip('/')}"


SERVICE = Endpoint("service `/nearest` (search + JSON)", "app", "/nearest")
FLOOR = Endpoint("floor: bare FastAPI, canned bytes", "floor", "/nearest")
NAIVE = Endpoint("naive: bare FastAPI, dict via jsonable_encoder", "floor", "/nearest_naive")
ABLATION = Endpoint(
    "ablation: service with the search replaced by a fixed answer", "ablation", "/nearest"
)
ENDPOINTS = (SERVICE, FLOOR, NAIVE, ABLATION)


@dataclass(frozen=True)
class WrkRun:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int
    p90_ms: float = 0.0


def query_paths(route: str) -> list[str]:
    lons, lats = china_like_points(QUERY_COUNT, QUERY_SEED)
    return [
        f"{route}?lat={lat:.5f}&lon={lon:.5f}&n=10"
        for lon, lat in zip(lons.tolist(), lats.tolist(), strict=True)
    ]


def write_lua(name: str, paths: Sequence[str], headers: Mapping[str, str] | None = None) -> str:
    """A wrk script cycling through `paths`, each request sent with `headers` (Lua table)."""
    script = OUT_DIR / f"wrk-{name}.lua"
    fields = ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in (headers or {}).items())
    paths_lua = ", ".join(json.dumps(p) for p in paths)
    headers_lua = "{" + fields + "}" if fields else "nil"
    script.write_text(_LUA % {"paths": paths_lua, "headers": headers_lua})
    return str(script)


def run_wrk(
    base_url: str,
    script: str,
    duration_s: int,
    log_name: str,
    *,
    threads: int = THREADS,
    connections: int = CONNECTIONS,
) -> WrkRun:
    argv = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{duration_s}s", "--latency",
        "-s", script, base_url,
    ]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=duration_s + 60)
    (OUT_DIR / f"wrk-{log_name}.txt").write_text(done.stdout + done.stderr)
    line = next(ln for ln in done.stdout.splitlines() if ln.startswith("BENCH_JSON "))
    stats = json.loads(line.removeprefix("BENCH_JSON "))
    return WrkRun(
        requests_per_s=stats["requests"] / (stats["duration_us"] / 1e6),
        p50_ms=stats["p50_us"] / 1e3,
        p99_ms=stats["p99_us"] / 1e3,
        non_2xx=stats["status"],
        socket_errors=sum(stats[kind] for kind in ("connect", "read", "write", "timeout")),
        p90_ms=stats["p90_us"] / 1e3,
    )


def check_paths(server: Server, paths: Sequence[str]) -> list[bytes]:
    """Every URL wrk will send answers 200 before it is timed; returns the bodies."""
    bodies = []
    for path in paths:
        status, body = get(server.base_url + path)
        if status != 200:
            raise RuntimeError(f"{server.base_url}{path} answered {status}: {body[:300]!r}")
        bodies.append(body)
    return bodies


def skipped(reason: str) -> Section:
    section = Section("HTTP throughput (wrk, loopback)")
    section.notes.append(f"**Skipped:** {reason}.")
    print(f"http_throughput: skipped: {reason}")
    return section


def measure(
    duration_s: int, warmup_s: int, rounds: int
) -> tuple[dict[Endpoint, list[WrkRun]], dict[Endpoint, str]]:
    """wrk runs per endpoint, and the response body size each one sends."""
    results: dict[Endpoint, list[WrkRun]] = {endpoint: [] for endpoint in ENDPOINTS}
    with serving(APP_FACTORY, name="app") as app_server:
        real = sorted((len(b), b) for b in check_paths(app_server, query_paths("/nearest")))
        # The floor sends back a real response of median size, so bytes on the wire match.
        canned = real[len(real) // 2][1]
        body_file = OUT_DIR / "floor-body.json"
        body_file.write_bytes(canned)
        with (
            serving(FLOOR_FACTORY, name="floor", env={BODY_ENV: str(body_file)}) as floor,
            serving(ABLATION_FACTORY, name="ablation") as ablation,
        ):
            servers = {"app": app_server, "floor": floor, "ablation": ablation}
            sizes = {
                SERVICE: f"{len(canned):,} (median; {real[0][0]:,}–{real[-1][0]:,})",
                FLOOR: f"{len(canned):,}",
                NAIVE: f"{len(check_paths(floor, query_paths(NAIVE.route))[0]):,}",
                ABLATION: f"{len(check_paths(ablation, query_paths(ABLATION.route))[0]):,}",
            }
            check_paths(floor, query_paths(FLOOR.route))
            scripts = {e: write_lua(e.slug, query_paths(e.route)) for e in ENDPOINTS}
            for endpoint in ENDPOINTS:
                url = servers[endpoint.server].base_url
                run_wrk(url, scripts[endpoint], warmup_s, f"{endpoint.slug}-warmup")
            # Interleaved rounds: a burst of noise from a neighbour hits every endpoint alike.
            for round_number in range(rounds):
                for endpoint in ENDPOINTS:
                    url = servers[endpoint.server].base_url
                    log_name = f"{endpoint.slug}-{round_number}"
                    results[endpoint].append(run_wrk(url, scripts[endpoint], duration_s, log_name))
    return results, sizes


def run(duration_s: int, warmup_s: int, rounds: int, command: str) -> Section:
    if shutil.which("wrk") is None:
        return skipped("`wrk` is not on PATH (Debian/Ubuntu: `apt-get install wrk`)")
    missing = app_available()
    if missing:
        return skipped(missing)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    results, sizes = measure(duration_s, warmup_s, rounds)

    def median_rps(endpoint: Endpoint) -> float:
        return statistics.median(wrk.requests_per_s for wrk in results[endpoint])

    rows = []
    for endpoint in ENDPOINTS:
        runs = results[endpoint]
        rows.append(
            [
                endpoint.label,
                fmt(median_rps(endpoint), 0),
                " / ".join(fmt(wrk.requests_per_s, 0) for wrk in runs),
                f"{median_rps(endpoint) / median_rps(FLOOR):.2f}",
                fmt(statistics.median(wrk.p50_ms for wrk in runs), 2),
                fmt(statistics.median(wrk.p99_ms for wrk in runs), 2),
                f"{sum(wrk.non_2xx for wrk in runs)} / {sum(wrk.socket_errors for wrk in runs)}",
                sizes[endpoint],
            ]
        )
    section = Section("HTTP throughput (wrk, loopback)")
    section.tables.append(
        Table(
            "Requests per second, one uvicorn worker",
            command,
            [
                "endpoint",
                "req/s (median)",
                "req/s per round",
                "× floor",
                "p50 ms",
                "p99 ms",
                "non-2xx / socket errors",
                "body bytes",
            ],
            rows,
            [
                f"`wrk -t{THREADS} -c{CONNECTIONS} -d{duration_s}s --latency -s <script>`, "
                f"{rounds} round(s) interleaved across the endpoints after a {warmup_s} s "
                f"warm-up of each; the script cycles through {QUERY_COUNT} fixed URLs "
                f"(`?lat=..&lon=..&n=10`, seed {QUERY_SEED}, the latency table's point "
                "distribution), all checked to answer 200 first. Every server runs "
                "`uvicorn --factory <app> --host 127.0.0.1 --port <p> --workers 1 "
                "--no-access-log --log-level warning`; the service serves the dataset named "
                f"by {shown(served_data_dir())}/published/CURRENT with default settings. The floor "
                "(bench/floor_app.py) takes the same two float parameters and returns a real "
                "/nearest response of median size as pre-serialised bytes. The ablation "
                "(bench/ablation_app.py) is the service with `PointIndex.nearest` replaced by one "
                "precomputed answer: the gap between it and the floor is parameter parsing, "
                "response building and middleware; the gap between it and the service is the "
                "exact geodesic search as it runs inside a busy server. p50/p99 are medians "
                "over rounds.",
            ],
        )
    )
    ratio = median_rps(SERVICE) / median_rps(FLOOR)
    section.targets.append(
        Target("service /nearest req/s ÷ FastAPI floor", f"{ratio:.2f}", "≥ 0.60", ratio >= 0.60)
    )
    return section


def run_full(command: str = "python -m bench.http_throughput") -> Section:
    return run(duration_s=10, warmup_s=3, rounds=3, command=command)


def run_quick(command: str = "python -m bench.http_throughput --quick") -> Section:
    return run(duration_s=2, warmup_s=1, rounds=1, command=command)


def main(argv: Sequence[str] | None = None) -> int:
    return section_main(argv, __name__, quick_help="2-second runs, for a smoke run")


if __name__ == "__main__":
    raise SystemExit(main())
