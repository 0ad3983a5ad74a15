"""geopy's BaiduV3 (aimed by domain) and Nominatim as placers, against loopback servers."""

import math

import pytest
from geopy.exc import (
    GeocoderInsufficientPrivileges,
    GeocoderRateLimited,
    GeocoderTimedOut,
)

from geo.core.crs import bd09_to_wgs84, wgs84_to_bd09
from geo.geocode.base import GeocodeQuery
from geo.geocode.registry import GeocoderConfigError, make_placer
from tests.geo.geocode.conftest import ProviderServer, Reply, Request, placer_for

ADDRESS = "四川省成都市武侯区示例街4号"
WGS_LON, WGS_LAT = 104.0436, 30.6420


def baidu_ok(level: str = "门址", precise: int = 1, confidence: int = 80) -> dict[str, object]:
    bd_lon, bd_lat = wgs84_to_bd09(WGS_LON, WGS_LAT)
    return {
        "status": 0,
        "result": {
            "location": {"lng": float(bd_lon), "lat": float(bd_lat)},
            "precise": precise,
            "confidence": confidence,
            "comprehension": 100,
            "level": level,
        },
    }


def baidu_like(request: Request) -> Reply:
    if request.params.get("ak") != "test-key":
        return Reply({"status": 200, "message": "APP不存在，AK有误请检查再重试"})
    if request.params.get("address") == ADDRESS:
        return Reply(baidu_ok())
    return Reply({"status": 1, "msg": "Internal Service Error:无相关结果", "results": []})


def test_baidu_request_and_bd09_conversion(provider_server: ProviderServer) -> None:
    provider_server.respond = baidu_like
    placement = placer_for("baidu", provider_server).place(GeocodeQuery(ADDRESS))
    assert placement is not None
    (request,) = provider_server.requests
    assert request.path == "/geocoding/v3/"
    assert request.params == {"ak": "test-key", "output": "json", "address": ADDRESS}
    expected_lon, expected_lat = bd09_to_wgs84(*wgs84_to_bd09(WGS_LON, WGS_LAT))
    assert math.isclose(placement.lon, float(expected_lon), abs_tol=1e-9)
    assert math.isclose(placement.lat, float(expected_lat), abs_tol=1e-9)
    assert abs(placement.lon - WGS_LON) < 1e-8 and abs(placement.lat - WGS_LAT) < 1e-8
    assert (placement.precision, placement.source, placement.adcode) == ("exact", "baidu", None)
    assert placement.resolved == ADDRESS


def test_baidu_no_result_is_none_not_an_error(provider_server: ProviderServer) -> None:
    provider_server.respond = baidu_like
    assert placer_for("baidu", provider_server).place(GeocodeQuery("无此地址")) is None
    assert len(provider_server.requests) == 1


@pytest.mark.parametrize(
    ("level", "precise", "confidence", "precision"),
    [
        ("门址", 1, 80, "exact"),
        ("政府机构", 1, 75, "poi"),  # a police station matched by name
        ("门址", 0, 80, "street"),  # fuzzy placement (模糊打点): not the building
        ("政府机构", 1, 55, "street"),  # error up to 1 km
        ("道路", 1, 40, "township"),  # error up to 5 km
        ("城市", 0, 20, "city"),  # what an address it did not understand gets
        ("区县", 0, 25, "county"),
        ("UNKNOWN", 0, 10, "province"),
    ],
)
def test_baidu_levels(
    provider_server: ProviderServer, level: str, precise: int, confidence: int, precision: str
) -> None:
    provider_server.replies(Reply(baidu_ok(level, precise, confidence)))
    placement = placer_for("baidu", provider_server).place(GeocodeQuery(ADDRESS))
    assert placement is not None and placement.precision == precision


def test_baidu_internal_error_is_retried_then_succeeds(provider_server: ProviderServer) -> None:
    provider_server.replies(Reply({"status": 1, "msg": "服务器内部错误"}), Reply(baidu_ok()))
    assert placer_for("baidu", provider_server).place(GeocodeQuery(ADDRESS)) is not None
    assert len(provider_server.requests) == 2


def test_baidu_outage_is_raised_after_retries(provider_server: ProviderServer) -> None:
    provider_server.replies(Reply("down", status=503))
    with pytest.raises(GeocoderTimedOut):  # geopy's own mapping of HTTP 503
        placer_for("baidu", provider_server, max_retries=1).place(GeocodeQuery(ADDRESS))
    assert len(provider_server.requests) == 2


def nominatim_result(addresstype: str, place_rank: int) -> dict[str, object]:
    return {
        "place_id": 1,
        "licence": "Data © OpenStreetMap contributors, ODbL 1.0.",
        "osm_type": "node",
        "osm_id": 1,
        "lat": f"{WGS_LAT}",
        "lon": f"{WGS_LON}",
        "class": "amenity",
        "type": "police",
        "place_rank": place_rank,
        "importance": 0.1,
        "addresstype": addresstype,
        "name": "示例派出所",
        "display_name": "示例派出所, 示例街, 武侯区, 成都市, 四川省, 中国",
        "boundingbox": ["30.64", "30.65", "104.04", "104.05"],
    }


def test_nominatim_request_and_answer(provider_server: ProviderServer) -> None:
    provider_server.replies(Reply([nominatim_result("amenity", 30)]))
    placer = placer_for("nominatim", provider_server, key="xunqin-locator-test (ops@example.org)")
    placement = placer.place(GeocodeQuery(ADDRESS))
    assert placement is not None
    (request,) = provider_server.requests
    assert request.path == "/search"
    assert request.params["q"] == ADDRESS and request.params["countrycodes"] == "cn"
    assert request.user_agent == "xunqin-locator-test (ops@example.org)"
    assert (placement.lon, placement.lat) == (WGS_LON, WGS_LAT)  # WGS-84 already
    assert (placement.precision, placement.source) == ("poi", "nominatim")
    assert placement.resolved.startswith("示例派出所")


@pytest.mark.parametrize(
    ("addresstype", "rank", "precision"),
    [
        ("house", 30, "exact"),
        ("amenity", 30, "poi"),
        ("road", 26, "street"),
        ("suburb", 20, "township"),
        ("district", 12, "county"),
        ("city", 16, "city"),  # a city node: its centre
        ("state", 8, "province"),
        ("", 12, "county"),
    ],
)
def test_nominatim_levels(
    provider_server: ProviderServer, addresstype: str, rank: int, precision: str
) -> None:
    provider_server.replies(Reply([nominatim_result(addresstype, rank)]))
    placement = placer_for("nominatim", provider_server).place(GeocodeQuery(ADDRESS))
    assert placement is not None and placement.precision == precision


def test_nominatim_no_result_is_none(provider_server: ProviderServer) -> None:
    provider_server.replies(Reply([]))
    assert placer_for("nominatim", provider_server).place(GeocodeQuery(ADDRESS)) is None


def test_nominatim_429_is_retried_and_403_is_not(provider_server: ProviderServer) -> None:
    provider_server.replies(Reply("slow down", status=429, headers={"Retry-After": "0"}))
    with pytest.raises(GeocoderRateLimited):
        placer_for("nominatim", provider_server, max_retries=2).place(GeocodeQuery(ADDRESS))
    assert len(provider_server.requests) == 3
    provider_server.requests.clear()
    provider_server.replies(Reply("blocked", status=403))
    with pytest.raises(GeocoderInsufficientPrivileges):
        placer_for("nominatim", provider_server, max_retries=2).place(GeocodeQuery(ADDRESS))
    assert len(provider_server.requests) == 1


def test_nominatim_public_server_keeps_its_usage_policy() -> None:
    environ = {"XUNQIN_NOMINATIM_USER_AGENT": "xunqin-locator-test"}
    with pytest.raises(GeocoderConfigError, match=r"at least 1\.0"):
        make_placer("nominatim", environ=environ, min_delay_seconds=0.1)
    assert make_placer("nominatim", environ=environ).name == "nominatim"
