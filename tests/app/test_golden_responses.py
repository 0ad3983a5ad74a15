"""Every endpoint's answer to a fixed set of requests on the sample, byte for byte.

The recording in golden/sample_responses.json was made by the code before a refactor; this test
holds later code to it, so "behaviour unchanged" is checked, not claimed. Only headers that
differ per request (date, request id) are left out. After a deliberate change of an answer,
re-record with `XUNQIN_RECORD_GOLDEN=1 python -m pytest tests/app/test_golden_responses.py`
and say in the commit which answers changed and why.
"""

import json
import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.main import create_app
from app.settings import Settings
from tests.support import REPO_DATA_DIR, live_server, wait_until_ready

GOLDEN_PATH = Path(__file__).parent / "golden" / "sample_responses.json"
RECORD = os.environ.get("XUNQIN_RECORD_GOLDEN") == "1"  # read before the autouse env cleaner
ADMIN_TOKEN = "golden-test-admin-token-0123456789"
VOLATILE_HEADERS = {"date", "x-request-id", "server", "content-length"}

# (method, path, JSON body or None); each pins one answer a client depends on.
REQUESTS: list[tuple[str, str, Any]] = [
    ("GET", "/healthz", None),
    ("GET", "/readyz", None),
    ("GET", "/nearest?lat=43.8171&lon=125.3235&n=2", None),  # README example
    ("GET", "/nearest?lat=39.9087&lon=116.3975", None),  # default n, Beijing
    ("GET", "/nearest?lat=22.5431&lon=114.0579&n=10&coord=gcj02", None),  # GCJ-02 in and out
    ("GET", "/nearest?lat=30.6586&lon=104.0648&n=3&coord=bd09", None),  # BD-09 in and out
    ("GET", "/nearest?lat=31.23&lon=121.47&n=50&radius_m=20000", None),  # radius cuts the list
    ("GET", "/nearest?lat=22.3193&lon=114.1694&n=3", None),  # Hong Kong: no offset outside
    ("GET", "/nearest?lat=53.0&lon=80.0&n=1&radius_m=1000", None),  # nothing within radius
    ("GET", "/nearest?address=长沙县&n=3", None),  # county seat
    ("GET", "/nearest?address=北京朝阳区&n=2&coord=gcj02", None),  # district with its city
    ("GET", "/nearest?address=朝阳区", None),  # ambiguous name: 422
    ("GET", "/nearest?address=火星&n=1", None),  # unknown name: 422
    ("GET", "/nearest?lat=91.5&lon=120", None),  # out of range
    ("GET", "/nearest?lat=nan&lon=120", None),  # NaN
    ("GET", "/nearest?lat=30&lon=120&n=51", None),  # n over the limit
    ("GET", "/nearest?lat=30&lon=120&n=0", None),
    ("GET", "/nearest?lat=30", None),  # lon missing
    ("GET", "/nearest?lat=30&lon=120&address=长沙县", None),  # both ways at once
    ("GET", "/nearest?lat=30&lon=120&coord=utm", None),  # unknown coordinate system
    ("GET", "/nearest?lat=30&lon=120&radius_m=-1", None),
    (
        "POST",
        "/nearest/batch",
        {
            "queries": [
                {"lat": 43.8171, "lon": 125.3235, "n": 3},
                {"lat": 95, "lon": 120},
                {"address": "岳麓区", "n": 1, "coord": "bd09"},
                {"lat": 23.13, "lon": 113.26, "n": 2, "coord": "gcj02", "radius_m": 50000},
                "not an object",
            ]
        },
    ),
    ("POST", "/nearest/batch", {"queries": []}),  # empty batch
    ("POST", "/nearest/batch", {"nothing": 1}),  # no queries field
    ("GET", "/points/sample-220100", None),
    ("GET", "/points/sample-430121?coord=gcj02", None),
    ("GET", "/points/no-such-point", None),
    ("GET", "/points?province=吉林省&limit=5", None),
    ("GET", "/points?province=吉林&city=长春市&limit=3&offset=2&coord=bd09", None),
    ("GET", "/points?adcode=4301&limit=100", None),
    ("GET", "/points?adcode=12345", None),  # odd number of digits: 422
    ("GET", "/points?province=%20", None),  # blank name: 422
    ("GET", "/points?limit=201", None),
    ("GET", "/regions", None),
    ("GET", "/openapi.json", None),
    ("GET", "/no/such/path", None),
    ("POST", "/healthz", None),  # wrong method
    ("POST", "/admin/reload", None),  # without the token
]


def _capture() -> list[dict[str, Any]]:
    app = create_app(Settings(data_dir=REPO_DATA_DIR, admin_token=ADMIN_TOKEN, reload_interval_s=0))
    captured = []
    with live_server(app) as url, httpx.Client(base_url=url, timeout=60) as client:
        wait_until_ready(url)
        client.get("/nearest?address=长沙县&n=1")  # waits for the offline geocoder to load
        for method, path, body in REQUESTS:
            response = client.request(method, path, json=body)
            headers = {
                name: value
                for name, value in sorted(response.headers.items())
                if name not in VOLATILE_HEADERS
            }
            captured.append(
                {
                    "request": [method, path, body],
                    "status": response.status_code,
                    "headers": headers,
                    "body": response.content.decode("utf-8"),
                }
            )
    return captured


def test_answers_match_the_recording() -> None:
    captured = _capture()
    if RECORD:
        GOLDEN_PATH.parent.mkdir(exist_ok=True)
        GOLDEN_PATH.write_text(
            json.dumps(captured, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
        pytest.skip(f"recorded {len(captured)} answers into {GOLDEN_PATH}")
    recorded = json.loads(GOLDEN_PATH.read_text(encoding="utf-8"))
    assert [entry["request"] for entry in recorded] == [entry["request"] for entry in captured]
    for before, after in zip(recorded, captured, strict=True):
        # One assertion per field, so a failure names the request and what changed.
        assert after["status"] == before["status"], before["request"]
        assert after["headers"] == before["headers"], before["request"]
        assert after["body"] == before["body"], before["request"]


def test_recording_covers_answers_that_can_differ() -> None:
    """The recording is not a pile of identical errors: it holds real results and real refusals."""
    recorded = json.loads(GOLDEN_PATH.read_text(encoding="utf-8"))
    statuses = {entry["status"] for entry in recorded}
    assert {200, 404, 405, 422} <= statuses
    nearest = [json.loads(e["body"]) for e in recorded if e["request"][1].startswith("/nearest?")]
    assert sum(1 for answer in nearest if answer.get("results")) >= 8
