"""Tencent location service (腾讯位置服务) geocoding as a geopy geocoder; answers are GCJ-02.

Request: `/ws/geocoder/v1/?address=..&key=..`. Answer: integer `status` (0 success, 347 no
result, others errors with `message`) and a `result` with `location{lng,lat}`, `title`,
`address_components`, `ad_info.adcode`, `reliability` (1-10, >= 7 reliable) and `level` (1 city
.. 11 POI).
"""

from functools import partial
from typing import Any
from urllib.parse import urlencode

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
from geopy.geocoders.base import DEFAULT_SENTINEL
from geopy.location import Location

from geo.geocode.keyed import KeyedGeocoder

__all__ = ("Tencent",)

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


class Tencent(KeyedGeocoder):
    """Geocoder using Tencent's WebService API (`/ws/geocoder/v1/`).

    Locations are GCJ-02, as Tencent returns them; `raw` is Tencent's `result`.
    """

    api_path = "/ws/geocoder/v1/"

    default_domain = "apis.map.qq.com"

    def geocode(
        self,
        query: str,
        *,
        exactly_one: bool = True,
        timeout: Any = DEFAULT_SENTINEL,
        region: str | None = None,
    ) -> Any:
        """The location of an address, or None if Tencent found nothing (it answers one).

        `region` names the city the address is in, as Tencent's `region` parameter.
        """
        params = {"address": query, "key": self.api_key, "output": "json"}
        if region:
            params["region"] = region
        url = f"{self.api}?{urlencode(params)}"
        callback = partial(self._parse_json, exactly_one=exactly_one)
        return self._call_geocoder(url, callback, timeout=timeout)

    def _parse_json(self, page: Any, exactly_one: bool) -> Any:
        if not isinstance(page, dict):
            raise GeocoderServiceError(f"Tencent answered with unexpected JSON: {page!r:.200}")
        status = page.get("status")
        if status == NO_RESULT_STATUS:
            return None
        if status != 0:
            self._raise_for_status(status, str(page.get("message", "")))
        result = page.get("result")
        if not isinstance(result, dict):
            return None
        place = result.get("location")
        try:
            lon, lat = float(place["lng"]), float(place["lat"])  # type: ignore[index]
        except (KeyError, TypeError, ValueError):
            return None
        location = Location(_components_text(result), (lat, lon), result)
        return location if exactly_one else [location]

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
        raise error(text)

    def _geocoder_exception_handler(self, error: Exception) -> None:
        if isinstance(error, AdapterHTTPError) and error.status_code >= 500:
            raise GeocoderUnavailable(f"Tencent HTTP {error.status_code}") from error
