"""Killing scripts/build_index.py at any moment leaves the last good version serving."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import numpy as np

from app.main import create_app
from app.settings import Settings
from geo.dataset import load_current, published_dir, read_current_version
from tests.support import REPO_DATA_DIR, live_server, publish_points

REPO = REPO_DATA_DIR.parent
SAMPLE_LIST = REPO_DATA_DIR / "source" / "sample-list.csv"


def _build_command(data_dir: Path, version: str) -> list[str]:
    return [
        sys.executable, str(REPO / "scripts" / "build_index.py"), str(SAMPLE_LIST),
        "--data-dir", str(data_dir), "--no-progress", "--force", "--version", version,
        "--sample",
    ]  # fmt: skip


def test_a_build_killed_at_random_moments_never_disturbs_the_served_version(tmp_path: Path):
    rng = np.random.default_rng(20221)
    publish_points(tmp_path, [113.0, 113.1], [28.0, 28.1], ["old-a", "old-b"], version="old")
    env = {k: v for k, v in os.environ.items() if not k.startswith("XUNQIN_")}

    started = time.perf_counter()
    timing = subprocess.run(
        _build_command(tmp_path / "timing", "timing"), env=env, capture_output=True, text=True
    )
    full_s = time.perf_counter() - started
    assert timing.returncode == 0, timing.stdout + timing.stderr

    app = create_app(Settings(data_dir=tmp_path, reload_interval_s=0.05))
    failures: list[str] = []
    versions_seen: set[str] = set()
    stop = threading.Event()
    with live_server(app) as url:

        def load() -> None:
            with httpx.Client(base_url=url, timeout=30) as http:
                while not stop.is_set():
                    answer = http.get("/nearest", params={"lat": 28.05, "lon": 113.05, "n": 2})
                    if answer.status_code != 200:
                        failures.append(f"{answer.status_code} {answer.text[:200]}")
                    else:
                        versions_seen.add(answer.json()["dataset"]["version"])

        loader = threading.Thread(target=load)
        loader.start()
        try:
            # Kill points spread over the whole run, from start-up to the final rename.
            served = "old"
            for attempt, fraction in enumerate(rng.uniform(0.05, 0.98, 8)):
                build = subprocess.Popen(
                    _build_command(tmp_path, f"killed-{attempt}"),
                    env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                )  # fmt: skip
                time.sleep(full_s * fraction)
                build.send_signal(signal.SIGKILL)
                build.wait(timeout=30)
                current = read_current_version(tmp_path)
                # Either the version served before, or (killed after the flip) the complete new
                # one: never anything in between.
                assert current in (served, f"killed-{attempt}"), (served, current)
                served = current
                assert len(load_current(tmp_path)) in (2, 3182)
                leftovers = [p.name for p in published_dir(tmp_path).iterdir()
                             if p.name.startswith(".staging")]  # fmt: skip
                # A killed publish may leave its staging directory; it is never served and
                # the next build clears it.
                assert all(name.startswith(".staging-killed") for name in leftovers)

            finished = subprocess.run(
                _build_command(tmp_path, "final"), env=env, capture_output=True, text=True
            )
            assert finished.returncode == 0, finished.stdout + finished.stderr
            # "final" is published, unless a killed build got as far as publishing the same
            # points, in which case there is nothing new to publish.
            final = read_current_version(tmp_path)
            assert final == "final" or "nothing changed" in finished.stdout, finished.stdout
            assert len(load_current(tmp_path)) == 3182
            deadline = time.monotonic() + 10
            while final not in versions_seen:
                assert time.monotonic() < deadline, (final, versions_seen)
                time.sleep(0.05)
        finally:
            stop.set()
            loader.join(timeout=30)
    assert not failures, failures[:3]
    assert not [p for p in published_dir(tmp_path).iterdir() if p.name.startswith(".staging")]
