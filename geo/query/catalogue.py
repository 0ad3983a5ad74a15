"""Catalogue: a loaded dataset with its PointIndex, lookup by id and browsing by region.

Built once per published version and never changed; a reload builds a new one beside it.
Only located points are in the index: a point known only to its province (`geo.record.
is_located`) would get a distance from its province's seat, a place it is not. It is still
listed by id and by region.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from geo.core.errors import InvalidQuery
from geo.dataset import Dataset
from geo.query.index import IntArray, Neighbours, PointIndex
from geo.record import is_located

# A province, city or county code (220000, 2201, 220113): the API declares this pattern.
ADCODE_PATTERN = r"^(\d\d){1,3}$"
ADCODE_RULE = "2, 4 or 6 digits such as 220000"  # ADCODE_PATTERN in words, for messages
NAME_MAX_LENGTH = 40  # longest province or city name accepted for browsing
_ADCODE_RE = re.compile(ADCODE_PATTERN)


@dataclass(frozen=True)
class Catalogue:
    """Everything a query needs about one dataset version, immutable.

    >>> from geo.dataset import Dataset, Manifest
    >>> m = Manifest("v1", 2, "0" * 64, "2025-01-01T00:00:00+00:00", "doc", True, "doctest")
    >>> props = ({"id": "b", "province": "吉林省", "city": "长春市", "adcode": "220113"},
    ...          {"id": "a", "province": "湖北省", "city": "武汉市", "adcode": "420102"})
    >>> ds = Dataset(m, np.array([125.6, 114.3]), np.array([44.4, 30.6]), ("b", "a"), props)
    >>> cat = Catalogue.build(ds)
    >>> cat.position_of("a"), cat.browse(province="吉林").tolist(), cat.browse().tolist()
    (1, [0], [0, 1])
    >>> cat.nearest(114.3, 30.6, 5).positions.tolist()
    [1, 0]
    """

    dataset: Dataset
    index: PointIndex  # over the located points only: its positions index `ranked`
    ranked: IntArray  # dataset positions of the located points, in dataset order
    positions_by_id: Mapping[str, int]
    browse_order: IntArray  # positions ordered by (adcode, id): a stable listing order
    _provinces: np.ndarray
    _cities: np.ndarray
    _adcodes: np.ndarray

    @classmethod
    def build(cls, dataset: Dataset) -> "Catalogue":
        located = np.array(
            [is_located(p.get("precision")) for p in dataset.properties], dtype=bool
        ).reshape(-1)
        ranked = np.flatnonzero(located).astype(np.int64)
        keys = np.array(dataset.ids, dtype=str).reshape(-1)[ranked]
        index = PointIndex(dataset.lons[ranked], dataset.lats[ranked], keys)
        provinces = np.array([p.get("province") or "" for p in dataset.properties], dtype=str)
        cities = np.array([p.get("city") or "" for p in dataset.properties], dtype=str)
        adcodes = np.array([p.get("adcode") or "" for p in dataset.properties], dtype=str)
        ids = np.array(dataset.ids, dtype=str)
        browse_order = np.lexsort((ids, adcodes)).astype(np.int64)
        return cls(
            dataset=dataset,
            index=index,
            ranked=ranked,
            positions_by_id={key: position for position, key in enumerate(dataset.ids)},
            browse_order=browse_order,
            _provinces=provinces,
            _cities=cities,
            _adcodes=adcodes,
        )

    def position_of(self, point_id: str) -> int | None:
        return self.positions_by_id.get(point_id)

    def located(self, position: int) -> bool:
        """Whether the point at this dataset position is ranked by distance."""
        return is_located(self.dataset.properties[position].get("precision"))

    def nearest(
        self, lon: float, lat: float, k: int, *, max_distance_m: float | None = None
    ) -> Neighbours:
        """`PointIndex.nearest` over the located points, with dataset positions."""
        hits = self.index.nearest(lon, lat, k, max_distance_m=max_distance_m)
        return Neighbours(self.ranked[hits.positions], hits.distances_m)

    def browse(
        self, *, province: str | None = None, city: str | None = None, adcode: str | None = None
    ) -> IntArray:
        """Positions of points in the given region, in `browse_order`.

        Names match whole ("吉林省") or by their leading part ("吉林"); an adcode matches its
        own division and everything under it ("220000" is all of 吉林省, "220100" 长春市).
        """
        keep = np.ones(len(self.dataset), dtype=bool)
        if province:
            keep &= _name_matches(self._provinces, province, "province")
        if city:
            keep &= _name_matches(self._cities, city, "city")
        if adcode:
            keep &= np.char.startswith(self._adcodes, _adcode_prefix(adcode))
        order = self.browse_order
        return order[keep[order]]


@dataclass(frozen=True)
class Area:
    """A prefecture-level city, or a province's directly administered units, for browsing."""

    name: str
    adcode: str  # works with `Catalogue.browse(adcode=...)`: exactly this area's points
    points: int


@dataclass(frozen=True)
class Province:
    name: str
    adcode: str
    points: int
    areas: tuple[Area, ...]


# County-level units a province runs directly (仙桃市, 济源市, 兵团 cities) have no city.
DIRECTLY_ADMINISTERED = "省直辖县级行政区划"


def regions(catalogue: "Catalogue") -> tuple[Province, ...]:
    """Provinces and their areas with point counts, in adcode order, for people without GPS.

    An area's adcode is the longest even-length prefix its points share, padded with zeros,
    so browsing by it returns exactly that area (北京市's city point 110000 and its districts
    1101xx share "11": the whole municipality).
    """
    groups: dict[tuple[str, str], list[str]] = {}
    for position in catalogue.browse_order.tolist():
        props = catalogue.dataset.properties[position]
        area = props.get("city") or DIRECTLY_ADMINISTERED
        groups.setdefault((props["province"], area), []).append(props.get("adcode") or "")
    provinces: dict[str, list[Area]] = {}
    for (province, area), codes in groups.items():
        provinces.setdefault(province, []).append(Area(area, _shared_code(codes), len(codes)))
    return tuple(
        Province(
            name=name,
            adcode=areas[0].adcode[:2] + "0000",
            points=sum(area.points for area in areas),
            areas=tuple(areas),
        )
        for name, areas in provinces.items()
    )


def _shared_code(codes: list[str]) -> str:
    """'220102', '220104' -> '220100'; '110000', '110101' -> '110000'."""
    prefix = codes[0]
    for code in codes[1:]:
        while not code.startswith(prefix):
            prefix = prefix[:-1]
    prefix = prefix[: len(prefix) - len(prefix) % 2]
    return prefix.ljust(6, "0") if prefix else ""


# What counts as blank around a typed name: ASCII whitespace and the full-width space that
# Chinese input methods produce. Kept explicit so the API's declared pattern says the same.
BLANK_CHARACTERS = " \t\n\r\f\v\u3000"


def _name_matches(names: np.ndarray, query: str, param: str) -> np.ndarray:
    query = query.strip(BLANK_CHARACTERS)
    if not query or len(query) > NAME_MAX_LENGTH:
        raise InvalidQuery(f"{param} must be 1 to {NAME_MAX_LENGTH} characters, got {query!r}")
    return np.asarray(np.char.startswith(names, query), dtype=bool)


def _adcode_prefix(adcode: str) -> str:
    """'220000' -> '22', '220100' -> '2201', '220113' -> '220113'."""
    adcode = adcode.strip()
    if not _ADCODE_RE.fullmatch(adcode):
        raise InvalidQuery(f"adcode must be {ADCODE_RULE}, got {adcode!r}")
    while len(adcode) > 2 and adcode.endswith("00"):
        adcode = adcode[:-2]
    return adcode
