"""/metrics: Prometheus text format, route templates not raw paths, dataset and reload metrics,
and counts added up over several uvicorn workers in multiprocess mode."""

import signal
import subprocess
import sys
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from app.main import create_app
from app.metrics import record_dataset, record_reload
from app.settings import Settings
from tests.support import (
    REPO_DATA_DIR,
    free_port,
    live_server,
    wait_until_ready,
    worker_environment,
)


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a scrape, keyed by name and labels (the parser also checks the format)."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def requests_counted(scrape: dict, route: str, status: str) -> float:
    return sum(
        value
        for (name, labels), value in scrape.items()
        if name == "xunqin_http_requests_total"
        and ("route", route) in labels
        and ("status", status) in labels
    )


def test_metrics_count_requests_by_route_template_and_status():
    with live_server(create_app(Settings(data_dir=REPO_DATA_DIR))) as url:
        before = samples(httpx.get(f"{url}/metrics").text)
        for _ in range(3):
            assert (
                httpx.get(f"{url}/nearest", params={"lat": 43.8, "lon": 125.3}).status_code == 200
            )
        assert httpx.get(f"{url}/nearest", params={"lat": 91, "lon": 0}).status_code == 422
        assert httpx.get(f"{url}/points/sample-220104").status_code == 200
        assert httpx.get(f"{url}/no/such/path-12345").status_code == 404
        response = httpx.get(f"{url}/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    after = samples(response.text)

    def delta(route: str, status: str) -> float:
        return requests_counted(after, route, status) - requests_counted(before, route, status)

    assert delta("/nearest", "200") == 3
    assert delta("/nearest", "422") == 1
    assert delta("/points/{point_id}", "200") == 1
    assert delta("<unmatched>", "404") == 1
    # Raw paths never become labels: they would be unbounded (and an id says where someone looked).
    assert "sample-220104" not in response.text and "12345" not in response.text
    histogram = [
        key for key in after
        if key[0] == "xunqin_http_request_duration_seconds_count"
        and ("route", "/nearest") in key[1]
    ]  # fmt: skip
    assert histogram


def test_metrics_are_not_in_the_openapi_schema():
    with live_server(create_app(Settings(data_dir=REPO_DATA_DIR))) as url:
        paths = httpx.get(f"{url}/openapi.json").json()["paths"]
    assert "/metrics" not in paths and "/nearest" in paths


def test_dataset_and_reload_metrics():
    record_dataset("test-old", points=10, sample=False, load_seconds=0.2)
    record_dataset("test-new", points=3182, sample=True, load_seconds=0.4)
    record_reload(ok=True, seconds=0.5)
    record_reload(ok=False, seconds=0.1, reason="invalid")
    record_reload(ok=False, seconds=0.1, reason="/srv/data/v2: checksum mismatch 1234")
    with live_server(create_app(Settings(data_dir=REPO_DATA_DIR))) as url:
        text = httpx.get(f"{url}/metrics").text
    scrape = samples(text)
    # The live app loaded the sample itself only if the lead wired record_dataset; these are ours.
    assert scrape[("xunqin_dataset_info", frozenset({("version", "test-old")}))] == 0
    assert ("xunqin_dataset_reload_failures_total", frozenset({("reason", "invalid")})) in scrape
    assert ("xunqin_dataset_reload_failures_total", frozenset({("reason", "other")})) in scrape
    assert "/srv/data" not in text  # free-text reasons are not labels
    assert scrape[("xunqin_dataset_load_duration_seconds_count", frozenset())] >= 2
    assert scrape[("xunqin_dataset_reloads_total", frozenset({("result", "ok")}))] >= 1


def test_multiprocess_mode_adds_up_every_worker(tmp_path: Path):
    env, metrics_dir = worker_environment(tmp_path, "mp-1")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app",
         "--host", "127.0.0.1", "--port", str(port), "--workers", "2", "--no-access-log"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_ready(url)
        # A fresh connection per request spreads them over both workers.
        for _ in range(40):
            assert httpx.get(f"{url}/nearest", params={"lat": 44, "lon": 126}).status_code == 200
        scrapes = [samples(httpx.get(f"{url}/metrics").text) for _ in range(4)]
    finally:
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=30)[0].decode()
    assert server.returncode == 0, output
    # Whichever worker answered the scrape, it reports all 40.
    assert [requests_counted(s, "/nearest", "200") for s in scrapes] == [40] * 4
    assert len({path.name.split("_")[-1] for path in metrics_dir.glob("counter_*.db")}) == 2
