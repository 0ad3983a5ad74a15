"""Tencent geocoder and placer against a loopback server speaking `/ws/geocoder/v1/`."""

import math

import pytest
from geopy.exc import (
    GeocoderQuotaExceeded,
    GeocoderRateLimited,
)

from geo.core.crs import gcj02_to_wgs84, wgs84_to_gcj02
from geo.geocode.base import GeocodeQuery
from geo.geocode.tencent import Tencent
from tests.geo.geocode.conftest import ProviderServer, Reply, Request, placer_for

ADDRESS = "广东省广州市天河区示例大道3号"
WGS_LON, WGS_LAT = 113.3245, 23.1064


def ok(level: int = 9, reliability: int = 7) -> dict[str, object]:
    gcj_lon, gcj_lat = wgs84_to_gcj02(WGS_LON, WGS_LAT)
    return {
        "status": 0,
        "message": "query ok",
        "result": {
            "title": "示例大道3号",
            "location": {"lng": float(gcj_lon), "lat": float(gcj_lat)},
            "ad_info": {"adcode": "440106"},
            "address_components": {
                "province": "广东省",
                "city": "广州市",
                "district": "天河区",
                "street": "示例大道",
                "street_number": "示例大道3号",
            },
            "similarity": 0.8,
            "deviation": 1000,
            "reliability": reliability,
            "level": level,
        },
    }


def status(code: int, message: str) -> dict[str, object]:
    return {"status": code, "message": message}


def tencent_like(request: Request) -> Reply:
    if request.params.get("key") != "test-key":
        return Reply(status(311, "key格式错误"))
    if request.params.get("address") == ADDRESS:
        return Reply(ok())
    return Reply(status(347, "查询无结果"))


def test_geocoder_returns_gcj02_and_raw(provider_server: ProviderServer) -> None:
    provider_server.respond = tencent_like
    geocoder = Tencent("test-key", scheme="http", domain=provider_server.domain, timeout=2)
    location = geocoder.geocode(ADDRESS)
    gcj_lon, gcj_lat = wgs84_to_gcj02(WGS_LON, WGS_LAT)
    assert (location.longitude, location.latitude) == (float(gcj_lon), float(gcj_lat))
    assert location.address == "广东省广州市天河区示例大道3号"
    assert location.raw["ad_info"]["adcode"] == "440106"
    (request,) = provider_server.requests
    assert request.path == "/ws/geocoder/v1/"
    assert request.params == {"address": ADDRESS, "key": "test-key", "output": "json"}


def test_placer_converts_to_wgs84(provider_server: ProviderServer) -> None:
    provider_server.respond = tencent_like
    placement = placer_for("tencent", provider_server).place(GeocodeQuery(ADDRESS))
    assert placement is not None
    gcj = wgs84_to_gcj02(WGS_LON, WGS_LAT)
    expected_lon, expected_lat = gcj02_to_wgs84(*gcj)
    assert math.isclose(placement.lon, float(expected_lon), abs_tol=1e-9)
    assert math.isclose(placement.lat, float(expected_lat), abs_tol=1e-9)
    assert abs(placement.lon - WGS_LON) < 1e-8 and abs(placement.lat - WGS_LAT) < 1e-8
    assert (placement.precision, placement.adcode) == ("exact", "440106")


def test_no_result_is_none(provider_server: ProviderServer) -> None:
    provider_server.respond = tencent_like
    assert placer_for("tencent", provider_server).place(GeocodeQuery("无此地址")) is None


@pytest.mark.parametrize(
    ("level", "reliability", "precision"),
    [
        (9, 8, "exact"),  # 门址
        (11, 7, "poi"),  # POI
        (10, 7, "poi"),  # 小区、大厦
        (7, 7, "street"),  # 道路
        (3, 7, "township"),  # 乡镇
        (2, 7, "county"),  # 区县
        (1, 7, "city"),  # 城市: what an address it did not understand gets
        (11, 5, "township"),  # a POI match it does not trust
        (1, 1, "city"),  # the cap never makes a coarse answer finer
    ],
)
def test_levels(
    provider_server: ProviderServer, level: int, reliability: int, precision: str
) -> None:
    provider_server.replies(Reply(ok(level=level, reliability=reliability)))
    placement = placer_for("tencent", provider_server).place(GeocodeQuery(ADDRESS))
    assert placement is not None and placement.precision == precision


def test_daily_quota_is_not_taken_for_a_rate_limit(provider_server: ProviderServer) -> None:
    provider_server.replies(Reply(status(121, "此key每日调用量已达到上限")))
    with pytest.raises(GeocoderQuotaExceeded) as raised:
        placer_for("tencent", provider_server).place(GeocodeQuery(ADDRESS))
    assert not isinstance(raised.value, GeocoderRateLimited)


def test_timeout_is_retried_then_succeeds(provider_server: ProviderServer) -> None:
    provider_server.replies(Reply(ok(), delay_s=1.0), Reply(ok()))
    placer = placer_for("tencent", provider_server, timeout_s=0.2, max_retries=1)
    assert placer.place(GeocodeQuery(ADDRESS)) is not None
    assert len(provider_server.requests) == 2
