"""Cold start: seconds from launching uvicorn to the first 200 on /readyz."""

import statistics
import time
from collections.abc import Sequence

import orjson

from bench.floor_app import BODY_ENV
from bench.report import OUT_DIR, Section, Table, Target, fmt
from bench.servers import APP_FACTORY, FLOOR_FACTORY, app_available, get, section_main, start


def time_to_ready(factory: str, name: str, env: dict[str, str]) -> tuple[float, bytes]:
    """Seconds from Popen to the first 200 on /readyz, and that body."""
    began = time.perf_counter()
    server = start(factory, name=name, env=env)
    try:
        server.wait_ready("/readyz", timeout_s=60)
        elapsed = time.perf_counter() - began
        _, body = get(server.base_url + "/readyz")
        return elapsed, body
    finally:
        server.stop()


def run(runs: int, command: str) -> Section:
    section = Section("Startup")
    missing = app_available()
    if missing:
        section.notes.append(f"**Skipped:** {missing}.")
        print(f"startup: skipped: {missing}")
        return section
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    body_file = OUT_DIR / "startup-floor-body.json"
    body_file.write_bytes(b'{"results":[]}')
    apps = {
        "service (loads the published dataset, builds the index)": (APP_FACTORY, "app", {}),
        "floor: bare FastAPI app (bench/floor_app.py)": (
            FLOOR_FACTORY,
            "floor",
            {BODY_ENV: str(body_file)},
        ),
    }
    times: dict[str, list[float]] = {label: [] for label in apps}
    ready_body = b""
    # Alternate the two so drift on a shared machine hits both alike.
    for attempt in range(runs):
        for label, (factory, name, env) in apps.items():
            elapsed, body = time_to_ready(factory, f"startup-{name}-{attempt}", env)
            times[label].append(elapsed)
            if name == "app":
                ready_body = body
    rows = [
        [
            label,
            fmt(statistics.median(samples), 3),
            fmt(min(samples), 3),
            fmt(max(samples), 3),
        ]
        for label, samples in times.items()
    ]
    section.tables.append(
        Table(
            f"Process start to first 200 on /readyz (median of {runs})",
            command,
            ["server", "median s", "min s", "max s"],
            rows,
            [
                "Each run Popens the same `uvicorn --factory <app> --host 127.0.0.1 --port <p> "
                "--workers 1 --no-access-log --log-level warning` and polls /readyz every 5 ms; "
                "the floor shows what interpreter start, imports and uvicorn cost by themselves. "
                f"The service's /readyz said: `{_short(ready_body)}`",
            ],
        )
    )
    median_s = statistics.median(times[next(iter(apps))])
    section.targets.append(
        Target(
            "service start to ready, sample dataset", f"{median_s:.2f} s", "≤ 1 s", median_s <= 1.0
        )
    )
    return section


def _short(body: bytes) -> str:
    try:
        return orjson.dumps(orjson.loads(body)).decode()[:300]
    except orjson.JSONDecodeError:
        return repr(body[:300])


def run_full(command: str = "python -m bench.startup") -> Section:
    return run(runs=5, command=command)


def run_quick(command: str = "python -m bench.startup --quick") -> Section:
    return run(runs=2, command=command)


def main(argv: Sequence[str] | None = None) -> int:
    return section_main(argv, __name__, quick_help="two runs, for a smoke run")


if __name__ == "__main__":
    raise SystemExit(main())
