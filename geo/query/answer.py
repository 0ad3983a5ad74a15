"""One /nearest question answered: the search in WGS-84, the echo in the caller's system.

A caller speaks WGS-84, GCJ-02 or BD-09 and gives either coordinates or an address already
resolved to a `Placement`; the index only knows WGS-84. This module is the one place that
converts between the two and decides what the answer echoes back.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from geo.core.crs import Crs, from_wgs84, to_wgs84
from geo.dataset import COORDINATE_DECIMALS
from geo.geocode.base import Placement
from geo.query.catalogue import Catalogue

DISTANCE_DECIMALS = 3  # millimetres: the geodesic is exact far beyond that


@dataclass(frozen=True)
class NearestAnswer:
    """The query as echoed (keys in response order), then the hits nearest first.

    >>> import numpy as np
    >>> from geo.dataset import Dataset, Manifest
    >>> m = Manifest("v1", 2, "0" * 64, "2025-01-01T00:00:00+00:00", "doc", True, "doctest")
    >>> props = ({"id": "a", "province": "吉林省"}, {"id": "b", "province": "吉林省"})
    >>> ds = Dataset(m, np.array([125.0, 126.0]), np.array([44.0, 44.0]), ("a", "b"), props)
    >>> answer = nearest(Catalogue.build(ds), 125.9, 44.0, 5, crs=Crs.WGS84, radius_m=None)
    >>> dict(answer.query)
    {'lat': 44.0, 'lon': 125.9, 'n': 5, 'radius_m': None, 'coord': 'wgs84'}
    >>> answer.positions, answer.distances_m
    ((1, 0), (8020.619, 72185.216))
    """

    crs: Crs  # the caller's: of the echo, and of the results' coordinates
    query: Mapping[str, Any]
    positions: tuple[int, ...]
    distances_m: tuple[float, ...]  # rounded to DISTANCE_DECIMALS


def nearest(
    catalogue: Catalogue, lon: float, lat: float, n: int, *, crs: Crs, radius_m: float | None
) -> NearestAnswer:
    """The `n` points nearest to (lon, lat) given in `crs`, within `radius_m` if given."""
    wgs_lon, wgs_lat = (lon, lat) if crs is Crs.WGS84 else to_wgs84(lon, lat, source=crs)
    echo = {"lat": lat, "lon": lon, "n": n, "radius_m": radius_m, "coord": crs.value}
    return _search(catalogue, wgs_lon, wgs_lat, n, radius_m, crs, echo)


def nearest_to_place(
    catalogue: Catalogue,
    placement: Placement,
    address: str,
    n: int,
    *,
    crs: Crs,
    radius_m: float | None,
) -> NearestAnswer:
    """The `n` points nearest to where `address` was resolved; the echo says where that was."""
    lon, lat = from_wgs84(placement.lon, placement.lat, target=crs)
    echo = {
        "lat": round(lat, COORDINATE_DECIMALS),
        "lon": round(lon, COORDINATE_DECIMALS),
        "n": n,
        "radius_m": radius_m,
        "coord": crs.value,
        "address": address,
        "resolved": {
            "text": placement.resolved,
            "precision": placement.precision,
            "adcode": placement.adcode,
        },
    }
    return _search(catalogue, placement.lon, placement.lat, n, radius_m, crs, echo)


def _search(
    catalogue: Catalogue,
    lon: float,
    lat: float,
    n: int,
    radius_m: float | None,
    crs: Crs,
    echo: Mapping[str, Any],
) -> NearestAnswer:
    hits = catalogue.nearest(lon, lat, n, max_distance_m=radius_m)  # located points only
    return NearestAnswer(
        crs=crs,
        query=echo,
        positions=tuple(hits.positions.tolist()),
        distances_m=tuple(round(d, DISTANCE_DECIMALS) for d in hits.distances_m.tolist()),
    )
