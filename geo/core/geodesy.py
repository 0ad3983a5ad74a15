"""WGS-84 geodesy: geodesic distances and Earth-centred (ECEF) coordinates.

Straight-line ECEF distance between two points on the ellipsoid never exceeds the geodesic
distance between them, which makes it a cheap, rigorous lower bound for exact ranking.
"""

import math

import numpy as np
import numpy.typing as npt
from pyproj import Geod

from geo.core.errors import InvalidQuery

WGS84_A_M = 6378137.0
WGS84_F = 1 / 298.257223563
_E2 = WGS84_F * (2 - WGS84_F)

WGS84_GEOD = Geod(ellps="WGS84")

FloatArray = npt.NDArray[np.float64]


def ecef_m(lons: npt.ArrayLike, lats: npt.ArrayLike) -> FloatArray:
    """Earth-centred x, y, z in metres of points on the WGS-84 ellipsoid, shape (n, 3).

    >>> ecef_m([0.0], [0.0]).tolist()
    [[6378137.0, 0.0, 0.0]]
    """
    lam = np.radians(np.asarray(lons, dtype=np.float64))
    phi = np.radians(np.asarray(lats, dtype=np.float64))
    sin_phi = np.sin(phi)
    cos_phi = np.cos(phi)
    prime_vertical = WGS84_A_M / np.sqrt(1.0 - _E2 * sin_phi * sin_phi)
    return np.column_stack(
        (
            prime_vertical * cos_phi * np.cos(lam),
            prime_vertical * cos_phi * np.sin(lam),
            prime_vertical * (1.0 - _E2) * sin_phi,
        )
    )


def ecef_point_m(lon: float, lat: float) -> tuple[float, float, float]:
    """Scalar twin of `ecef_m` for one query point, without numpy's per-call overhead.

    >>> abs(ecef_point_m(116.4, 39.9)[2] - float(ecef_m([116.4], [39.9])[0, 2])) < 1e-6
    True
    """
    lam = math.radians(lon)
    phi = math.radians(lat)
    sin_phi = math.sin(phi)
    cos_phi = math.cos(phi)
    prime_vertical = WGS84_A_M / math.sqrt(1.0 - _E2 * sin_phi * sin_phi)
    return (
        prime_vertical * cos_phi * math.cos(lam),
        prime_vertical * cos_phi * math.sin(lam),
        prime_vertical * (1.0 - _E2) * sin_phi,
    )


def geodesic_distances_m(
    lon: float, lat: float, lons: npt.ArrayLike, lats: npt.ArrayLike
) -> FloatArray:
    """Geodesic metres on WGS-84 from one point to each of many (Karney's algorithm, via PROJ).

    >>> round(float(geodesic_distances_m(116.0, 40.0, [117.0], [40.0])[0]), 3)
    85393.409
    >>> round(float(geodesic_distances_m(116, 40, [117], [40])[0]), 3)  # integers alike
    85393.409
    """
    # Fresh contiguous float64 arrays: PROJ's inverse writes its results into its inputs.
    lons2 = np.array(lons, dtype=np.float64)
    lats2 = np.array(lats, dtype=np.float64)
    count = lons2.shape[0]
    # `Geod.inv` would first try, and fail, a scalar fast path, then copy all four arrays;
    # on the query path that costs as much as the geodesics themselves. `_inv` is the
    # vectorised core it then calls; tests/geo/test_geodesy.py pins it to `inv`.
    # float64 explicitly: np.full(count, 112) would be an integer array PROJ misreads.
    start_lons = np.full(count, lon, dtype=np.float64)
    start_lats = np.full(count, lat, dtype=np.float64)
    WGS84_GEOD._inv(start_lons, start_lats, lons2, lats2)
    return lons2  # now the distances in metres


def check_lon_lat(lon: float, lat: float) -> None:
    """Raise `InvalidQuery` unless lon/lat are finite and in range; names the bad parameter."""
    if not -90.0 <= lat <= 90.0:  # also false for NaN
        raise InvalidQuery(
            f"lat must be a finite latitude in degrees within [-90, 90], got {lat!r}", param="lat"
        )
    if not -180.0 <= lon <= 180.0:
        raise InvalidQuery(
            f"lon must be a finite longitude in degrees within [-180, 180], got {lon!r}",
            param="lon",
        )
