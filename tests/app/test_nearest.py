"""/nearest on a real server: exact against brute force, sample marking, schema."""

import httpx
import numpy as np
import pytest

from app.main import create_app
from app.models import NearestResponse
from app.settings import Settings
from geo.dataset import load_current
from geo.query.reference import brute_force_nearest
from tests.support import REPO_DATA_DIR, live_server, publish_points, wait_until_ready


@pytest.fixture(scope="module")
def sample():
    return load_current(REPO_DATA_DIR)


def test_nearest_over_http_equals_brute_force(client, sample):
    lons, lats, keys = sample.lons, sample.lats, np.array(sample.ids)
    rng = np.random.default_rng(7)
    q_lons = np.concatenate([rng.uniform(73, 135, 500), rng.uniform(115, 135, 500)])
    q_lats = np.concatenate([rng.uniform(18, 54, 500), rng.uniform(45, 53, 500)])
    ns = rng.integers(1, 51, size=1_000)
    for lon, lat, n in zip(q_lons.tolist(), q_lats.tolist(), ns.tolist(), strict=True):
        response = client.get("/nearest", params={"lat": lat, "lon": lon, "n": n})
        assert response.status_code == 200
        body = NearestResponse.model_validate_json(response.content)
        want = brute_force_nearest(lons, lats, keys, lon, lat, n)
        assert [r.id for r in body.results] == [sample.ids[p] for p in want.positions]
        np.testing.assert_allclose(
            [r.distance_m for r in body.results], want.distances_m, rtol=0, atol=1e-3
        )
        assert body.query.lat == lat and body.query.lon == lon and body.query.n == n


def test_radius_limits_results_and_keeps_order(client, sample):
    lons, lats, keys = sample.lons, sample.lats, np.array(sample.ids)
    rng = np.random.default_rng(8)
    for lon, lat, radius in zip(
        rng.uniform(100, 125, 100).tolist(),
        rng.uniform(22, 45, 100).tolist(),
        rng.uniform(0, 150_000, 100).tolist(),
        strict=True,
    ):
        body = client.get(
            "/nearest", params={"lat": lat, "lon": lon, "n": 50, "radius_m": radius}
        ).json()
        want = brute_force_nearest(lons, lats, keys, lon, lat, 50, max_distance_m=radius)
        assert [r["id"] for r in body["results"]] == [sample.ids[p] for p in want.positions]
        assert all(r["distance_m"] <= radius for r in body["results"])


def test_result_carries_region_phones_precision_and_sample_marking(client):
    # A point in 长春市 (Changchun): the nearest is a bureau of 长春 itself.
    body = client.get("/nearest", params={"lat": 43.8171, "lon": 125.3235}).json()
    assert len(body["results"]) == 5
    first = body["results"][0]
    assert first["city"] == "长春市" and first["province"] == "吉林省"
    assert first["adcode"].startswith("2201")
    assert first["phones"] == [] and first["contact"] is None  # sample data invents no contacts
    assert first["precision"] in {"county", "city"}
    assert body["dataset"]["sample"] is True
    assert "样例数据" in body["notice"] and "Sample data" in body["notice"]
    distances = [r["distance_m"] for r in body["results"]]
    assert distances == sorted(distances)


def test_default_n_and_n_beyond_dataset_size(client, tmp_path):
    assert len(client.get("/nearest", params={"lat": 30, "lon": 114}).json()["results"]) == 5
    # Three points, asked for 50: every point comes back, nearest first.
    publish_points(tmp_path, [125.3, 126.5, 124.0], [43.8, 45.7, 43.0], ["mid", "far", "near"])
    with live_server(create_app(Settings(data_dir=tmp_path, access_log=False))) as url:
        wait_until_ready(url)
        body = httpx.get(f"{url}/nearest", params={"lat": 42.9, "lon": 123.9, "n": 50}).json()
    assert [r["id"] for r in body["results"]] == ["near", "mid", "far"]
    distances = [r["distance_m"] for r in body["results"]]
    assert distances == sorted(distances) and body["query"]["n"] == 50


def test_far_away_query_still_answers_exactly(client, sample):
    # From Buenos Aires every point is over 10,000 km away, across the globe: still exact.
    body = client.get("/nearest", params={"lat": -34.6, "lon": -58.4, "n": 3}).json()
    want = brute_force_nearest(sample.lons, sample.lats, np.array(sample.ids), -58.4, -34.6, 3)
    assert [r["id"] for r in body["results"]] == [sample.ids[p] for p in want.positions]
    assert body["results"][0]["distance_m"] > 10_000_000
