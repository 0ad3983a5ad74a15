"""coord=wgs84|gcj02|bd09: the same place in any system gives the same answer."""

import numpy as np
import pytest

from app.models import NearestResponse, PointListResponse, PointResponse
from geo.core.crs import Crs, from_wgs84
from geo.dataset import load_current
from tests.support import REPO_DATA_DIR

PLACES = [
    # (lon, lat) in WGS-84
    (125.3235, 43.8171),  # 长春 Changchun
    (114.0579, 22.5431),  # 深圳 Shenzhen, next to Hong Kong
    (126.5350, 45.8038),  # 哈尔滨 Harbin, high latitude
    (87.6168, 43.8256),  # 乌鲁木齐 Urumqi, far west
    (109.5119, 18.2528),  # 三亚 Sanya, far south
]


@pytest.mark.parametrize(("lon", "lat"), PLACES)
def test_same_place_in_three_systems_same_ids_and_distances(client, lon, lat):
    answers = {}
    for crs in Crs:
        q_lon, q_lat = from_wgs84(lon, lat, target=crs)
        response = client.get(
            "/nearest", params={"lat": q_lat, "lon": q_lon, "n": 10, "coord": crs.value}
        )
        assert response.status_code == 200, response.text
        answers[crs] = NearestResponse.model_validate_json(response.content)
        assert answers[crs].query.coord == crs.value
    wgs = answers[Crs.WGS84]
    for crs in (Crs.GCJ02, Crs.BD09):
        assert [r.id for r in answers[crs].results] == [r.id for r in wgs.results]
        np.testing.assert_allclose(
            [r.distance_m for r in answers[crs].results],
            [r.distance_m for r in wgs.results],
            rtol=0,
            atol=0.5,
        )


@pytest.mark.parametrize("crs", list(Crs))
def test_result_coordinates_come_back_in_the_callers_system(client, crs):
    dataset = load_current(REPO_DATA_DIR)
    body = NearestResponse.model_validate_json(
        client.get("/nearest", params={"lat": 30.59, "lon": 114.30, "coord": crs.value}).content
    )
    for result in body.results:
        position = dataset.ids.index(result.id)
        want_lon, want_lat = from_wgs84(dataset.lons[position], dataset.lats[position], target=crs)
        assert result.lon == pytest.approx(want_lon, abs=1e-7)
        assert result.lat == pytest.approx(want_lat, abs=1e-7)
    point = PointResponse.model_validate_json(
        client.get(f"/points/{body.results[0].id}", params={"coord": crs.value}).content
    )
    assert point.coord == crs.value and point.point.lon == body.results[0].lon
    listing = PointListResponse.model_validate_json(
        client.get("/points", params={"adcode": "420100", "coord": crs.value}).content
    )
    assert listing.coord == crs.value


def test_unknown_coordinate_system_is_named_in_the_error(client):
    response = client.get("/nearest", params={"lat": 30, "lon": 114, "coord": "mercator"})
    assert response.status_code == 422
    assert "coord must be one of wgs84, gcj02, bd09" in response.json()["message"]
    assert client.get("/points", params={"coord": "utm"}).status_code == 422


def test_results_carry_navigation_links(client):
    body = client.get("/nearest", params={"lat": 43.8171, "lon": 125.3235, "n": 1}).json()
    navigation = body["results"][0]["navigation"]
    assert navigation["amap"].startswith("https://uri.amap.com/marker?")
    assert navigation["baidu"].startswith("https://api.map.baidu.com/marker?")
    assert navigation["tencent"].startswith("https://apis.map.qq.com/uri/v1/marker?")
    assert navigation["geo"].startswith("geo:")
    assert body["results"][0]["calls"] == []  # the sample has no phones
