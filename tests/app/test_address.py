"""/nearest?address=: people without GPS type a place; it is resolved offline to a division seat."""

import httpx
import pytest

from geo.core.crs import Crs, from_wgs84
from geo.core.divisions import load_divisions


@pytest.mark.parametrize(
    ("text", "adcode", "precision", "resolved"),
    [
        ("长沙", "430100", "city", "湖南省 长沙市"),
        ("湖南省岳麓区", "430104", "county", "湖南省 长沙市 岳麓区"),
        ("北京朝阳", "110105", "county", "北京市 朝阳区"),
        ("吉林省长春市九台市", "220113", "county", "吉林省 长春市 九台区"),  # a stale name
        ("城步县", "430529", "county", "湖南省 邵阳市 城步苗族自治县"),  # autonomous, short
        ("湖南省", "430000", "province", "湖南省"),
    ],
)
def test_a_typed_place_is_searched_from_its_seat(
    client: httpx.Client, text: str, adcode: str, precision: str, resolved: str
):
    body = client.get("/nearest", params={"address": text, "n": 3}).json()
    query = body["query"]
    assert query["address"] == text
    assert query["resolved"] == {"text": resolved, "precision": precision, "adcode": adcode}
    seat = load_divisions()[adcode]
    assert (query["lon"], query["lat"]) == pytest.approx((seat.lon, seat.lat), abs=1e-6)
    same = client.get("/nearest", params={"lat": seat.lat, "lon": seat.lon, "n": 3}).json()
    assert [r["id"] for r in body["results"]] == [r["id"] for r in same["results"]]
    assert [r["distance_m"] for r in body["results"]] == pytest.approx(
        [r["distance_m"] for r in same["results"]], abs=0.01
    )


def test_the_seat_is_given_back_in_the_callers_coordinate_system(client: httpx.Client):
    body = client.get("/nearest", params={"address": "岳麓区", "coord": "gcj02"}).json()
    seat = load_divisions()["430104"]
    lon, lat = from_wgs84(seat.lon, seat.lat, target=Crs.GCJ02)
    assert (body["query"]["lon"], body["query"]["lat"]) == pytest.approx((lon, lat), abs=1e-6)
    assert body["query"]["coord"] == "gcj02"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"address": "朝阳区"}, "names no single province, city or county"),  # two cities
        ({"address": "不存在的地方"}, "names no single province, city or county"),
        ({"address": "   "}, "address must be a place name"),
        ({"address": "长" * 101}, "address must be a place name"),
        ({"address": "长沙", "lat": "28", "lon": "113"}, "not both"),
        ({"n": "3"}, "lat is required (or give address instead of lat and lon)"),
    ],
)
def test_an_unusable_address_gets_a_422_that_says_what_to_do(
    client: httpx.Client, params: dict[str, str], message: str
):
    answer = client.get("/nearest", params=params)
    assert answer.status_code == 422
    body = answer.json()
    assert message in body["message"]
    assert body["errors"][0]["param"] in ("address", "lat")


def test_batch_items_take_an_address_too(client: httpx.Client):
    answer = client.post(
        "/nearest/batch",
        json={"queries": [{"address": "长沙市", "n": 1}, {"address": "朝阳区"}, {"lat": 1}]},
    ).json()["answers"]
    assert answer[0]["ok"] and answer[0]["query"]["resolved"]["adcode"] == "430100"
    assert not answer[1]["ok"] and answer[1]["error"]["errors"][0]["param"] == "address"
    assert not answer[2]["ok"]
