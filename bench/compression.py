"""What gzip costs and saves: /nearest req/s with wrk, and answer sizes and times, for three
settings of XUNQIN_GZIP_MINIMUM_BYTES (off, the default, everything).

Every request says `Accept-Encoding: gzip`, as browsers and mini-program backends do, so the
only difference between the servers is whether they compress.
"""

import json
import shutil
import statistics
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass

from app.middleware import GZIP_LEVEL
from app.settings import Settings
from bench.http_throughput import WrkRun, query_paths, run_wrk, write_lua
from bench.report import OUT_DIR, Section, Table, fmt
from bench.servers import APP_FACTORY, Server, app_available, section_main, serving

GZIP_ENV = "XUNQIN_GZIP_MINIMUM_BYTES"
DEFAULT_MINIMUM = Settings.model_fields["gzip_minimum_bytes"].default
CONNECTIONS = 32
HEADERS = ("XUNQIN_GZIP_MINIMUM_BYTES", "req/s (median)", "req/s per round", "p99 ms",
           "non-2xx / socket errors")  # fmt: skip
BATCH = [{"lat": 30.0 + i * 0.05, "lon": 114.3, "n": 50} for i in range(100)]


@dataclass(frozen=True)
class Setting:
    label: str
    minimum_bytes: int


SETTINGS = (
    Setting("off (0)", 0),
    Setting(f"default ({DEFAULT_MINIMUM:,} B)", DEFAULT_MINIMUM),
    Setting("everything (1 B)", 1),
)

# (label, method, path, JSON body or None)
BODIES: list[tuple[str, str, str, object]] = [
    ("/nearest n=1", "GET", "/nearest?lat=30.5&lon=114.3&n=1", None),
    ("/nearest n=10", "GET", "/nearest?lat=30.5&lon=114.3&n=10", None),
    ("/nearest n=50", "GET", "/nearest?lat=30.5&lon=114.3&n=50", None),
    ("/regions", "GET", "/regions", None),
    ("/openapi.json", "GET", "/openapi.json", None),
    ("batch 100 × n=50", "POST", "/nearest/batch", {"queries": BATCH}),
]


def fetch(server: Server, method: str, path: str, body: object) -> tuple[int, str, float]:
    """Bytes on the wire, their Content-Encoding and seconds to the last byte."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        server.base_url + path,
        data=data,
        method=method,
        headers={"Accept-Encoding": "gzip", "Content-Type": "application/json"},
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        payload = response.read()  # urllib does not decode: these are the bytes sent
        encoding = response.headers.get("content-encoding", "identity")
    return len(payload), encoding, time.perf_counter() - started


def run(duration_s: int, warmup_s: int, rounds: int, repeats: int, command: str) -> Section:
    section = Section("Response compression (gzip)")
    missing = app_available() or (None if shutil.which("wrk") else "`wrk` is not on PATH")
    if missing:
        section.notes.append(f"**Skipped:** {missing}.")
        return section
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    script = write_lua("compression", query_paths("/nearest"), {"Accept-Encoding": "gzip"})
    runs: dict[Setting, list[WrkRun]] = {s: [] for s in SETTINGS}
    sizes: dict[Setting, list[tuple[int, str, float]]] = {}
    with (
        serving(APP_FACTORY, name="gzip-off", env={GZIP_ENV: "0"}) as off,
        serving(APP_FACTORY, name="gzip-default", env={GZIP_ENV: str(DEFAULT_MINIMUM)}) as dflt,
        serving(APP_FACTORY, name="gzip-all", env={GZIP_ENV: "1"}) as every,
    ):
        servers = dict(zip(SETTINGS, (off, dflt, every), strict=True))
        for setting, server in servers.items():
            run_wrk(server.base_url, script, warmup_s, f"gzip-{setting.minimum_bytes}-warmup")
        for round_number in range(rounds):  # interleaved: noise hits every setting alike
            for setting, server in servers.items():
                log = f"gzip-{setting.minimum_bytes}-{round_number}"
                runs[setting].append(run_wrk(server.base_url, script, duration_s, log))
        for setting, server in servers.items():
            measured = []
            for _, method, path, body in BODIES:
                samples = [fetch(server, method, path, body) for _ in range(repeats)]
                size, encoding, _ = samples[0]
                measured.append((size, encoding, statistics.median(s[2] for s in samples)))
            sizes[setting] = measured

    rows = []
    for setting in SETTINGS:
        done = runs[setting]
        rows.append(
            [
                setting.label,
                fmt(statistics.median(r.requests_per_s for r in done), 0),
                " / ".join(fmt(r.requests_per_s, 0) for r in done),
                fmt(statistics.median(r.p99_ms for r in done), 2),
                f"{sum(r.non_2xx for r in done)} / {sum(r.socket_errors for r in done)}",
            ]
        )
    section.tables.append(
        Table(
            "/nearest n=10 with Accept-Encoding: gzip, one uvicorn worker",
            command,
            HEADERS,
            rows,
            [
                f"`wrk -t1 -c{CONNECTIONS} -d{duration_s}s --latency`, {rounds} round(s) "
                f"interleaved after a {warmup_s} s warm-up of each, cycling through the 256 "
                "URLs of bench/http_throughput.py (`/nearest?lat=..&lon=..&n=10`), each with "
                "`Accept-Encoding: gzip`; three servers at once, each "
                "`uvicorn --factory app.main:create_app --workers 1 --no-access-log`, on the "
                f"bundled dataset; gzip level {GZIP_LEVEL} (app/middleware.py GZIP_LEVEL)."
            ],
        )
    )
    body_rows = []
    for index, (label, *_rest) in enumerate(BODIES):
        row = [label]
        for setting in SETTINGS:
            size, encoding, seconds = sizes[setting][index]
            row.append(f"{size:,} {'gz' if encoding == 'gzip' else 'plain'}, {seconds * 1e3:.1f}")
        body_rows.append(row)
    section.tables.append(
        Table(
            "Bytes sent and milliseconds to the last byte, per answer",
            command,
            ["answer", *(f"{s.label}: bytes, ms" for s in SETTINGS)],
            body_rows,
            [
                f"One client on loopback (urllib, which does not decode), median of {repeats} "
                "requests each; the batch holds 100 queries with n=50 along 114.3° E."
            ],
        )
    )
    return section


def run_full(command: str = "python -m bench.compression") -> Section:
    return run(duration_s=5, warmup_s=2, rounds=3, repeats=5, command=command)


def run_quick(command: str = "python -m bench.compression --quick") -> Section:
    return run(duration_s=1, warmup_s=1, rounds=1, repeats=1, command=command)


def main(argv: Sequence[str] | None = None) -> int:
    return section_main(argv, __name__, quick_help="1-second runs, for a smoke run")


if __name__ == "__main__":
    raise SystemExit(main())
