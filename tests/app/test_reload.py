"""Zero-downtime reload: new versions are built aside and swapped whole; bad ones are refused."""

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import httpx
import numpy as np
import orjson
import pytest

from app.main import create_app
from app.settings import Settings
from geo.dataset import (
    CURRENT_NAME,
    GEOJSON_NAME,
    MANIFEST_NAME,
    make_feature,
    publish_dataset,
    published_dir,
)
from geo.packed import PACKED_NAME
from geo.query.reference import brute_force_nearest
from tests.app import test_golden_responses as golden
from tests.geo import test_packed as golden_sample
from tests.support import (
    REPO_DATA_DIR,
    free_port,
    live_server,
    point_properties,
    publish_points,
    wait_until_ready,
)

POINTS = 300


def _version_points(index: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Version `v<index>`: its own random points, ids prefixed with the version name."""
    rng = np.random.default_rng(1000 + index)
    lons = rng.uniform(100.0, 125.0, POINTS)
    lats = rng.uniform(20.0, 50.0, POINTS)
    return lons, lats, [f"v{index}-{i:04d}" for i in range(POINTS)]


def _publish_version(data_dir: Path, index: int) -> None:
    lons, lats, ids = _version_points(index)
    publish_points(data_dir, lons.tolist(), lats.tolist(), ids, version=f"v{index}")


def _corrupt_current(data_dir: Path, version: str) -> None:
    """A version written by hand, bypassing validation, whose points file was cut short."""
    root = published_dir(data_dir)
    source = root / (root / CURRENT_NAME).read_text().strip()
    target = root / version
    target.mkdir()
    for item in source.iterdir():
        (target / item.name).write_bytes(item.read_bytes())
    (target / "manifest.json").write_text(
        (target / "manifest.json").read_text().replace(source.name, version)
    )
    points = target / GEOJSON_NAME
    points.write_bytes(points.read_bytes()[: points.stat().st_size // 2])
    (root / CURRENT_NAME).write_text(f"{version}\n")


def test_a_periodic_check_swaps_in_a_new_version_and_refuses_a_corrupt_one(tmp_path: Path):
    _publish_version(tmp_path, 1)
    app = create_app(Settings(data_dir=tmp_path, reload_interval_s=0.05))
    with live_server(app) as url, httpx.Client(base_url=url, timeout=10) as http:
        assert http.get("/readyz").json()["dataset"]["version"] == "v1"
        _publish_version(tmp_path, 2)
        deadline = time.monotonic() + 10
        while http.get("/readyz").json()["dataset"]["version"] != "v2":
            assert time.monotonic() < deadline, "the new version was never picked up"
            time.sleep(0.02)
        answer = http.get("/nearest", params={"lat": 30, "lon": 110, "n": 3}).json()
        assert all(r["id"].startswith("v2-") for r in answer["results"])

        _corrupt_current(tmp_path, "v3-broken")
        deadline = time.monotonic() + 10
        while (ready := http.get("/readyz").json()).get("refused_version") != "v3-broken":
            assert time.monotonic() < deadline, "the corrupt version was never looked at"
            time.sleep(0.02)
        assert ready["dataset"]["version"] == "v2"
        answer = http.get("/nearest", params={"lat": 30, "lon": 110, "n": 3})
        assert answer.status_code == 200 and answer.json()["dataset"]["version"] == "v2"

        _publish_version(tmp_path, 4)  # the next good version is taken as usual
        deadline = time.monotonic() + 10
        while (ready := http.get("/readyz").json())["dataset"]["version"] != "v4":
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert ready["refused_version"] is None


def test_a_service_started_on_a_corrupt_dataset_serves_once_a_good_one_is_published(
    tmp_path: Path,
):
    _publish_version(tmp_path, 1)
    _corrupt_current(tmp_path, "v2-broken")
    app = create_app(Settings(data_dir=tmp_path, reload_interval_s=0.05))
    with live_server(app) as url, httpx.Client(base_url=url, timeout=10) as http:
        refused = http.get("/readyz")
        assert refused.status_code == 503
        assert str(tmp_path) not in refused.text  # server paths stay in the log
        assert http.get("/nearest", params={"lat": 30, "lon": 110}).status_code == 503
        _publish_version(tmp_path, 3)
        wait_until_ready(url, timeout_s=10)
        assert http.get("/readyz").json()["dataset"]["version"] == "v3"


@pytest.mark.skipif(sys.platform != "linux", reason="uses uvicorn --workers (fork/spawn)")
def test_two_workers_under_load_follow_ten_publishes_without_a_failed_request(tmp_path: Path):
    """The issue's acceptance test: load on 2 uvicorn workers while 10 versions are published
    and swapped in, then a corrupt one is refused. Every request succeeds, and every answer
    is exactly right for the one version it says it came from."""
    _publish_version(tmp_path, 0)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("XUNQIN_")}
    env.update(XUNQIN_DATA_DIR=str(tmp_path), XUNQIN_RELOAD_INTERVAL_S="0.1")
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app",
         "--host", "127.0.0.1", "--port", str(port), "--workers", "2", "--no-access-log"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    answers: list[tuple[float, float, int, dict[str, object]]] = []
    failures: list[str] = []
    stop = threading.Event()

    def load(seed: int) -> None:
        rng = np.random.default_rng(seed)
        with httpx.Client(base_url=base, timeout=30) as http:
            while not stop.is_set():
                lon, lat = float(rng.uniform(100, 125)), float(rng.uniform(20, 50))
                n = int(rng.integers(1, 8))
                try:
                    response = http.get("/nearest", params={"lat": lat, "lon": lon, "n": n})
                except httpx.HTTPError as exc:
                    failures.append(f"{type(exc).__name__}: {exc}")
                    continue
                if response.status_code != 200:
                    failures.append(f"HTTP {response.status_code}: {response.text[:200]}")
                    continue
                answers.append((lon, lat, n, response.json()))

    try:
        wait_until_ready(base)
        threads = [threading.Thread(target=load, args=(seed,)) for seed in range(4)]
        for thread in threads:
            thread.start()
        for index in range(1, 11):
            time.sleep(0.4)
            _publish_version(tmp_path, index)
        time.sleep(0.4)
        _corrupt_current(tmp_path, "v11-broken")
        time.sleep(1.0)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        # Both workers end on v10 and report the refused version.
        for _ in range(20):
            ready = httpx.get(f"{base}/readyz", timeout=10).json()
            assert ready["dataset"]["version"] == "v10"
            assert ready["refused_version"] == "v11-broken"
    finally:
        server.send_signal(signal.SIGINT)
        output = server.communicate(timeout=60)[0].decode()

    assert not failures, failures[:5]
    assert len(answers) > 200
    served = Counter(answer["dataset"]["version"] for *_, answer in answers)  # type: ignore[index]
    assert len(served) >= 8, served  # the load really spanned the publishes
    oracles = {f"v{i}": _version_points(i) for i in range(11)}
    for lon, lat, n, answer in answers:
        version = answer["dataset"]["version"]  # type: ignore[index]
        lons, lats, ids = oracles[version]
        expected = brute_force_nearest(lons, lats, ids, lon, lat, n)
        got = [result["id"] for result in answer["results"]]  # type: ignore[attr-defined]
        assert got == [ids[p] for p in expected.positions], (version, lon, lat)
    assert output.count("refused dataset v11-broken") == 2, output


def test_admin_reload_needs_the_token_swaps_at_once_and_refuses_a_corrupt_version(
    tmp_path: Path,
):
    _publish_version(tmp_path, 1)
    token = "test-token-" + "x" * 20
    app = create_app(Settings(data_dir=tmp_path, reload_interval_s=0, admin_token=token))
    with live_server(app) as url, httpx.Client(base_url=url, timeout=10) as http:
        assert http.post("/admin/reload").status_code == 401
        wrong = http.post("/admin/reload", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"].startswith("Bearer")
        auth = {"Authorization": f"Bearer {token}"}

        same = http.post("/admin/reload", headers=auth)
        assert same.status_code == 200 and same.json()["status"] == "unchanged"
        _publish_version(tmp_path, 2)  # no periodic check: only the endpoint swaps
        assert http.get("/readyz").json()["dataset"]["version"] == "v1"
        loaded = http.post("/admin/reload", headers=auth).json()
        assert (loaded["status"], loaded["version"], loaded["previous"]) == ("loaded", "v2", "v1")
        assert http.get("/readyz").json()["dataset"]["version"] == "v2"

        _corrupt_current(tmp_path, "v3-broken")
        refused = http.post("/admin/reload", headers=auth)
        assert refused.status_code == 409
        assert refused.json()["error"] == "reload_refused"
        assert (
            "v3-broken" in refused.json()["message"]
            and "still serving v2" in (refused.json()["message"])
        )
        ready = http.get("/readyz").json()
        assert ready["dataset"]["version"] == "v2" and ready["refused_version"] == "v3-broken"


def test_admin_endpoints_do_not_exist_without_a_token(tmp_path: Path):
    _publish_version(tmp_path, 1)
    app = create_app(Settings(data_dir=tmp_path, reload_interval_s=0))
    with live_server(app) as url:
        answer = httpx.post(f"{url}/admin/reload", headers={"Authorization": "Bearer x"})
        assert answer.status_code == 404


# --- The packed sidecar (geo/packed.py): served byte for byte as the GeoJSON, swapped whole.


def _sample_with_sidecar(tmp_path: Path) -> Path:
    """A data dir like the repository's, whose sample is republished with its sidecar."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    for item in REPO_DATA_DIR.iterdir():
        if item.name != "published":
            (data_dir / item.name).symlink_to(item)
    directory = published_dir(REPO_DATA_DIR) / golden_sample.SAMPLE_VERSION
    manifest = orjson.loads((directory / MANIFEST_NAME).read_bytes())
    features = orjson.loads((directory / GEOJSON_NAME).read_bytes())["features"]
    publish_dataset(
        data_dir, features, version=manifest["version"], source=manifest["source"],
        sample=manifest["sample"], builder=manifest["builder"], notes=manifest["notes"],
        built_at=datetime.fromisoformat(manifest["built_at"]), packed=True,
    )  # fmt: skip
    assert (published_dir(data_dir) / manifest["version"] / PACKED_NAME).exists()
    return data_dir


@pytest.fixture(scope="module")
def answers_from_geojson() -> list[dict[str, object]]:
    """Every answer of the golden test, from the committed sample (no sidecar), captured now:
    the comparison holds whatever other changes the recording is waiting for."""
    return golden._capture()


def test_the_sample_served_from_its_sidecar_answers_byte_for_byte_as_from_geojson(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, answers_from_geojson
):
    monkeypatch.setattr(golden, "REPO_DATA_DIR", _sample_with_sidecar(tmp_path))
    captured = golden._capture()
    assert len(captured) == len(answers_from_geojson) == len(golden.REQUESTS)
    for before, after in zip(answers_from_geojson, captured, strict=True):
        assert after == before, before["request"]


class _Recorded(logging.Handler):
    """The messages logged at `level` or above (the app's own handlers may write elsewhere)."""

    def __init__(self, level: int) -> None:
        super().__init__(level)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_reload_swaps_between_geojson_and_sidecar_versions_and_never_serves_a_bad_sidecar(
    tmp_path: Path,
):
    def publish(index: int) -> None:
        lons, lats, ids = _version_points(index)
        features = [
            make_feature(lon, lat, point_properties(point_id, row))
            for row, (lon, lat, point_id) in enumerate(
                zip(lons.tolist(), lats.tolist(), ids, strict=True), 1
            )
        ]
        publish_dataset(tmp_path, features, version=f"v{index}", source="tests", sample=True,
                        builder="tests", packed=index > 1)  # fmt: skip

    def check(http: httpx.Client, index: int) -> None:
        assert http.get("/readyz").json()["dataset"]["version"] == f"v{index}"
        lons, lats, ids = _version_points(index)
        answer = http.get("/nearest", params={"lat": 35, "lon": 112, "n": 5}).json()
        expected = brute_force_nearest(lons, lats, ids, 112.0, 35.0, 5)
        assert [r["id"] for r in answer["results"]] == [ids[p] for p in expected.positions]
        point = http.get(f"/points/{ids[7]}").json()
        assert point["point"]["id"] == ids[7] and point["point"]["lon"] == round(lons[7], 7)

    publish(1)  # GeoJSON only, as every version before the sidecar
    token = "test-token-" + "y" * 20
    app = create_app(Settings(data_dir=tmp_path, reload_interval_s=0, admin_token=token))
    auth = {"Authorization": f"Bearer {token}"}
    with live_server(app) as url, httpx.Client(base_url=url, timeout=10) as http:
        check(http, 1)
        publish(2)
        assert http.post("/admin/reload", headers=auth).json()["status"] == "loaded"
        check(http, 2)
        # v3's sidecar is altered on disk after publishing: its checksum no longer agrees.
        publish(3)
        sidecar = published_dir(tmp_path) / "v3" / PACKED_NAME
        data = bytearray(sidecar.read_bytes())
        data[len(data) // 2] ^= 0xFF
        sidecar.write_bytes(bytes(data))
        warnings = _Recorded(logging.WARNING)
        logging.getLogger("xunqin.dataset").addHandler(warnings)
        try:
            assert http.post("/admin/reload", headers=auth).json()["status"] == "loaded"
        finally:
            logging.getLogger("xunqin.dataset").removeHandler(warnings)
        check(http, 3)  # answered from points.geojson, exactly
    [warning] = warnings.messages
    assert "sha256 is" in warning and "reading points.geojson instead" in warning
