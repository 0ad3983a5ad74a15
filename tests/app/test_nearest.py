"""/nearest on a real server: exact against brute force, sample marking, schema."""

import httpx
import numpy as np
import pytest

from app.main import create_app
from app.models import NearestResponse
from app.settings import Settings
from geo.dataset import Dataset, load_current, make_feature, publish_dataset
from geo.query.reference import brute_force_nearest
from tests.support import (
    REPO_DATA_DIR,
    live_server,
    point_properties,
    publish_points,
    wait_until_ready,
)


class Located:
    """The sample's located points (the oracle's input) and their ids."""

    def __init__(self, dataset: Dataset) -> None:
        keep = np.array([p["precision"] != "province" for p in dataset.properties])
        self.lons, self.lats = dataset.lons[keep], dataset.lats[keep]
        self.ids = tuple(np.array(dataset.ids)[keep].tolist())
        self.unlocated = tuple(np.array(dataset.ids)[~keep].tolist())


@pytest.fixture(scope="module")
def sample():
    # Brute force over every point the sample can rank: those known only to their province
    # (2 in the sample) are never ranked, so the oracle does not see them either.
    located = Located(load_current(REPO_DATA_DIR))
    assert len(located.unlocated) == 2
    return located


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


def test_a_point_known_only_to_its_province_is_listed_but_never_ranked(tmp_path):
    # "seat" is placed at 长春 (吉林省's seat) because only its province is known: right where
    # the query is, yet no distance to it would be true. City level stays ranked and labelled.
    here = (125.3235, 43.8171)
    points = [
        ("seat", here, {"precision": "province", "adcode": "220000", "city": None,
                        "district": None, "phone_text": "010-6000001"}),
        ("county", (125.40, 43.90), {}),
        ("city", (125.60, 44.00), {"precision": "city", "adcode": "220100", "district": None}),
    ]  # fmt: skip
    features = [
        make_feature(*where, point_properties(pid, row, **changes))
        for row, (pid, where, changes) in enumerate(points, start=1)
    ]
    publish_dataset(tmp_path, features, version="v1", source="t", sample=True, builder="t")
    with live_server(create_app(Settings(data_dir=tmp_path, access_log=False))) as url:
        wait_until_ready(url)
        query = {"lat": here[1], "lon": here[0], "n": 50}
        nearest = httpx.get(f"{url}/nearest", params=query).json()
        batch = httpx.post(f"{url}/nearest/batch", json={"queries": [query, {**query, "n": 1}]})
        listed = httpx.get(f"{url}/points", params={"province": "吉林省"}).json()
        one = httpx.get(f"{url}/points/seat", params={"coord": "gcj02"}).json()
        regions = httpx.get(f"{url}/regions").json()

    assert [r["id"] for r in nearest["results"]] == ["county", "city"]
    assert all(r["located"] is True for r in nearest["results"])
    assert nearest["results"][1]["precision"] == "city"
    answers = [[r["id"] for r in a["results"]] for a in batch.json()["answers"]]
    assert answers == [["county", "city"], ["county"]]

    by_id = {point["id"]: point for point in listed["results"]}
    assert listed["total"] == 3 and set(by_id) == {"seat", "county", "city"}
    seat = by_id["seat"]
    assert seat["located"] is False and seat["precision"] == "province"
    assert seat["lat"] is None and seat["lon"] is None and seat["navigation"] is None
    assert [c["number"] for c in seat["calls"]] == ["010-6000001"]  # still reachable by phone
    assert one["point"]["located"] is False and one["point"]["lat"] is None
    assert by_id["city"]["located"] is True and by_id["city"]["lat"] == 44.0
    assert regions["provinces"][0]["points"] == 3  # counted where it is listed
