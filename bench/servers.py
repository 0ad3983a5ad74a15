"""Start, probe and always stop uvicorn servers on loopback for the HTTP benchmarks."""

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from bench.report import OUT_DIR, ROOT, Section, render_section

APP_FACTORY = "app.main:create_app"
FLOOR_FACTORY = "bench.floor_app:create_app"
ABLATION_FACTORY = "bench.ablation_app:create_app"


class ServerError(RuntimeError):
    """A server under test exited or never became ready; the message carries its log tail."""


def uvicorn_command(factory: str, port: int) -> list[str]:
    """The one command every benchmark serves with, so only the app differs."""
    return [
        sys.executable, "-m", "uvicorn", "--factory", factory,
        "--host", "127.0.0.1", "--port", str(port),
        "--workers", "1", "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(url: str, timeout_s: float = 5.0) -> tuple[int, bytes]:
    """Status and body of one GET; HTTP errors are answers here, not exceptions."""
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as error:
        return int(error.code), error.read()


def exit_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit so `finally` blocks stop the servers we started."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def wait_ready(self, path: str, timeout_s: float) -> float:
        """Poll `path` until it answers 200; seconds from now until then."""
        start = time.perf_counter()
        while True:
            if self.process.poll() is not None:
                raise ServerError(
                    f"server exited with {self.process.returncode} before {path} answered 200:\n"
                    f"{self.log_tail()}"
                )
            try:
                status, _ = get(self.base_url + path, timeout_s=1.0)
                if status == 200:
                    return time.perf_counter() - start
            except (OSError, urllib.error.URLError):
                pass  # not listening yet
            if time.perf_counter() - start > timeout_s:
                raise ServerError(
                    f"{self.base_url}{path} not 200 after {timeout_s} s:\n{self.log_tail()}"
                )
            time.sleep(0.005)

    def stop(self) -> None:
        # The server leads its own process group: signal the group so nothing is left behind.
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            except ProcessLookupError:
                pass


def start(
    factory: str, *, name: str, env: Mapping[str, str] | None = None, cwd: Path = ROOT
) -> Server:
    """Launch uvicorn serving `factory`; `cwd` is the checkout whose app/ and geo/ it imports."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log_path = OUT_DIR / f"server-{name}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            uvicorn_command(factory, port),
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Server(process, f"http://127.0.0.1:{port}", log_path)


@contextmanager
def serving(
    factory: str,
    *,
    name: str,
    env: Mapping[str, str] | None = None,
    ready_path: str = "/readyz",
    cwd: Path = ROOT,
) -> Iterator[Server]:
    """A started, ready server that is stopped however the block exits."""
    server = start(factory, name=name, env=env, cwd=cwd)
    try:
        server.wait_ready(ready_path, timeout_s=60)
        yield server
    finally:
        server.stop()


def served_data_dir() -> Path:
    """Where the service will look for its dataset: XUNQIN_DATA_DIR, as app/settings.py reads."""
    return Path(os.environ.get("XUNQIN_DATA_DIR", ROOT / "data"))


def app_available() -> str | None:
    """Why the real service cannot be benchmarked yet, or None if it can."""
    if not (ROOT / "app" / "main.py").exists():
        return "app/main.py does not exist yet"
    current = served_data_dir() / "published" / "CURRENT"
    if not current.exists():
        return f"{current} does not exist (no published dataset to serve)"
    return None


def section_main(argv: Sequence[str] | None, module_name: str, *, quick_help: str) -> int:
    """`python -m bench.<module> [--quick]`: run the module's `run_full` or `run_quick` section
    and print it as markdown (every section module offers both, for bench/run_all.py too)."""
    module = sys.modules[module_name]
    parser = argparse.ArgumentParser(description=module.__doc__)
    parser.add_argument("--quick", action="store_true", help=quick_help)
    args = parser.parse_args(argv)
    exit_on_sigterm()  # servers a section started are stopped on Ctrl-C / SIGTERM too
    run: Callable[[], Section] = module.run_quick if args.quick else module.run_full
    print(render_section(run()))
    return 0
