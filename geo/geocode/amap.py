"""Amap (高德) Web service geocoding as a geopy geocoder; answers are in GCJ-02, as Amap gives them.

Request and answer follow Amap's `/v3/geocode/geo`: `status` "1" for success, otherwise `info`
and `infocode` say why; each of `geocodes` has `location` "lon,lat", `level`, `adcode` and
`formatted_address`. Fields Amap leaves empty come as `[]` rather than "".
"""

from functools import partial
from typing import Any
from urllib.parse import urlencode

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

__all__ = ("Amap",)

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


class Amap(KeyedGeocoder):
    """Geocoder using Amap's Web service API (`/v3/geocode/geo`).

    Locations are GCJ-02, as Amap returns them; `raw` is one item of Amap's `geocodes`.
    """

    api_path = "/v3/geocode/geo"

    default_domain = "restapi.amap.com"

    def geocode(
        self,
        query: str,
        *,
        exactly_one: bool = True,
        timeout: Any = DEFAULT_SENTINEL,
        city: str | None = None,
    ) -> Any:
        """Locations for an address: None if Amap found nothing, else one or a list.

        `city` narrows the search (a city name, citycode or adcode), as Amap's `city` parameter.
        """
        params = {"key": self.api_key, "address": query, "output": "JSON"}
        if city:
            params["city"] = city
        url = f"{self.api}?{urlencode(params)}"
        callback = partial(self._parse_json, exactly_one=exactly_one)
        return self._call_geocoder(url, callback, timeout=timeout)

    def _parse_json(self, page: Any, exactly_one: bool) -> Any:
        if not isinstance(page, dict):
            raise GeocoderServiceError(f"Amap answered with unexpected JSON: {page!r:.200}")
        self._check_status(page)
        locations = [self._parse_geocode(item) for item in page.get("geocodes") or []]
        found = [location for location in locations if location is not None]
        if not found:
            return None
        return found[0] if exactly_one else found

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
        error = _ERRORS.get(infocode, GeocoderServiceError)
        message = f"Amap error {infocode}: {info}"
        if error is GeocoderRateLimited:
            raise GeocoderRateLimited(message)
        raise error(message)
