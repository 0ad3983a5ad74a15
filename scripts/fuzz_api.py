"""Fuzz the API with schemathesis against a live uvicorn: every operation, stateful sequences
where the schema links operations, all checks. Reports requests sent, failures and schema
violations; exits non-zero on any failure.

    python scripts/fuzz_api.py                      # starts the service on the bundled sample
    python scripts/fuzz_api.py --url http://127.0.0.1:8000 --max-examples 500

tests/app/test_schema_fuzz.py runs a small seeded budget in CI; this is the longer hunt.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PHASES = "examples,coverage,fuzzing,stateful"
# Schema violations, as opposed to server errors: the answer does not match what is declared.
SCHEMA_CHECKS = frozenset(
    {
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "negative_data_rejection",
        "positive_data_acceptance",
        "allow_header_conformance",
    }
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_ready(base_url: str, process: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the service exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{base_url}/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{base_url}/readyz not ready after {timeout_s} s")


@contextmanager
def local_service() -> Iterator[str]:
    """The service on a free loopback port with default settings (the bundled sample)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROMETHEUS_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app",
         "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning"],
        cwd=ROOT, env=env, stdin=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base_url, process)
        yield base_url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def schemathesis_cli() -> str:
    beside = Path(sys.executable).with_name("schemathesis")
    found = str(beside) if beside.exists() else shutil.which("schemathesis")
    if found is None:
        raise SystemExit("schemathesis is not installed (pip install -e '.[test]')")
    return found


def summarise(har: dict[str, Any], events: list[dict[str, Any]]) -> dict[str, Any]:
    """Requests sent (from the HAR log) and failed checks (from the event stream)."""
    entries = har["log"]["entries"]
    statuses: dict[str, int] = {}
    for entry in entries:
        status = str(entry["response"]["status"])
        statuses[status] = statuses.get(status, 0) + 1
    failures: dict[str, int] = {}  # check name -> failed test cases
    for event in events:
        scenario = event.get("ScenarioFinished")
        if scenario is None:
            continue
        for results in scenario["recorder"].get("checks", {}).values():
            for check in results:
                if check["status"] == "failure":
                    failures[check["name"]] = failures.get(check["name"], 0) + 1
    return {
        "requests": len(entries),
        "server_errors": sum(n for s, n in statuses.items() if s.startswith("5")),
        "statuses": dict(sorted(statuses.items())),
        "failures": sum(failures.values()),
        "schema_violations": sum(n for name, n in failures.items() if name in SCHEMA_CHECKS),
        "failed_checks": failures,
    }


# GET /nearest is fuzzed on its own: its schema cannot say "lat and lon, or address", so there
# (and only there) a 422 for schema-valid data is expected (see schemathesis-nearest.toml).
RUNS: tuple[tuple[list[str], list[str]], ...] = (
    (["--config-file", str(ROOT / "schemathesis-nearest.toml")],
     ["--include-path-regex", "^/nearest$"]),
    ([], ["--exclude-path-regex", "^/nearest$"]),
)  # fmt: skip


def fuzz(base_url: str, max_examples: int, seed: int | None, workers: int) -> dict[str, Any]:
    """Both runs, their requests and failures added up."""
    runs = [
        fuzz_run(base_url, max_examples, seed, workers, config, operations)
        for config, operations in RUNS
    ]
    statuses: dict[str, int] = {}
    failed_checks: dict[str, int] = {}
    for run in runs:
        for status, count in run["statuses"].items():
            statuses[status] = statuses.get(status, 0) + count
        for check, count in run["failed_checks"].items():
            failed_checks[check] = failed_checks.get(check, 0) + count
    return {
        "requests": sum(run["requests"] for run in runs),
        "server_errors": sum(run["server_errors"] for run in runs),
        "statuses": dict(sorted(statuses.items())),
        "failures": sum(run["failures"] for run in runs),
        "schema_violations": sum(run["schema_violations"] for run in runs),
        "failed_checks": failed_checks,
        "exit_code": max(run["exit_code"] for run in runs),
        "seconds": round(sum(run["seconds"] for run in runs), 1),
        "output_tail": "\n\n".join(run["output_tail"] for run in runs),
    }


def fuzz_run(
    base_url: str,
    max_examples: int,
    seed: int | None,
    workers: int,
    config: list[str],
    operations: list[str],
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="xunqin-fuzz-") as tmp:
        report_dir = Path(tmp)
        argv = [
            schemathesis_cli(), *config, "run", f"{base_url}/openapi.json", *operations,
            "--checks", "all", "--phases", PHASES,
            "--max-examples", str(max_examples), "--workers", str(workers),
            "--report", "har,ndjson", "--report-dir", str(report_dir),
            "--no-color", "--generation-database", "none",
        ]  # fmt: skip
        if seed is not None:
            argv += ["--seed", str(seed)]
        started = time.monotonic()
        done = subprocess.run(argv, capture_output=True, text=True, cwd=tmp)
        seconds = time.monotonic() - started
        har = json.loads(next(report_dir.glob("har-*.json")).read_text())
        events = [
            json.loads(line)
            for path in report_dir.glob("*.ndjson")
            for line in path.read_text().splitlines()
            if line.strip()
        ]
    summary = summarise(har, events)
    summary |= {"exit_code": done.returncode, "seconds": round(seconds, 1)}
    summary["output_tail"] = "\n".join(done.stdout.splitlines()[-25:])
    return summary


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="base URL of a running service (default: start one)")
    parser.add_argument(
        "--max-examples",
        type=int,
        default=150,
        help="test cases per operation and phase (default 150: well over 1,000 requests)",
    )
    parser.add_argument("--seed", type=int, help="for a reproducible run")
    parser.add_argument("--workers", type=int, default=1, help="concurrent schemathesis workers")
    args = parser.parse_args(argv)
    if args.url:
        summary = fuzz(args.url.rstrip("/"), args.max_examples, args.seed, args.workers)
    else:
        with local_service() as url:
            summary = fuzz(url, args.max_examples, args.seed, args.workers)
    print(summary.pop("output_tail"))
    print(json.dumps(summary, indent=2))
    print(
        f"requests sent: {summary['requests']}, failures: {summary['failures']}, "
        f"schema violations: {summary['schema_violations']}, "
        f"server errors: {summary['server_errors']}"
    )
    ok = summary["exit_code"] == 0 and summary["failures"] == 0 and summary["server_errors"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
