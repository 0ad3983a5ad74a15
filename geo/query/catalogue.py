"""Catalogue: a loaded dataset with its PointIndex, lookup by id and browsing by region.

Built once per published version and never changed; a reload builds a new one beside it.
Its columns come from the version's sidecar (geo/packed.py), mapped, or packed in memory for a
version without one, so building needs no pass over every point's properties.
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
from geo.packed import IdLookup, Packed, pack_in_memory
from geo.query.index import IntArray, Neighbours, PointIndex

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
    columns: Packed  # the dataset's sidecar columns: names in UTF-8, located, orders

    @classmethod
    def build(cls, dataset: Dataset) -> "Catalogue":
        columns = dataset.packed
        if columns is None:  # a version without a usable sidecar: the same columns, in memory
            columns = pack_in_memory(dataset.lons, dataset.lats, dataset.ids, dataset.properties)
        ranked = np.flatnonzero(columns.located).astype(np.int64)
        # Ranks in id order break distance ties as the ids would, without sorting N strings.
        keys = columns.id_ranks()[ranked]
        stored_rtree = columns.rtree_pages()
        if len(ranked) == len(dataset):  # every point located: index the mapped arrays as is
            index = PointIndex(columns.lons, columns.lats, keys, stored_rtree=stored_rtree)
        else:
            lons, lats = columns.lons[ranked], columns.lats[ranked]
            index = PointIndex(lons, lats, keys, stored_rtree=stored_rtree)
        return cls(
            dataset=dataset,
            index=index,
            ranked=ranked,
            positions_by_id=IdLookup(columns),
            browse_order=columns.browse_order,
            columns=columns,
        )

    def position_of(self, point_id: str) -> int | None:
        return self.positions_by_id.get(point_id)

    def located(self, position: int) -> bool:
        """Whether the point at this dataset position is ranked by distance."""
        return bool(self.columns.located[position])

    def nearest(
        self, lon: float, lat: float, k: int, *, max_distance_m: float | None = None
    ) -> Neighbours:
        """`PointIndex.nearest` over the located points, with dataset positions."""
        hits = self.index.nearest(lon, lat, k, max_distance_m=max_distance_m)
        return Neighbours(self.ranked[hits.positions], hits.distances_m)

    def browse(
        self,
        *,
        province: str | None = None,
        city: str | None = None,
        adcode: str | None = None,
        located: bool | None = None,
    ) -> IntArray:
        """Positions of points in the given region, in `browse_order`.

        Names match whole ("吉林省") or by their leading part ("吉林"); an adcode matches its
        own division and everything under it ("220000" is all of 吉林省, "220100" 长春市).
        `located` keeps only the points with (True) or without (False) a location.
        """
        keep = np.ones(len(self.dataset), dtype=bool)
        if province:
            keep &= _name_matches(self.columns.provinces, province, "province")
        if city:
            keep &= _name_matches(self.columns.cities, city, "city")
        if adcode:
            keep &= np.char.startswith(self.columns.adcodes, _adcode_prefix(adcode).encode())
        if located is not None:
            keep &= self.columns.located == located
        order = self.browse_order
        return order[keep[order]]


@dataclass(frozen=True)
class Area:
    """A prefecture-level city, a province's directly administered units, or its points with
    no location yet, for browsing."""

    name: str
    # With `located`, works with `Catalogue.browse(adcode=..., located=...)`: exactly this
    # area's points.
    adcode: str
    points: int
    located: bool = True  # False: the province's points known only to the province


@dataclass(frozen=True)
class Province:
    name: str
    adcode: str
    points: int
    areas: tuple[Area, ...]


# County-level units a province runs directly (仙桃市, 济源市, 兵团 cities) have no city.
DIRECTLY_ADMINISTERED = "省直辖县级行政区划"
# A province's points known only to the province (`geo.record.is_located` False): one area of
# their own, after the others, so no place seems to hold them and no count includes them.
NOT_LOCATED_AREA = "尚无位置，只知道所在省份"


def regions(catalogue: "Catalogue") -> tuple[Province, ...]:
    """Provinces and their areas with point counts, in adcode order, for people without GPS.

    A located area's adcode is the longest even-length prefix its points share, padded with
    zeros, so browsing by it and located=True returns exactly that area (北京市's city point
    110000 and its districts 1101xx share "11": the whole municipality). A province's points
    without a location form the last area, NOT_LOCATED_AREA, with the province's code and
    located=False, whatever city or code they carry.
    """
    columns, order = catalogue.columns, catalogue.browse_order
    # One group per (province, area), in the order of its first point in browse order. Codes
    # run in sorted order there, so a group's shared prefix is that of its first and last code.
    # A group's points mostly come in one run of browse order: find the runs with vectorised
    # comparisons, then merge runs by key in Python (sorting 5M names took 1.5 s).
    provinces_b, cities_b = columns.provinces[order], columns.cities[order]
    located_b = columns.located[order]
    count = len(order)
    boundary = np.ones(count, dtype=bool)
    boundary[1:] = (
        (provinces_b[1:] != provinces_b[:-1])
        | (cities_b[1:] != cities_b[:-1])
        | (located_b[1:] != located_b[:-1])
    )
    starts = np.flatnonzero(boundary)
    ends = np.append(starts[1:], count) - 1
    groups: dict[tuple[bytes, bytes | None], list[int]] = {}  # key -> [first, last, size]
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        located = bool(located_b[start])
        key = (bytes(provinces_b[start]), bytes(cities_b[start]) if located else None)
        seen = groups.get(key)
        if seen is None:
            groups[key] = [start, end, end - start + 1]
        else:
            seen[1], seen[2] = end, seen[2] + end - start + 1
    first = np.array([g[0] for g in groups.values()], dtype=np.int64)
    last = np.array([g[1] for g in groups.values()], dtype=np.int64)
    sizes = np.array([g[2] for g in groups.values()], dtype=np.int64)
    provinces: dict[str, list[Area]] = {}
    unlocated: dict[str, Area] = {}
    for group in np.argsort(first, kind="stable").tolist():
        at, end = order[first[group]], order[last[group]]
        code = _shared_code([columns.adcodes[at].decode(), columns.adcodes[end].decode()])
        province = columns.provinces[at].decode()
        areas = provinces.setdefault(province, [])
        if columns.located[at]:
            name = columns.cities[at].decode() or DIRECTLY_ADMINISTERED
            areas.append(Area(name, code, int(sizes[group])))
        else:  # browsed as the whole province's unlocated points
            code = code[:2].ljust(6, "0") if code else ""
            unlocated[province] = Area(NOT_LOCATED_AREA, code, int(sizes[group]), located=False)
    for province, area in unlocated.items():
        provinces[province].append(area)
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
    # UTF-8 keeps prefixes: a name starts with the query iff its encoding starts with the query's.
    return np.asarray(np.char.startswith(names, query.encode()), dtype=bool)


def _adcode_prefix(adcode: str) -> str:
    """'220000' -> '22', '220100' -> '2201', '220113' -> '220113'."""
    adcode = adcode.strip()
    if not _ADCODE_RE.fullmatch(adcode):
        raise InvalidQuery(f"adcode must be {ADCODE_RULE}, got {adcode!r}")
    while len(adcode) > 2 and adcode.endswith("00"):
        adcode = adcode[:-2]
    return adcode
