"""Tencent location service (腾讯位置服务) as a geopy geocoder and a provider; answers are GCJ-02.

Request: `/ws/geocoder/v1/?address=..&key=..`. Answer: integer `status` (0 success, 347 no
result, others errors with `message`) and a `result` with `location{lng,lat}`, `title`,
`address_components`, `ad_info.adcode`, `reliability` (1-10, >= 7 reliable) and `level` (1 city
.. 11 POI). The key is read from XUNQIN_TENCENT_KEY.
"""

from collections.abc import Mapping
from typing import Any, ClassVar

from geopy.adapters import AdapterHTTPError
from geopy.exc import (
    GeocoderAuthenticationFailure,
    GeocoderInsufficientPrivileges,
    GeocoderQueryError,
    GeocoderQuotaExceeded,
    GeocoderRateLimited,
    GeocoderServiceError,
    GeocoderUnavailable,
)
from geopy.location import Location

from geo.core.crs import Crs
from geo.geocode.base import coarser
from geo.geocode.keyed import KeyedGeocoder, refusal
from geo.geocode.provider import Provider, adcode_at, number

__all__ = ("PROVIDER", "Tencent", "tencent_precision")

NO_RESULT_STATUS = 347
_ERRORS: dict[int, type[GeocoderServiceError]] = {
    110: GeocoderAuthenticationFailure,  # 请求来源未被授权
    111: GeocoderAuthenticationFailure,  # 签名验证失败
    112: GeocoderAuthenticationFailure,  # IP未被授权
    113: GeocoderInsufficientPrivileges,  # 此功能未被授权
    190: GeocoderAuthenticationFailure,  # 无效的KEY
    199: GeocoderInsufficientPrivileges,  # 此key未开启webservice功能
    311: GeocoderAuthenticationFailure,  # key格式错误
    120: GeocoderRateLimited,  # 此key每秒请求量已达到上限
    121: GeocoderQuotaExceeded,  # 此key每日调用量已达到上限
    122: GeocoderQuotaExceeded,  # 账号或接口的每日调用量已达到上限
}


def _components_text(result: dict[str, Any]) -> str:
    """Province to door number in one string, e.g. "北京市海淀区北四环西路66号"."""
    parts = result.get("address_components")
    if not isinstance(parts, dict):
        return str(result.get("title", ""))
    values = [parts.get(key) for key in ("province", "city", "district", "street", "street_number")]
    texts = list(dict.fromkeys(v for v in values if isinstance(v, str) and v))
    # Municipalities repeat the province as the city; the door number usually repeats the street.
    kept = [
        text for i, text in enumerate(texts) if not any(t.startswith(text) for t in texts[i + 1 :])
    ]
    return "".join(kept)


_LEVELS = {
    1: "city",  # 城市
    2: "county",  # 区、县
    3: "township",  # 乡镇、街道
    4: "township",  # 村庄
    5: "county",  # 开发区
    6: "township",  # 热点区域、商圈
    7: "street",  # 道路
    8: "street",  # 道路附属点：交叉口、收费站等
    9: "exact",  # 门址
    10: "poi",  # 小区、大厦
    11: "poi",  # POI点
}
# Tencent: reliability >= 7 is a dependable parse; below it the point may be far off.
TENCENT_RELIABLE = 7


def tencent_precision(raw: Mapping[str, Any]) -> str:
    """Tencent's numeric `level`, capped at "township" when `reliability` is below 7.

    >>> tencent_precision({"level": 11, "reliability": 7}), tencent_precision({"level": 1})
    ('poi', 'city')
    >>> tencent_precision({"level": 9, "reliability": 5})
    'township'
    """
    level = number(raw.get("level"))
    precision = _LEVELS.get(int(level), "province") if level is not None else "province"
    reliability = number(raw.get("reliability"))
    if reliability is not None and reliability < TENCENT_RELIABLE:
        precision = coarser(precision, "township")
    return precision


class Tencent(KeyedGeocoder):
    """Geocoder using Tencent's WebService API (`/ws/geocoder/v1/`).

    Locations are GCJ-02, as Tencent returns them; `raw` is Tencent's `result` (it answers one).
    `geocode(..., region=...)` names the city the address is in.
    """

    label = "Tencent"
    api_path = "/ws/geocoder/v1/"
    default_domain = "apis.map.qq.com"
    filters: ClassVar[Mapping[str, str]] = {"region": "region"}

    def _params(self, query: str) -> dict[str, str]:
        return {"address": query, "key": self.api_key, "output": "json"}

    def _locations(self, page: dict[str, Any]) -> list[Location]:
        status = page.get("status")
        if status == NO_RESULT_STATUS:
            return []
        if status != 0:
            self._raise_for_status(status, str(page.get("message", "")))
        result = page.get("result")
        if not isinstance(result, dict):
            return []
        place = result.get("location")
        try:
            lon, lat = float(place["lng"]), float(place["lat"])  # type: ignore[index]
        except (KeyError, TypeError, ValueError):
            return []
        return [Location(_components_text(result), (lat, lon), result)]

    @staticmethod
    def _raise_for_status(status: Any, message: str) -> None:
        text = f"Tencent error {status}: {message}"
        if not isinstance(status, int):
            raise GeocoderServiceError(text)
        error = _ERRORS.get(status)
        if error is None:
            if 300 <= status < 400:
                error = GeocoderQueryError  # 3xx: the request's parameters are wrong
            elif status >= 500:
                error = GeocoderUnavailable  # 5xx: Tencent's own failure
            else:
                error = GeocoderServiceError
        raise refusal(error, text)

    def _geocoder_exception_handler(self, error: Exception) -> None:
        if isinstance(error, AdapterHTTPError) and error.status_code >= 500:
            raise GeocoderUnavailable(f"Tencent HTTP {error.status_code}") from error


PROVIDER = Provider(
    "tencent",
    Tencent,
    "XUNQIN_TENCENT_KEY",
    Crs.GCJ02,
    tencent_precision,
    adcode=adcode_at("ad_info", "adcode"),
)
