"""/regions and /points over the committed sample: every area browses to exactly its points,
and the points known only to their province are an area of their own, never mixed in."""

import httpx

from app.models import PointListResponse, RegionsResponse
from geo.query.catalogue import DIRECTLY_ADMINISTERED, NOT_LOCATED_AREA


def test_every_area_browses_to_exactly_its_points(client: httpx.Client) -> None:
    body = RegionsResponse.model_validate_json(client.get("/regions").content)
    assert sum(province.points for province in body.provinces) == body.dataset.points
    for province in body.provinces:
        assert sum(area.points for area in province.areas) == province.points
        assert [area.located for area in province.areas].count(False) <= 1
        for area in province.areas:
            query = {"adcode": area.adcode, "located": str(area.located).lower(), "limit": 200}
            listing = PointListResponse.model_validate_json(
                client.get("/points", params=query).content
            )
            assert listing.total == area.points, (province.name, area)
            assert {point.province for point in listing.results} == {province.name}
            assert {point.located for point in listing.results} == {area.located}


def test_points_known_only_to_their_province_are_listed_apart(client: httpx.Client) -> None:
    # The sample has two 兵团 cities with no seat in its tables (新星市, 白杨市): placed only
    # at the region's centre, they are not among the region's directly administered units.
    provinces = client.get("/regions").json()["provinces"]
    xinjiang = next(p for p in provinces if p["name"] == "新疆维吾尔自治区")
    direct = next(a for a in xinjiang["areas"] if a["name"] == DIRECTLY_ADMINISTERED)
    unlocated = xinjiang["areas"][-1]
    assert unlocated == {
        "name": NOT_LOCATED_AREA, "adcode": "650000", "points": 2, "located": False
    }  # fmt: skip
    assert direct["located"] is True and direct["adcode"] == "659000"
    listing = client.get("/points", params={"adcode": "650000", "located": "false"}).json()
    assert [point["district"] for point in listing["results"]] == ["新星市", "白杨市"]
    assert all(point["lat"] is None and point["navigation"] is None for point in listing["results"])
    direct_points = client.get("/points", params={"adcode": "659000", "located": "true"}).json()
    assert direct_points["total"] == direct["points"]
    assert "新星市" not in [point["district"] for point in direct_points["results"]]
    # Without the filter a code lists everything under it, as before.
    whole = client.get("/points", params={"adcode": "650000", "limit": 1}).json()
    assert whole["total"] == xinjiang["points"]


def test_located_filter_is_checked_and_documented(client: httpx.Client) -> None:
    refused = client.get("/points", params={"located": "maybe"})
    assert refused.status_code == 422
    assert refused.json()["message"] == "located must be true or false, got 'maybe'"
    spec = client.get("/openapi.json").json()
    params = {p["name"]: p for p in spec["paths"]["/points"]["get"]["parameters"]}
    assert params["located"]["required"] is False
    assert "false" in params["located"]["description"]
    area = spec["components"]["schemas"]["Area"]
    assert "located" in area["required"] and area["properties"]["located"]["type"] == "boolean"
