"""Tianditu (天地图) as a geopy geocoder and a provider; CGCS2000 answers, WGS-84 to centimetres.

Request: `geocoder?ds={"keyWord": ...}&tk=KEY`. Answer: `status` "0" with a `location` object
(`lon`, `lat`, `level`, `score`, `keyWord`), or another status with `msg`. A refused key or an
exhausted quota comes from Tianditu's gateway instead, often with an HTTP error status and a
`{"code": .., "msg": .., "resolve": ..}` body; its messages are read for what they say. The key
is read from XUNQIN_TIANDITU_KEY.
"""

import json
from collections.abc import Mapping
from typing import Any

from geopy.adapters import AdapterHTTPError
from geopy.exc import (
    GeocoderAuthenticationFailure,
    GeocoderQuotaExceeded,
    GeocoderRateLimited,
    GeocoderServiceError,
    GeocoderUnavailable,
)
from geopy.location import Location

from geo.core.crs import Crs
from geo.geocode.keyed import KeyedGeocoder, refusal
from geo.geocode.provider import Provider

__all__ = ("PROVIDER", "Tianditu", "tianditu_precision")

# Statuses Tianditu uses for "nothing matched" rather than for a failure.
_NO_RESULT_STATUSES = {"101", "404"}
_NO_RESULT_WORDS = ("结果为空", "无结果", "没有结果", "未找到")
# Words in a gateway message; checked in this order (a QPS message also says 超).
_RATE_WORDS = ("并发", "QPS", "qps", "频繁", "频率")
_QUOTA_WORDS = ("超限", "超过", "上限", "配额", "限额")
_KEY_WORDS = ("key", "Key", "KEY", "密钥", "权限", "白名单", "授权", "签名")


def _gateway_error(
    body: Any, fallback: str, headers: Mapping[str, str] | None = None
) -> GeocoderServiceError | None:
    """The geopy error a gateway answer means, or None if it says nothing we recognise."""
    message = str(body.get("msg", "")) if isinstance(body, dict) else ""
    if not message:
        return None
    text = f"Tianditu refused the request: {message} ({fallback})"
    for words, error in (
        (_RATE_WORDS, GeocoderRateLimited),
        (_QUOTA_WORDS, GeocoderQuotaExceeded),
        (_KEY_WORDS, GeocoderAuthenticationFailure),
    ):
        if any(word in message for word in words):
            return refusal(error, text, headers)
    return None


# Tianditu's level words are not all documented; known ones first, then by what they contain.
_LEVELS = {"门址": "exact", "兴趣点": "poi", "POI": "poi", "道路": "street"}
_LEVEL_WORDS = (
    (("门牌", "门址"), "exact"),
    (("兴趣点", "POI", "poi", "小区", "大厦", "楼"), "poi"),
    (("道路", "交叉", "路口"), "street"),
    (("乡", "镇", "街道", "村", "社区"), "township"),
    (("区县", "县", "区"), "county"),
    (("市",), "city"),
)


def tianditu_precision(raw: Mapping[str, Any]) -> str:
    """Tianditu's `level` word as one of PRECISIONS; an unknown word counts as "province".

    >>> tianditu_precision({"level": "门址"}), tianditu_precision({"level": "区县"})
    ('exact', 'county')
    """
    level = str(raw.get("level", ""))
    if level in _LEVELS:
        return _LEVELS[level]
    for words, precision in _LEVEL_WORDS:
        if any(word in level for word in words):
            return precision
    return "province"


class Tianditu(KeyedGeocoder):
    """Geocoder using Tianditu's geocoding API (`/geocoder?ds=...`).

    Locations are CGCS2000 (equal to WGS-84 for this purpose); `raw` is Tianditu's `location`
    (it answers one).
    """

    label = "Tianditu"
    api_path = "/geocoder"
    default_domain = "api.tianditu.gov.cn"

    def _params(self, query: str) -> dict[str, str]:
        return {"ds": json.dumps({"keyWord": query}, ensure_ascii=False), "tk": self.api_key}

    def _locations(self, page: dict[str, Any]) -> list[Location]:
        status = str(page.get("status", ""))
        message = str(page.get("msg", ""))
        if "status" not in page:
            raise _gateway_error(page, "no status") or GeocoderServiceError(
                f"Tianditu answered without a status: {page!r:.200}"
            )
        if status != "0":
            if status in _NO_RESULT_STATUSES or any(w in message for w in _NO_RESULT_WORDS):
                return []
            raise _gateway_error(page, f"status {status}") or GeocoderServiceError(
                f"Tianditu error status {status}: {message}"
            )
        place = page.get("location")
        if not isinstance(place, dict):
            return []
        try:
            lon, lat = float(place["lon"]), float(place["lat"])
        except (KeyError, TypeError, ValueError):
            return []
        return [Location(str(place.get("keyWord", "")), (lat, lon), place)]

    def _geocoder_exception_handler(self, error: Exception) -> None:
        if not isinstance(error, AdapterHTTPError):
            return
        try:
            body = json.loads(error.text or "")
        except ValueError:
            body = None
        mapped = _gateway_error(body, f"HTTP {error.status_code}", error.headers)
        if mapped is not None:
            raise mapped from error
        if error.status_code >= 500:
            raise GeocoderUnavailable(f"Tianditu HTTP {error.status_code}") from error


PROVIDER = Provider("tianditu", Tianditu, "XUNQIN_TIANDITU_KEY", Crs.WGS84, tianditu_precision)
