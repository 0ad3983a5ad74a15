"""What every geocoder in this project hands back, whatever it asked and in which datum.

Providers answer in their own coordinate system (Amap and Tencent GCJ-02, Baidu BD-09,
Tianditu CGCS2000, Nominatim WGS-84) and with their own words for how precise a match is.
A `Placement` is the common answer: WGS-84 always, and one of `PRECISIONS` as the label.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

# Finest first. A published point carries one of these as its `precision` property.
PRECISIONS: tuple[str, ...] = (
    "exact",  # a surveyed or manually checked coordinate, or a door-number match
    "poi",  # the provider matched a named place (e.g. the police station itself)
    "street",  # a road or street, not the building
    "township",  # a 乡/镇/街道 seat or centre
    "county",  # a county-level division's seat (区/县/县级市/旗)
    "city",  # a prefecture-level division's seat
    "province",  # a province's seat: far too coarse to send anyone there
)


def precision_rank(precision: str) -> int:
    """0 for the finest label; higher is coarser.

    >>> precision_rank("exact") < precision_rank("county") < precision_rank("province")
    True
    """
    return PRECISIONS.index(precision)


def coarser(first: str, second: str) -> str:
    """The coarser of two precision labels.

    >>> coarser("poi", "county"), coarser("province", "street")
    ('county', 'province')
    """
    return first if precision_rank(first) >= precision_rank(second) else second


@dataclass(frozen=True)
class GeocodeQuery:
    """One record to place: the unit's name and address as published, plus any region columns
    and the area codes of its landlines (geo.core.phones.area_codes), which name its city."""

    address: str
    name: str = ""
    province: str | None = None
    city: str | None = None
    district: str | None = None
    area_codes: tuple[str, ...] = ()

    def text(self) -> str:
        """The address with the region columns it omits put in front, for online providers.

        >>> GeocodeQuery("岳麓区麓山南路1号", province="湖南省", city="长沙市").text()
        '湖南省长沙市岳麓区麓山南路1号'
        >>> GeocodeQuery("长沙市岳麓区麓山南路1号", province="湖南省", city="长沙市").text()
        '湖南省长沙市岳麓区麓山南路1号'
        """
        prefix = ""
        for part in (self.province, self.city, self.district):
            if part and part not in self.address and part not in prefix:
                prefix += part
        return prefix + self.address


@dataclass(frozen=True)
class Placement:
    """Where a geocoder put a record: WGS-84, with what it understood and how precisely."""

    lon: float
    lat: float
    precision: str  # one of PRECISIONS
    source: str  # "offline", "amap", "tianditu", "tencent", "baidu", "nominatim", "override"
    resolved: str  # what the text was understood as, e.g. "湖南省 长沙市 岳麓区"
    adcode: str | None = None  # the division the geocoder says the point is in, if it says
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.precision not in PRECISIONS:
            raise ValueError(f"unknown precision {self.precision!r}; expected one of {PRECISIONS}")


class Placer(Protocol):
    """Anything that can place a record: the offline geocoder, a provider adapter, a cache.

    `place` returns None when the geocoder found nothing; an outage, a bad key or an exhausted
    quota raise geopy's exceptions (`GeocoderQuotaExceeded`, `GeocoderAuthenticationFailure`,
    `GeocoderUnavailable`, ...) so the caller can stop, keep what it has, and say why.
    """

    name: str

    def place(self, query: GeocodeQuery) -> Placement | None: ...
