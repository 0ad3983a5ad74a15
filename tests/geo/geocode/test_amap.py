"""Amap geocoder and placer against a loopback server speaking Amap's `/v3/geocode/geo`."""

import math

import pytest
from geopy.exc import (
    GeocoderAuthenticationFailure,
)

from geo.core.crs import gcj02_to_wgs84, wgs84_to_gcj02
from geo.geocode.amap import Amap
from geo.geocode.base import GeocodeQuery
from tests.geo.geocode.conftest import ProviderServer, Reply, Request, placer_for

# A made-up address in 长沙市岳麓区 and where we pretend it is (WGS-84).
ADDRESS = "湖南省长沙市岳麓区示例路1号"
WGS_LON, WGS_LAT = 112.9388, 28.2282


def _gcj_text() -> str:
    lon, lat = wgs84_to_gcj02(WGS_LON, WGS_LAT)
    return f"{float(lon):.6f},{float(lat):.6f}"  # Amap sends 6 decimals


def geocode_item(level: str = "门牌号", location: str | None = None) -> dict[str, object]:
    return {
        "formatted_address": "湖南省长沙市岳麓区示例路|1号",
        "country": "中国",
        "province": "湖南省",
        "citycode": "0731",
        "city": "长沙市",
        "district": "岳麓区",
        "township": [],
        "neighborhood": {"name": [], "type": []},
        "building": {"name": [], "type": []},
        "adcode": "430104",
        "street": "示例路",
        "number": "1号",
        "location": location or _gcj_text(),
        "level": level,
    }


def ok(*items: dict[str, object]) -> dict[str, object]:
    return {
        "status": "1",
        "info": "OK",
        "infocode": "10000",
        "count": str(len(items)),
        "geocodes": list(items),
    }


def error(info: str, infocode: str) -> dict[str, object]:
    return {"status": "0", "info": info, "infocode": infocode}


def amap_like(request: Request) -> Reply:
    """Checks the key like Amap does and knows one address."""
    if request.params.get("key") != "test-key":
        return Reply(error("INVALID_USER_KEY", "10001"))
    if request.params.get("address") == ADDRESS:
        return Reply(ok(geocode_item()))
    return Reply(ok())


def test_geocoder_returns_gcj02_location_and_raw(provider_server: ProviderServer) -> None:
    provider_server.respond = amap_like
    geocoder = Amap("test-key", scheme="http", domain=provider_server.domain, timeout=2)
    location = geocoder.geocode(ADDRESS)
    gcj_lon, gcj_lat = map(float, _gcj_text().split(","))
    assert (location.longitude, location.latitude) == (gcj_lon, gcj_lat)  # provider's datum
    assert location.raw["adcode"] == "430104"
    assert location.address == "湖南省长沙市岳麓区示例路1号"
    (request,) = provider_server.requests
    assert request.path == "/v3/geocode/geo"
    assert request.params == {"key": "test-key", "address": ADDRESS, "output": "JSON"}
    assert geocoder.geocode("不存在的地址") is None
    assert len(geocoder.geocode(ADDRESS, exactly_one=False)) == 1


def test_placer_converts_to_wgs84_and_labels_precision(provider_server: ProviderServer) -> None:
    provider_server.respond = amap_like
    placement = placer_for("amap", provider_server).place(GeocodeQuery(ADDRESS))
    assert placement is not None
    expected_lon, expected_lat = gcj02_to_wgs84(*map(float, _gcj_text().split(",")))
    assert math.isclose(placement.lon, float(expected_lon), abs_tol=1e-9)
    assert math.isclose(placement.lat, float(expected_lat), abs_tol=1e-9)
    # 6 GCJ decimals are ~0.1 m: the round trip lands on the original point.
    assert abs(placement.lon - WGS_LON) < 2e-6 and abs(placement.lat - WGS_LAT) < 2e-6
    assert (placement.precision, placement.source, placement.adcode) == ("exact", "amap", "430104")
    assert placement.resolved == "湖南省长沙市岳麓区示例路1号"


def test_query_text_is_normalised_before_sending(provider_server: ProviderServer) -> None:
    provider_server.respond = amap_like
    query = GeocodeQuery("岳麓区示例路１号", province="湖南省", city="长沙市")  # full-width 1
    assert placer_for("amap", provider_server).place(query) is not None
    assert provider_server.requests[0].params["address"] == ADDRESS


@pytest.mark.parametrize(
    ("level", "precision"),
    [
        ("门牌号", "exact"),
        ("兴趣点", "poi"),
        ("道路", "street"),
        ("乡镇", "township"),
        ("区县", "county"),
        # An address Amap did not understand comes back as the city centre: never "exact".
        ("市", "city"),
        ("省", "province"),
        ("未知", "province"),
    ],
)
def test_levels(provider_server: ProviderServer, level: str, precision: str) -> None:
    provider_server.replies(Reply(ok(geocode_item(level=level))))
    placement = placer_for("amap", provider_server).place(GeocodeQuery(ADDRESS))
    assert placement is not None and placement.precision == precision


def test_no_result_is_none(provider_server: ProviderServer) -> None:
    provider_server.respond = amap_like
    assert placer_for("amap", provider_server).place(GeocodeQuery("无此地址")) is None


def test_wrong_key_is_refused(provider_server: ProviderServer) -> None:
    provider_server.respond = amap_like
    with pytest.raises(GeocoderAuthenticationFailure, match="10001"):
        placer_for("amap", provider_server, key="wrong").place(GeocodeQuery(ADDRESS))


def test_qps_exceeded_is_retried_then_succeeds(provider_server: ProviderServer) -> None:
    provider_server.replies(
        Reply(error("CUQPS_HAS_EXCEEDED_THE_LIMIT", "10021")), Reply(ok(geocode_item()))
    )
    placer = placer_for("amap", provider_server)
    assert placer.place(GeocodeQuery(ADDRESS)) is not None
    assert len(provider_server.requests) == 2 == placer.requests


def test_http_500_then_success(provider_server: ProviderServer) -> None:
    provider_server.replies(Reply("busy", status=500), Reply(ok(geocode_item())))
    placement = placer_for("amap", provider_server).place(GeocodeQuery(ADDRESS))
    assert placement is not None and len(provider_server.requests) == 2
