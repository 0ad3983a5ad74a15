"""Where a busy worker's time goes on /nearest: py-spy samples a real uvicorn worker under wrk.

    python -m bench.profile_nearest [--checkout DIR] [--duration 20] [--rate 250]

One uvicorn worker serves the checkout (bench.servers, the HTTP benchmarks' command), wrk
cycles through bench.http_throughput's 256 `/nearest?lat=..&lon=..&n=10` URLs, and
`py-spy record --nonblocking` samples the worker meanwhile (it must be allowed to read the
worker's memory: run as root, or with ptrace permitted). py-spy keeps only samples taken while
the worker runs; each is charged to the innermost frame that belongs to a known part (search,
parsing, middleware, ...), and a part's µs per request is its share of the samples times the
worker's CPU time (/proc/PID/stat) per request wrk counted. Prints a markdown table; the raw
stacks stay in bench/out/profile-nearest-<checkout>.txt (collapsed: any flame-graph tool).
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.http_throughput import WrkRun, query_paths, run_wrk, write_lua
from bench.report import OUT_DIR, ROOT
from bench.servers import APP_FACTORY, exit_on_sigterm, serving

LOOP = "uvloop's C code: sockets, polling, callbacks"
THREADS = "other threads (thread pool)"
OTHER = "other"

# (part, pattern matched against "function (path:line)"), most specific first: a sample goes
# to the first part whose pattern matches its innermost matching frame.
PARTS: tuple[tuple[str, str], ...] = (
    ("search: geodesic re-rank (pyproj Geod)", r"geo/core/geodesy\.py|/pyproj/"),
    ("search: R-tree, ranking, echo", r"geo/query/|/rtree/|/numpy/"),
    ("parsing: query string + parameters", r"app/params\.py|QueryParams|parse_qsl|urllib/parse"),
    ("serialisation: JSON pieces", r"app/json_writer\.py|nearest_members|orjson"),
    ("middleware: id, headers, metrics, log", r"app/(middleware|logs|security|metrics)\.py"),
    ("metrics: prometheus_client", r"/prometheus_client/"),
    ("middleware: rate limit", r"app/ratelimit\.py"),
    ("middleware: gzip", r"starlette/middleware/gzip\.py"),
    ("middleware: CORS", r"starlette/middleware/cors\.py"),
    ("endpoint glue: app/routes.py, app/shortcut.py", r"app/(routes|shortcut)\.py"),
    ("FastAPI's OpenTelemetry hooks", r"/fastapi/telemetry/|/opentelemetry/"),
    ("response object (starlette Response)", r"starlette/responses\.py"),
    ("FastAPI/Starlette routing + exception layers", r"/(fastapi|starlette)/"),
    ("uvicorn + httptools (HTTP parsing, writing)", r"/uvicorn/|/httptools/"),
    ("h11", r"/h11/"),
    ("asyncio / uvloop (scheduling, transports)", r"/asyncio/|/uvloop/"),
)
_COMPILED = tuple((part, re.compile(pattern)) for part, pattern in PARTS)
# Without --native, time in uvloop's C loop (reading, writing, polling sockets) shows as a
# stack ending in the Python frame that started the loop.
_LOOP_LEAF = re.compile(r"/uvicorn/server\.py|asyncio/runners\.py|uvloop/__init__\.py")


@dataclass(frozen=True)
class Profile:
    samples: Counter[str]  # part -> samples of the worker while it was running
    wrk: WrkRun
    requests: int  # answered while the worker's CPU time was counted
    cpu_s: float  # the worker's user + system CPU seconds over those requests

    @property
    def total(self) -> int:
        return sum(self.samples.values())

    @property
    def cpu_us_per_request(self) -> float:
        return self.cpu_s * 1e6 / self.requests

    def us_per_request(self, part: str) -> float:
        return self.samples[part] / self.total * self.cpu_us_per_request


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds `pid` has used, from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def classify(stack: str) -> str:
    """The part one collapsed stack ("outer;...;inner") is charged to.

    >>> classify("run (x/asyncio/runners.py:1);nearest (/r/app/routes.py:9);dumps (x/orjson)")
    'serialisation: JSON pieces'
    >>> classify("main (m.py:1);asyncio_run (x/uvicorn/server.py:70)")
    "uvloop's C code: sockets, polling, callbacks"
    """
    frames = stack.split(";")
    if "Thread._bootstrap" in frames[0] or "(threading.py" in frames[0]:
        return THREADS
    if _LOOP_LEAF.search(frames[-1]):
        return LOOP
    for frame in reversed(frames):
        for part, pattern in _COMPILED:
            if pattern.search(frame):
                return part
    return OTHER


def read_collapsed(path: Path) -> Counter[str]:
    """py-spy's raw (collapsed) output: one `stack count` per line."""
    samples: Counter[str] = Counter()
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            samples[classify(stack)] += int(count)
    return samples


def profile(checkout: Path, *, duration_s: int, rate: int, warmup_s: int, label: str) -> Profile:
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    script = write_lua("profile-nearest", query_paths("/nearest"))
    raw_path = OUT_DIR / f"profile-nearest-{label}.txt"
    raw_path.unlink(missing_ok=True)
    with serving(APP_FACTORY, name=f"profile-{label}", cwd=checkout) as server:
        pid = server.process.pid  # --workers 1: uvicorn serves in this very process
        run_wrk(server.base_url, script, warmup_s, f"profile-{label}-warmup")
        # py-spy attaches in well under a second; wrk runs a second longer on either side so
        # every sample is taken under load.
        spy_argv = [
            py_spy, "record", "--pid", str(pid), "--format", "raw", "--output", str(raw_path),
            "--rate", str(rate), "--duration", str(duration_s), "--nonblocking",
            "--full-filenames",
        ]  # fmt: skip
        spy = subprocess.Popen(
            spy_argv,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            cpu_before = cpu_seconds(pid)
            wrk = run_wrk(server.base_url, script, duration_s + 2, f"profile-{label}")
            cpu_s = cpu_seconds(pid) - cpu_before
            _, errors = spy.communicate(timeout=60)
        finally:
            if spy.poll() is None:
                spy.kill()
                spy.wait()
    if spy.returncode != 0 or not raw_path.exists():
        raise RuntimeError(f"py-spy failed ({spy.returncode}): {errors.decode(errors='replace')}")
    requests = round(wrk.requests_per_s * (duration_s + 2))
    return Profile(read_collapsed(raw_path), wrk, requests, cpu_s)


def render(profiles: dict[str, Profile]) -> str:
    """One markdown table: each part's share of the worker's CPU samples and its µs/request."""
    head = "| part | " + " | ".join(f"{label}: share, µs/request" for label in profiles) + " |"
    lines = [head, "|---|" + "---|" * len(profiles)]
    for part in [part for part, _ in PARTS] + [LOOP, THREADS, OTHER]:
        if not any(profile.samples[part] for profile in profiles.values()):
            continue
        cells = [
            f"{100 * p.samples[part] / p.total:.1f}%, {p.us_per_request(part):.0f}"
            for p in profiles.values()
        ]
        lines.append(f"| {part} | " + " | ".join(cells) + " |")
    totals = [
        f"{p.cpu_us_per_request:.0f} µs CPU ({p.total} samples; {p.wrk.requests_per_s:,.0f} req/s)"
        for p in profiles.values()
    ]
    lines.append("| **all: worker CPU per request** | " + " | ".join(totals) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--checkout", type=Path, action="append", help="checkout to serve (repeatable)"
    )
    parser.add_argument("--duration", type=int, default=20, help="seconds sampled under wrk")
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of wrk before sampling")
    args = parser.parse_args(argv)
    exit_on_sigterm()
    checkouts: list[Path] = args.checkout or [ROOT]
    profiles = {}
    for number, checkout in enumerate(checkouts):
        label = checkout.resolve().name or f"checkout{number}"
        profiles[label] = profile(
            checkout.resolve(),
            duration_s=args.duration,
            rate=args.rate,
            warmup_s=args.warmup,
            label=label,
        )
    print(render(profiles))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
