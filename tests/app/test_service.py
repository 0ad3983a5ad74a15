"""Service behaviour: browsing, lookup, health, readiness, docs, start-up and privacy."""

import json
import logging
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from app.logs import JsonFormatter
from app.main import create_app
from app.models import PointListResponse, PointResponse, Ready, RegionsResponse
from app.settings import Settings
from geo.dataset import GEOJSON_NAME, published_dir
from tests.support import REPO_DATA_DIR, free_port, live_server, publish_points, wait_until_ready


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def test_points_browse_pages_cover_every_point_once_in_stable_order(client):
    first = PointListResponse.model_validate_json(
        client.get("/points", params={"province": "吉林", "limit": 7}).content
    )
    assert first.total > 7 and len(first.results) == 7
    seen = []
    for offset in range(0, first.total, 7):
        page = client.get("/points", params={"province": "吉林", "limit": 7, "offset": offset})
        seen += [p.id for p in PointListResponse.model_validate_json(page.content).results]
    assert len(seen) == first.total == len(set(seen))
    again = client.get("/points", params={"province": "吉林省", "limit": 200}).json()
    assert [p["id"] for p in again["results"]] == seen
    assert all(p["province"] == "吉林省" for p in again["results"])


def test_points_by_adcode_and_city(client):
    by_code = client.get("/points", params={"adcode": "220100", "limit": 200}).json()
    by_city = client.get("/points", params={"city": "长春市", "limit": 200}).json()
    assert by_code["total"] == by_city["total"] > 1
    assert all(p["adcode"].startswith("2201") for p in by_code["results"])
    assert by_code["dataset"]["sample"] is True


def test_point_by_id_matches_nearest_result(client):
    nearest = client.get("/nearest", params={"lat": 30.59, "lon": 114.30, "n": 1}).json()
    hit = nearest["results"][0]
    body = PointResponse.model_validate_json(client.get(f"/points/{hit['id']}").content)
    assert body.point.id == hit["id"] and body.point.lat == hit["lat"]
    assert body.dataset.sample is True and body.notice


def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = Ready.model_validate_json(client.get("/readyz").content)
    assert ready.dataset.points > 3000 and ready.dataset.sample is True


@pytest.mark.parametrize(
    "path",
    ["/healthz", "/readyz", "/nearest?lat=43.8&lon=125.3&n=3", "/points?limit=2",
     "/points/sample-220100", "/regions", "/metrics"],
)  # fmt: skip
def test_head_answers_like_get_without_a_body(client, path: str):
    get, head = client.get(path), client.head(path)
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    if path != "/metrics":  # the scrape itself changes the counters
        assert int(head.headers["content-length"]) == len(get.content)


def test_head_twins_stay_out_of_the_schema_and_405_still_names_get(client):
    spec = client.get("/openapi.json").json()
    assert not [path for path, ops in spec["paths"].items() if "head" in ops]
    refused = client.post("/healthz")
    assert refused.status_code == 405 and refused.headers["allow"] == "GET"


def test_openapi_and_docs(client):
    spec = client.get("/openapi.json").json()
    for path in ("/nearest", "/points", "/points/{point_id}", "/healthz", "/readyz"):
        assert path in spec["paths"]
    params = {p["name"]: p for p in spec["paths"]["/nearest"]["get"]["parameters"]}
    assert "纬度" in params["lat"]["description"] and "Latitude" in params["lat"]["description"]
    assert params["lat"]["example"] == 43.8171
    assert params["n"]["schema"]["maximum"] == 50
    assert client.get("/docs").status_code == 200


@pytest.mark.parametrize(
    ("damage", "fragment"),
    [
        (lambda d: (d / "CURRENT").unlink(), "no published dataset"),
        (lambda d: (d / "v1" / GEOJSON_NAME).write_text("{}"), "sha256"),
    ],
)
def test_missing_or_corrupt_dataset_is_503_with_reason_not_a_crash(
    tmp_path: Path, damage, fragment
):
    publish_points(tmp_path, [125.3], [43.8], ["a"], version="v1")
    damage(published_dir(tmp_path))
    collect = _Collect()
    logging.getLogger("xunqin").addHandler(collect)
    try:
        with live_server(create_app(Settings(data_dir=tmp_path, access_log=False))) as url:
            assert httpx.get(f"{url}/healthz").status_code == 200
            ready = httpx.get(f"{url}/readyz")
            nearest = httpx.get(f"{url}/nearest", params={"lat": 43, "lon": 125})
    finally:
        logging.getLogger("xunqin").removeHandler(collect)
    for response in (ready, nearest):
        assert response.status_code == 503
        message = response.json()["message"]
        assert "service log" in message
        assert str(tmp_path) not in message  # server paths stay out of public answers
    assert any(fragment in line and "cannot load" in line for line in collect.lines)


def test_logs_hold_no_coordinate_finer_than_two_decimals(tmp_path: Path):
    publish_points(tmp_path, [125.3], [43.8], ["a"], version="v1")
    collect = _Collect()
    collect.setFormatter(JsonFormatter())  # the service's own JSON lines
    for name in ("xunqin", "uvicorn", "uvicorn.access", "uvicorn.error"):
        logging.getLogger(name).addHandler(collect)
    try:
        with live_server(create_app(Settings(data_dir=tmp_path, access_log=True))) as url:
            for query in ("lat=43.8171234&lon=125.3235678", "lat=91.123456&lon=1.987654",
                          "lat=43.81712&lon=abc.123456",
                          # a typed address is a location too: never logged, in any form
                          "lat=43.8171234&lon=125.3235678&address=吉林省长春市朝阳区人民大街7188号",
                          "address=长春市南关区 43.8171234,125.3235678"):  # fmt: skip
                httpx.get(f"{url}/nearest?{query}")
    finally:
        for name in ("xunqin", "uvicorn", "uvicorn.access", "uvicorn.error"):
            logging.getLogger(name).removeHandler(collect)
    access = [json.loads(line) for line in collect.lines if '"route":"/nearest"' in line]
    assert len(access) == 5
    assert (access[0]["lat"], access[0]["lon"]) == (43.82, 125.32)
    for line in collect.lines:
        record = json.loads(line)
        # The timestamp's fractional seconds are the one number allowed more digits.
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00", record.pop("ts"))
        text = json.dumps(record, ensure_ascii=False)
        assert not re.search(r"\d+\.\d{3,}", text), line
        assert "address" not in text and "人民大街" not in text and "南关" not in text, line


def test_uvicorn_factory_command_serves_the_bundled_sample(tmp_path: Path):
    """The README's serve command, minus the venv set-up: ready, then a clean shutdown."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("XUNQIN_")}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "app.main:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
        ],
        cwd=tmp_path,  # the default data directory must not depend on the working directory
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        body = wait_until_ready(f"http://127.0.0.1:{port}").json()
        assert (
            body["dataset"]["version"]
            == (REPO_DATA_DIR / "published" / "CURRENT").read_text().strip()
        )
    finally:
        server.send_signal(signal.SIGINT)
        output = server.communicate(timeout=30)[0].decode()
    assert server.returncode == 0, output
    assert "serving dataset" in output and "SAMPLE" in output


def test_regions_cover_every_point_and_each_area_browses_to_itself(client):
    body = RegionsResponse.model_validate_json(client.get("/regions").content)
    assert body.dataset.sample is True
    assert sum(province.points for province in body.provinces) == body.dataset.points
    jilin = next(p for p in body.provinces if p.name == "吉林省")
    assert jilin.adcode == "220000" and "长春市" in [a.name for a in jilin.areas]
    for province in body.provinces[:8]:
        assert sum(area.points for area in province.areas) == province.points
        for area in province.areas:
            listing = client.get("/points", params={"adcode": area.adcode, "limit": 1}).json()
            assert listing["total"] == area.points, (province.name, area)
