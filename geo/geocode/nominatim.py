"""OpenStreetMap's Nominatim as a provider: WGS-84 answers, a user agent in its key variable.

Its public server's usage policy asks for at most one request a second and a user agent that
names the deployment and a contact; both are kept here, with China as the country searched.
"""

from collections.abc import Mapping
from typing import Any

from geopy.geocoders import Nominatim

from geo.core.crs import Crs
from geo.geocode.provider import Provider, number

__all__ = ("PROVIDER", "nominatim_precision")

_ADDRESSTYPES = {
    "house": "exact",
    "road": "street",
    "hamlet": "township",
    "village": "township",
    "town": "township",
    "township": "township",
    "suburb": "township",
    "quarter": "township",
    "neighbourhood": "township",
    "city_district": "county",
    "district": "county",
    "county": "county",
    "city": "city",
    "municipality": "city",
    "region": "city",
    "state": "province",
    "province": "province",
    "country": "province",
}


def nominatim_precision(raw: Mapping[str, Any]) -> str:
    """Nominatim's `addresstype` when it names a level, else its `place_rank`.

    >>> nominatim_precision({"addresstype": "city", "place_rank": 16})
    'city'
    >>> nominatim_precision({"addresstype": "police", "place_rank": 30})
    'poi'
    """
    addresstype = str(raw.get("addresstype", ""))
    if addresstype in _ADDRESSTYPES:
        return _ADDRESSTYPES[addresstype]
    rank = number(raw.get("place_rank"))
    if rank is None:
        return "province"
    # Nominatim's search ranks: 8 province (admin_level 4), 10 prefecture, 12 county,
    # 16-25 towns and villages, 26-27 streets, 28-30 buildings and named places.
    for floor, precision in ((28, "poi"), (26, "street"), (16, "township"), (12, "county")):
        if rank >= floor:
            return precision
    return "city" if rank >= 10 else "province"


PROVIDER = Provider(
    "nominatim",
    Nominatim,
    "XUNQIN_NOMINATIM_USER_AGENT",
    Crs.WGS84,
    nominatim_precision,
    min_delay_seconds=1.0,
    policy_min_delay_seconds=1.0,  # the public server's usage policy: <= 1 request/s
    geocode_kwargs={"country_codes": "cn"},
    key_is_user_agent=True,
)
