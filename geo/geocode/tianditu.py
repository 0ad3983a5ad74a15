"""Tianditu (天地图) geocoding as a geopy geocoder; answers are CGCS2000, WGS-84 within centimetres.

Request: `geocoder?ds={"keyWord": ...}&tk=KEY`. Answer: `status` "0" with a `location` object
(`lon`, `lat`, `level`, `score`, `keyWord`), or another status with `msg`. A refused key or an
exhausted quota comes from Tianditu's gateway instead, often with an HTTP error status and a
`{"code": .., "msg": .., "resolve": ..}` body; its messages are read for what they say.
"""

import json
from functools import partial
from typing import Any
from urllib.parse import urlencode

from geopy.adapters import AdapterHTTPError
from geopy.exc import (
    GeocoderAuthenticationFailure,
    GeocoderQuotaExceeded,
    GeocoderRateLimited,
    GeocoderServiceError,
    GeocoderUnavailable,
)
from geopy.geocoders.base import DEFAULT_SENTINEL
from geopy.location import Location

from geo.geocode.keyed import KeyedGeocoder

__all__ = ("Tianditu",)

# Statuses Tianditu uses for "nothing matched" rather than for a failure.
_NO_RESULT_STATUSES = {"101", "404"}
_NO_RESULT_WORDS = ("结果为空", "无结果", "没有结果", "未找到")
# Words in a gateway message; checked in this order (a QPS message also says 超).
_RATE_WORDS = ("并发", "QPS", "qps", "频繁", "频率")
_QUOTA_WORDS = ("超限", "超过", "上限", "配额", "限额")
_KEY_WORDS = ("key", "Key", "KEY", "密钥", "权限", "白名单", "授权", "签名")


def _gateway_error(body: Any, fallback: str) -> GeocoderServiceError | None:
    """The geopy error a gateway answer means, or None if it says nothing we recognise."""
    message = str(body.get("msg", "")) if isinstance(body, dict) else ""
    if not message:
        return None
    text = f"Tianditu refused the request: {message} ({fallback})"
    if any(word in message for word in _RATE_WORDS):
        return GeocoderRateLimited(text)
    if any(word in message for word in _QUOTA_WORDS):
        return GeocoderQuotaExceeded(text)
    if any(word in message for word in _KEY_WORDS):
        return GeocoderAuthenticationFailure(text)
    return None


class Tianditu(KeyedGeocoder):
    """Geocoder using Tianditu's geocoding API (`/geocoder?ds=...`).

    Locations are CGCS2000 (equal to WGS-84 for this purpose); `raw` is Tianditu's `location`.
    """

    api_path = "/geocoder"

    default_domain = "api.tianditu.gov.cn"

    def geocode(
        self, query: str, *, exactly_one: bool = True, timeout: Any = DEFAULT_SENTINEL
    ) -> Any:
        """The location of an address, or None if Tianditu found nothing (it answers one)."""
        ds = json.dumps({"keyWord": query}, ensure_ascii=False)
        url = f"{self.api}?{urlencode({'ds': ds, 'tk': self.api_key})}"
        callback = partial(self._parse_json, exactly_one=exactly_one)
        return self._call_geocoder(url, callback, timeout=timeout)

    def _parse_json(self, page: Any, exactly_one: bool) -> Any:
        if not isinstance(page, dict):
            raise GeocoderServiceError(f"Tianditu answered with unexpected JSON: {page!r:.200}")
        status = str(page.get("status", ""))
        message = str(page.get("msg", ""))
        if "status" not in page:
            raise _gateway_error(page, "no status") or GeocoderServiceError(
                f"Tianditu answered without a status: {page!r:.200}"
            )
        if status != "0":
            if status in _NO_RESULT_STATUSES or any(w in message for w in _NO_RESULT_WORDS):
                return None
            raise _gateway_error(page, f"status {status}") or GeocoderServiceError(
                f"Tianditu error status {status}: {message}"
            )
        place = page.get("location")
        if not isinstance(place, dict):
            return None
        try:
            lon, lat = float(place["lon"]), float(place["lat"])
        except (KeyError, TypeError, ValueError):
            return None
        location = Location(str(place.get("keyWord", "")), (lat, lon), place)
        return location if exactly_one else [location]

    def _geocoder_exception_handler(self, error: Exception) -> None:
        if not isinstance(error, AdapterHTTPError):
            return
        try:
            body = json.loads(error.text or "")
        except ValueError:
            body = None
        mapped = _gateway_error(body, f"HTTP {error.status_code}")
        if mapped is not None:
            raise mapped from error
        if error.status_code >= 500:
            raise GeocoderUnavailable(f"Tianditu HTTP {error.status_code}") from error
