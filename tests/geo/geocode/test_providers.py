"""Checks every online provider must pass alike, parametrized over the providers.

Each provider's own file tests what only it does (its request, its answer, its level words);
here: a refusal is raised at once, a per-second limit, an outage and a timeout are retried and
then raised, and a rate limit's Retry-After is kept and waited for.
"""

import time

import pytest
from geopy.adapters import URLLibAdapter
from geopy.exc import (
    GeocoderAuthenticationFailure,
    GeocoderInsufficientPrivileges,
    GeocoderQueryError,
    GeocoderQuotaExceeded,
    GeocoderRateLimited,
    GeocoderServiceError,
    GeocoderTimedOut,
)

from geo.geocode.amap import Amap
from geo.geocode.base import GeocodeQuery
from geo.geocode.tencent import Tencent
from geo.geocode.tianditu import Tianditu
from tests.geo.geocode.conftest import ProviderServer, Reply, placer_for

ADDRESS = "湖南省长沙市岳麓区示例路1号"


def amap_error(info: str, infocode: str) -> dict[str, object]:
    return {"status": "0", "info": info, "infocode": infocode}


def tencent_status(code: int, message: str) -> dict[str, object]:
    return {"status": code, "message": message}


REFUSALS = [
    ("amap", Reply(amap_error("INVALID_USER_KEY", "10001")), GeocoderAuthenticationFailure),
    ("amap", Reply(amap_error("DAILY_QUERY_OVER_LIMIT", "10003")), GeocoderQuotaExceeded),
    ("amap", Reply(amap_error("INVALID_PARAMS", "20000")), GeocoderServiceError),
    ("tencent", Reply(tencent_status(311, "key格式错误")), GeocoderAuthenticationFailure),
    ("tencent", Reply(tencent_status(110, "请求来源未被授权")), GeocoderAuthenticationFailure),
    (
        "tencent",
        Reply(tencent_status(199, "此key未开启webservice功能")),
        GeocoderInsufficientPrivileges,
    ),
    ("tencent", Reply(tencent_status(121, "此key每日调用量已达到上限")), GeocoderQuotaExceeded),
    ("tencent", Reply(tencent_status(310, "请求参数信息有误")), GeocoderQueryError),
    # Tianditu's gateway: an unknown key, a spent daily quota, too many requests.
    ("tianditu", Reply({"code": 1, "msg": "非法Key"}, status=403), GeocoderAuthenticationFailure),
    ("tianditu", Reply({"code": 12, "msg": "访问量超限"}, status=403), GeocoderQuotaExceeded),
    ("tianditu", Reply({"code": 1, "msg": "权限类型错误"}), GeocoderAuthenticationFailure),
    ("tianditu", Reply({"msg": "参数错误", "status": "1"}), GeocoderServiceError),
    (
        "baidu",
        Reply({"status": 200, "message": "APP不存在，AK有误请检查再重试"}),
        GeocoderAuthenticationFailure,
    ),
    ("baidu", Reply({"status": 302, "message": "天配额超限，限制访问"}), GeocoderQuotaExceeded),
]


@pytest.mark.parametrize(("name", "reply", "raised"), REFUSALS)
def test_refusals_are_raised_without_retrying(
    provider_server: ProviderServer, name: str, reply: Reply, raised: type[Exception]
) -> None:
    provider_server.replies(reply)
    with pytest.raises(raised):
        placer_for(name, provider_server, max_retries=3).place(GeocodeQuery(ADDRESS))
    assert len(provider_server.requests) == 1


RATE_LIMITS = [
    ("amap", Reply(amap_error("QPS_HAS_EXCEEDED_THE_LIMIT", "10014"))),
    ("tencent", Reply(tencent_status(120, "此key每秒请求量已达到上限"))),
    ("tianditu", Reply({"code": 13, "msg": "并发超限"}, status=429)),
    ("baidu", Reply({"status": 401, "message": "当前并发量已经超过约定并发配额"})),
]


@pytest.mark.parametrize(("name", "reply"), RATE_LIMITS)
def test_qps_exceeded_every_time_is_raised_after_retries(
    provider_server: ProviderServer, name: str, reply: Reply
) -> None:
    provider_server.replies(reply)
    with pytest.raises(GeocoderRateLimited):
        placer_for(name, provider_server, max_retries=2).place(GeocodeQuery(ADDRESS))
    assert len(provider_server.requests) == 3


@pytest.mark.parametrize("name", ["amap", "tencent", "tianditu"])
def test_http_500_every_time_is_retried_with_backoff_then_raised(
    provider_server: ProviderServer, name: str
) -> None:
    provider_server.replies(Reply("internal error", status=500))
    with pytest.raises(GeocoderServiceError):
        placer_for(name, provider_server, max_retries=2, backoff_s=0.05).place(
            GeocodeQuery(ADDRESS)
        )
    assert len(provider_server.requests) == 3


@pytest.mark.parametrize("name", ["amap", "tencent", "tianditu"])
def test_timeout_every_time_is_retried_then_raised(
    provider_server: ProviderServer, name: str
) -> None:
    provider_server.replies(Reply({}, delay_s=1.0))  # the client gives up before any answer
    placer = placer_for(name, provider_server, timeout_s=0.2, max_retries=1)
    with pytest.raises(GeocoderTimedOut):
        placer.place(GeocodeQuery(ADDRESS))
    assert len(provider_server.requests) == 2


WAIT_7_S = {"Retry-After": "7"}
# An HTTP 429 with a Retry-After, from Amap's own host and from Tianditu's gateway.
RETRY_AFTER = [
    (Amap, Reply(amap_error("ACCESS_TOO_FREQUENT", "10004"), status=429, headers=WAIT_7_S)),
    (Tianditu, Reply({"code": 13, "msg": "并发超限"}, status=429, headers=WAIT_7_S)),
]


def _geocoder(geocoder_class: type[Amap | Tianditu], server: ProviderServer) -> Amap | Tianditu:
    # urllib, as make_placer uses: requests' own retries would wait out the Retry-After first.
    return geocoder_class(
        "test-key", scheme="http", domain=server.domain, timeout=2, adapter_factory=URLLibAdapter
    )


@pytest.mark.parametrize(("geocoder_class", "reply"), RETRY_AFTER)
def test_rate_limit_keeps_retry_after(
    provider_server: ProviderServer, geocoder_class: type[Amap | Tianditu], reply: Reply
) -> None:
    provider_server.replies(reply)
    geocoder = _geocoder(geocoder_class, provider_server)
    with pytest.raises(GeocoderRateLimited) as raised:
        geocoder.geocode(ADDRESS)
    assert raised.value.retry_after == 7


def test_amap_refusal_in_the_body_has_no_retry_after(provider_server: ProviderServer) -> None:
    provider_server.replies(Reply(amap_error("ACCESS_TOO_FREQUENT", "10004")))
    with pytest.raises(GeocoderRateLimited) as raised:
        _geocoder(Amap, provider_server).geocode(ADDRESS)
    assert raised.value.retry_after is None


def test_placer_waits_as_long_as_retry_after_asks(provider_server: ProviderServer) -> None:
    ok = {
        "status": "1",
        "info": "OK",
        "infocode": "10000",
        "geocodes": [{"location": "112.9388,28.2282", "level": "门牌号", "adcode": "430104"}],
    }
    provider_server.replies(
        Reply(amap_error("ACCESS_TOO_FREQUENT", "10004"), status=429, headers={"Retry-After": "1"}),
        Reply(ok),
    )
    started = time.monotonic()
    placement = placer_for("amap", provider_server, backoff_s=0.01).place(GeocodeQuery(ADDRESS))
    assert placement is not None and placement.adcode == "430104"
    assert time.monotonic() - started >= 1.0  # the backoff alone would be 0.01 s
    assert len(provider_server.requests) == 2


def test_unknown_filter_is_refused() -> None:
    with pytest.raises(TypeError, match="region"):
        Amap("test-key").geocode(ADDRESS, region="长沙市")


NOTHING_FOUND = {
    Amap: {"status": "1", "info": "OK", "infocode": "10000", "geocodes": []},
    Tencent: tencent_status(347, "查询无结果"),
}


@pytest.mark.parametrize(
    ("geocoder_class", "filter_name", "param"),
    [(Amap, "city", "city"), (Tencent, "region", "region")],
)
def test_filters_are_sent_as_the_providers_parameter(
    provider_server: ProviderServer,
    geocoder_class: type[Amap | Tencent],
    filter_name: str,
    param: str,
) -> None:
    provider_server.replies(Reply(NOTHING_FOUND[geocoder_class]))
    geocoder = geocoder_class("test-key", scheme="http", domain=provider_server.domain, timeout=2)
    assert geocoder.geocode(ADDRESS, **{filter_name: "长沙市"}) is None
    assert geocoder.geocode(ADDRESS, **{filter_name: None}) is None
    first, second = provider_server.requests
    assert first.params[param] == "长沙市" and param not in second.params
