"""Helpers shared by tests: tiny datasets on disk and a real uvicorn on loopback."""

import importlib.util
import os
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from geo.dataset import PointRecord, make_feature, publish_dataset

REPO_DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def point_properties(point_id: str, row: int, **overrides: Any) -> dict[str, Any]:
    """Properties of a made-up test point; placeholders only, no real contacts."""
    record = PointRecord(
        id=point_id,
        name=f"测试单位 {point_id}",
        address="测试地址（测试数据）",
        province="吉林省",
        city="长春市",
        district="九台区",
        adcode="220113",
        contact=None,
        phones=(),
        phone_text="",
        precision="county",
        source_row=row,
    )
    return {**record.to_properties(), **overrides}


def publish_points(
    data_dir: Path,
    lons: Sequence[float],
    lats: Sequence[float],
    ids: Sequence[str],
    *,
    version: str = "test-1",
    sample: bool = True,
) -> None:
    features = [
        make_feature(lon, lat, point_properties(point_id, row))
        for row, (lon, lat, point_id) in enumerate(zip(lons, lats, ids, strict=True), start=1)
    ]
    publish_dataset(
        data_dir, features, version=version, source="tests", sample=sample, builder="tests"
    )


def worker_environment(tmp_path: Path, version: str) -> tuple[dict[str, str], Path]:
    """Environment for uvicorn workers in a subprocess: a two-point dataset under `tmp_path`
    and an empty Prometheus multiprocess directory; no XUNQIN_* or PROMETHEUS_* from outside."""
    data_dir = tmp_path / "data"
    publish_points(data_dir, [125.3, 126.5], [43.8, 45.7], ["a", "b"], version=version)
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XUNQIN_", "PROMETHEUS_"))}
    env |= {"XUNQIN_DATA_DIR": str(data_dir), "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    return env, metrics_dir


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def live_server(app: FastAPI, **options: Any) -> Iterator[str]:
    """Serve `app` with a real uvicorn in a thread on 127.0.0.1; yield its base URL.

    `options` go to `uvicorn.Config` (e.g. the proxy-header settings a test is about)."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=free_port(), log_level="warning", lifespan="on", **options
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def wait_until_ready(base_url: str, timeout_s: float = 60) -> httpx.Response:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            response = httpx.get(f"{base_url}/readyz", timeout=5)
            if response.status_code == 200:
                return response
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{base_url}/readyz not ready after {timeout_s} s")
        time.sleep(0.05)


def installed(distribution_name: str) -> bool:
    try:
        distribution(distribution_name)
    except PackageNotFoundError:
        return False
    return True


def load_script(name: str) -> ModuleType:
    """Load `scripts/<name>.py` from its file, as `python scripts/<name>.py` would."""
    path = REPO_DATA_DIR.parent / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
