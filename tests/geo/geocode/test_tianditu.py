"""Tianditu geocoder and placer against a loopback server speaking Tianditu's `geocoder?ds=`."""

import json

import pytest

from geo.geocode.base import GeocodeQuery
from geo.geocode.tianditu import Tianditu
from tests.geo.geocode.conftest import ProviderServer, Reply, Request, placer_for

ADDRESS = "吉林省长春市朝阳区示例街2号"
LON, LAT = 125.3235, 43.8171  # CGCS2000: taken as WGS-84, not moved


def ok(level: str = "门址", score: int = 100) -> dict[str, object]:
    return {
        "msg": "ok",
        "location": {
            "score": score,
            "level": level,
            "lon": f"{LON}",
            "lat": f"{LAT}",
            "keyWord": ADDRESS,
        },
        "searchVersion": "6.4.9V",
        "status": "0",
    }


def tianditu_like(request: Request) -> Reply:
    if request.params.get("tk") != "test-key":
        return Reply({"code": 1, "msg": "非法Key", "resolve": "请到控制台申请Key"}, status=403)
    if json.loads(request.params["ds"])["keyWord"] == ADDRESS:
        return Reply(ok())
    return Reply({"msg": "结果为空", "status": "101"})


def test_geocoder_sends_ds_json_and_reads_location(provider_server: ProviderServer) -> None:
    provider_server.respond = tianditu_like
    geocoder = Tianditu("test-key", scheme="http", domain=provider_server.domain, timeout=2)
    location = geocoder.geocode(ADDRESS)
    assert (location.longitude, location.latitude) == (LON, LAT)
    assert location.raw["level"] == "门址"
    (request,) = provider_server.requests
    assert request.path == "/geocoder"
    assert json.loads(request.params["ds"]) == {"keyWord": ADDRESS}
    assert request.params["tk"] == "test-key"


def test_placer_keeps_cgcs2000_as_wgs84(provider_server: ProviderServer) -> None:
    provider_server.respond = tianditu_like
    placement = placer_for("tianditu", provider_server).place(GeocodeQuery(ADDRESS))
    assert placement is not None
    assert (placement.lon, placement.lat) == (LON, LAT)
    assert (placement.precision, placement.source, placement.resolved) == (
        "exact",
        "tianditu",
        ADDRESS,
    )


def test_no_result_is_none(provider_server: ProviderServer) -> None:
    provider_server.respond = tianditu_like
    assert placer_for("tianditu", provider_server).place(GeocodeQuery("无此地址")) is None


@pytest.mark.parametrize(
    ("level", "precision"),
    [
        ("门址", "exact"),
        ("兴趣点", "poi"),
        ("道路", "street"),
        ("乡镇", "township"),
        ("区县", "county"),
        ("地级市", "city"),  # a city centre for an address it did not understand
        ("省", "province"),
        ("", "province"),
    ],
)
def test_levels(provider_server: ProviderServer, level: str, precision: str) -> None:
    provider_server.replies(Reply(ok(level=level)))
    placement = placer_for("tianditu", provider_server).place(GeocodeQuery(ADDRESS))
    assert placement is not None and placement.precision == precision


def test_http_500_is_retried_then_succeeds(provider_server: ProviderServer) -> None:
    provider_server.replies(Reply("<html>502</html>", status=500), Reply(ok()))
    assert placer_for("tianditu", provider_server).place(GeocodeQuery(ADDRESS)) is not None
    assert len(provider_server.requests) == 2
