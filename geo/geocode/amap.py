"""Amap (高德) as a geopy geocoder and a provider: answers in GCJ-02, key in XUNQIN_AMAP_KEY.

Request and answer follow Amap's `/v3/geocode/geo`: `status` "1" for success, otherwise `info`
and `infocode` say why; each of `geocodes` has `location` "lon,lat", `level`, `adcode` and
`formatted_address`. Fields Amap leaves empty come as `[]` rather than "".
"""

from collections.abc import Mapping
from typing import Any, ClassVar

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
from geo.geocode.keyed import KeyedGeocoder, refusal
from geo.geocode.provider import Provider, adcode_at

__all__ = ("PROVIDER", "Amap", "amap_precision")

# infocode -> the geopy error it means; anything else unsuccessful is a GeocoderServiceError.
_ERRORS: dict[str, type[GeocoderServiceError]] = {
    "10001": GeocoderAuthenticationFailure,  # INVALID_USER_KEY
    "10005": GeocoderAuthenticationFailure,  # INVALID_USER_IP
    "10006": GeocoderAuthenticationFailure,  # INVALID_USER_DOMAIN
    "10007": GeocoderAuthenticationFailure,  # INVALID_USER_SIGNATURE
    "10008": GeocoderAuthenticationFailure,  # INVALID_USER_SCODE
    "10009": GeocoderAuthenticationFailure,  # USERKEY_PLAT_NOMATCH
    "10013": GeocoderAuthenticationFailure,  # USER_KEY_RECYCLED
    "10026": GeocoderAuthenticationFailure,  # INVALID_REQUEST: the account is blocked
    "10012": GeocoderInsufficientPrivileges,  # INSUFFICIENT_PRIVILEGES
    "10041": GeocoderInsufficientPrivileges,  # NO_EFFECTIVE_INTERFACE
    "10003": GeocoderQuotaExceeded,  # DAILY_QUERY_OVER_LIMIT
    "10010": GeocoderQuotaExceeded,  # IP_QUERY_OVER_LIMIT
    "10029": GeocoderQuotaExceeded,  # ABROAD_DAILY_QUERY_OVER_LIMIT
    "10044": GeocoderQuotaExceeded,  # USER_DAILY_QUERY_OVER_LIMIT
    "10045": GeocoderQuotaExceeded,  # USER_ABROAD_DAILY_QUERY_OVER_LIMIT
    "10004": GeocoderRateLimited,  # ACCESS_TOO_FREQUENT
    "10014": GeocoderRateLimited,  # QPS_HAS_EXCEEDED_THE_LIMIT
    "10019": GeocoderRateLimited,  # CQPS_HAS_EXCEEDED_THE_LIMIT
    "10020": GeocoderRateLimited,  # CKQPS_HAS_EXCEEDED_THE_LIMIT
    "10021": GeocoderRateLimited,  # CUQPS_HAS_EXCEEDED_THE_LIMIT
    "10002": GeocoderUnavailable,  # SERVICE_NOT_AVAILABLE
    "10015": GeocoderUnavailable,  # GATEWAY_TIMEOUT
    "10016": GeocoderUnavailable,  # SERVER_IS_BUSY
    "10017": GeocoderUnavailable,  # RESOURCE_UNAVAILABLE
    "20000": GeocoderQueryError,  # INVALID_PARAMS
    "20001": GeocoderQueryError,  # MISSING_REQUIRED_PARAMS
    "20002": GeocoderQueryError,  # ILLEGAL_REQUEST
}


def _text(value: Any) -> str:
    """Amap sends `[]` for an empty string field."""
    return value if isinstance(value, str) else ""


# Words outside this table are treated as the coarsest label: an unknown answer is not precise.
_LEVELS = {
    "门牌号": "exact",
    "单元号": "exact",
    "兴趣点": "poi",
    "公交站台、地铁站": "poi",
    "公交站台": "poi",
    "地铁站": "poi",
    "道路": "street",
    "道路交叉路口": "street",
    "热点商圈": "township",
    "村庄": "township",
    "乡镇": "township",
    "开发区": "county",  # a development zone's centre: as coarse as a county for a visitor
    "区县": "county",
    "市": "city",
    "省": "province",
    "国家": "province",
}


def amap_precision(raw: Mapping[str, Any]) -> str:
    """Amap's `level` as one of PRECISIONS.

    >>> amap_precision({"level": "门牌号"}), amap_precision({"level": "市"})
    ('exact', 'city')
    """
    return _LEVELS.get(str(raw.get("level", "")), "province")


class Amap(KeyedGeocoder):
    """Geocoder using Amap's Web service API (`/v3/geocode/geo`).

    Locations are GCJ-02, as Amap returns them; `raw` is one item of Amap's `geocodes`.
    `geocode(..., city=...)` narrows the search (a city name, citycode or adcode).
    """

    label = "Amap"
    api_path = "/v3/geocode/geo"
    default_domain = "restapi.amap.com"
    filters: ClassVar[Mapping[str, str]] = {"city": "city"}

    def _params(self, query: str) -> dict[str, str]:
        return {"key": self.api_key, "address": query, "output": "JSON"}

    def _locations(self, page: dict[str, Any]) -> list[Location]:
        self._check_status(page)
        locations = [self._parse_geocode(item) for item in page.get("geocodes") or []]
        return [location for location in locations if location is not None]

    @staticmethod
    def _parse_geocode(item: dict[str, Any]) -> Location | None:
        try:
            lon_text, lat_text = _text(item.get("location")).split(",")
            lon, lat = float(lon_text), float(lat_text)
        except ValueError:
            return None
        address = _text(item.get("formatted_address")).replace("|", "")
        return Location(address, (lat, lon), item)

    @staticmethod
    def _check_status(page: dict[str, Any]) -> None:
        if str(page.get("status")) == "1":
            return
        infocode = str(page.get("infocode", ""))
        info = str(page.get("info", ""))
        # A refusal in the body comes with HTTP 200 and no Retry-After; an HTTP 429 is geopy's
        # to read, and keeps the Retry-After it carries.
        raise refusal(_ERRORS.get(infocode, GeocoderServiceError), f"Amap error {infocode}: {info}")


PROVIDER = Provider(
    "amap", Amap, "XUNQIN_AMAP_KEY", Crs.GCJ02, amap_precision, adcode=adcode_at("adcode")
)
