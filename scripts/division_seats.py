"""Every county and city seat inside its own polygon (build time).

A seat taken from an older source can lie outside today's boundary: the seat moved, or the
county was carved out of the city it used to belong to, so the old point is now in a neighbour.
Each county- and prefecture-level seat is checked against its polygon in data/boundaries/
(geo/core/boundaries.py); one outside is replaced by the pole of inaccessibility of the largest
part of that polygon (shapely.ops.polylabel, to 0.001°): the inner point farthest from the edge,
so never on a border and never in a neighbour.
"""

from dataclasses import dataclass

import shapely
from shapely.ops import polylabel

from geo.core.boundaries import DivisionBoundaries

POLE_TOLERANCE_DEG = 0.001


@dataclass(frozen=True)
class Moved:
    adcode: str
    name: str
    old: tuple[float, float]
    new: tuple[float, float]
    found_in: str | None  # where the old point actually lies


def inner_point(area: shapely.Polygon | shapely.MultiPolygon) -> tuple[float, float]:
    parts = list(area.geoms) if isinstance(area, shapely.MultiPolygon) else [area]
    largest = max(parts, key=lambda p: p.area)
    point = polylabel(largest, tolerance=POLE_TOLERANCE_DEG)
    if not largest.contains(point):  # polylabel's answer is inside by construction; be sure
        point = largest.point_on_surface()
    return float(point.x), float(point.y)


def seats_inside(
    seats: dict[str, tuple[float, float]],
    names: dict[str, str],
    boundaries: DivisionBoundaries,
) -> list[Moved]:
    """Replace, in place, every seat outside its own division's polygon; the replaced ones."""
    moved = []
    for adcode in sorted(seats):
        if adcode not in boundaries:
            continue
        lon, lat = seats[adcode]
        parts = list(boundaries.members(adcode))
        if shapely.intersects_xy(boundaries.geometries[parts], lon, lat).any():
            continue
        area = boundaries.outline(adcode)
        if area is None:
            continue
        seats[adcode] = inner_point(area)
        found_in = boundaries.locate(lon, lat)
        moved.append(Moved(adcode, names[adcode], (lon, lat), seats[adcode], found_in))
    return moved
