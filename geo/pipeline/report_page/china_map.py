"""China for the build report's map: province outlines as SVG path data, in an equal-area map.

The projection is an Albers equal-area conic with standard parallels 25°N and 47°N and central
meridian 105°E (the usual choice for the whole of China: areas are true, shapes stay close to
what people know). One SVG user unit is one kilometre; SVG's y axis points down, so y is minus
the northing.

Provinces are the unions of the county polygons in data/boundaries/counties.npz, simplified as
a coverage (shared edges stay shared, so no gaps or overlaps appear) to SIMPLIFY_M, about one
pixel of a 900 px wide map; parts smaller than MIN_PART_KM2 (islets that would not show) are
left out.
"""

from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS, Transformer

from geo.core.boundaries import DEFAULT_COUNTIES_PATH, DivisionBoundaries
from geo.core.divisions import load_divisions
from geo.core.geodesy import FloatArray

ALBERS_CHINA = CRS.from_proj4(
    "+proj=aea +lat_0=0 +lat_1=25 +lat_2=47 +lon_0=105 +x_0=0 +y_0=0 +ellps=WGS84 +units=m"
)
SIMPLIFY_M = 5_000.0
MIN_PART_KM2 = 30.0
_METRES_PER_UNIT = 1_000.0
_TO_MAP = Transformer.from_crs(CRS.from_epsg(4326), ALBERS_CHINA, always_xy=True)


def project(lons: npt.ArrayLike, lats: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """WGS-84 degrees to map units (x east, y down), in kilometres.

    >>> xs, ys = project([105.0], [0.0])
    >>> float(xs[0]), float(ys[0])
    (0.0, -0.0)
    """
    x, y = _TO_MAP.transform(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
    return np.asarray(x) / _METRES_PER_UNIT, -np.asarray(y) / _METRES_PER_UNIT


@dataclass(frozen=True)
class Province:
    adcode: str  # the province's six-digit code, e.g. 430000
    name: str
    path: str  # SVG path data in map units


@dataclass(frozen=True)
class ChinaMap:
    provinces: tuple[Province, ...]
    bounds: tuple[float, float, float, float]  # min x, min y, max x, max y in map units


def path_data(geometry: shapely.Polygon | shapely.MultiPolygon) -> str:
    """SVG path data for a (Multi)Polygon in map units: whole units, relative moves, holes as
    subpaths (draw with fill-rule evenodd).

    >>> path_data(shapely.Polygon([(0, 0), (10.4, 0), (10, 5), (0, 0)]))
    'M0 0l10 0 0 5z'
    """
    parts: list[str] = []
    polygons = geometry.geoms if isinstance(geometry, shapely.MultiPolygon) else [geometry]
    for polygon in polygons:
        for ring in (polygon.exterior, *polygon.interiors):
            points = np.rint(shapely.get_coordinates(ring)[:-1]).astype(np.int64)
            keep = np.ones(len(points), dtype=bool)
            keep[1:] = np.any(np.diff(points, axis=0) != 0, axis=1)  # rounding merged them
            points = points[keep]
            if len(points) < 3:
                continue
            steps = np.diff(points, axis=0).ravel().tolist()
            head = f"M{points[0][0]} {points[0][1]}"
            parts.append(head + "l" + " ".join(map(str, steps)) + "z")
    return "".join(parts)


def _to_map_units(xy: FloatArray) -> FloatArray:
    xs, ys = project(xy[:, 0], xy[:, 1])
    return np.column_stack((xs, ys))


def _without_specks(
    geometry: shapely.Geometry, min_area: float
) -> shapely.Polygon | shapely.MultiPolygon:
    kept = [g for g in shapely.get_parts(geometry) if g.area >= min_area]
    return kept[0] if len(kept) == 1 else shapely.MultiPolygon(kept)


@cache
def china_map(counties_path: Path = DEFAULT_COUNTIES_PATH) -> ChinaMap:
    """The province outlines, built once per process (about a second)."""
    boundaries = DivisionBoundaries.load(counties_path)
    members: dict[str, list[int]] = defaultdict(list)
    for position, adcode in enumerate(boundaries.adcodes):
        members[adcode[:2] + "0000"].append(position)
    codes = sorted(members)
    unions = [shapely.coverage_union_all(boundaries.geometries[members[c]]) for c in codes]
    projected = shapely.transform(np.array(unions, dtype=object), _to_map_units)
    simplified = shapely.coverage_simplify(projected, SIMPLIFY_M / _METRES_PER_UNIT)
    min_area = MIN_PART_KM2 * (1_000.0 / _METRES_PER_UNIT) ** 2
    divisions = load_divisions()
    provinces = []
    shapes = [_without_specks(geometry, min_area) for geometry in simplified]
    for code, shape in zip(codes, shapes, strict=True):
        division = divisions.get(code)
        provinces.append(Province(code, division.name if division else code, path_data(shape)))
    west, south, east, north = shapely.total_bounds(shapes).tolist()
    return ChinaMap(tuple(provinces), (west, south, east, north))
