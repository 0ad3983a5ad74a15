"""China's coordinate systems: WGS-84, GCJ-02 (Amap, Tencent, WeChat) and BD-09 (Baidu).

The offsets apply inside mainland China only (`in_mainland`, data/boundaries/mainland.geojson),
and they are large: GCJ-02 moves points by up to 0.7 km, BD-09 by 0.7-1.5 km. So near a border
(Hong Kong, Macau, a neighbouring country) a coordinate is ambiguous: an offset mainland point
and an unoffset point across the border can have the same numbers. `to_wgs84` resolves it for
the mainland: it converts a point when the converted position lies in the mainland, which makes
it the exact inverse of `from_wgs84` for every mainland point; a point across the border and
within that distance of it is then moved as if it were a mainland one.
"""

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Generic, TypeVar, overload

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import shape

from geo.core.geodesy import FloatArray

BoolArray = npt.NDArray[np.bool_]

DEFAULT_MAINLAND_PATH = (
    Path(__file__).resolve().parents[2] / "data" / "boundaries" / "mainland.geojson"
)


class Crs(StrEnum):
    WGS84 = "wgs84"
    GCJ02 = "gcj02"
    BD09 = "bd09"


_KRASOVSKY_A = 6378245.0
_KRASOVSKY_E2 = 0.00669342162296594323
_BD_X_PI = math.pi * 3000.0 / 180.0
_INVERSE_TOLERANCE_DEG = 1e-10
_INVERSE_MAX_STEPS = 50

# Each formula is written once over these functions: numpy's for arrays, `math`'s for the
# one-point path that every API request takes, where numpy's per-call overhead would dominate.
_T = TypeVar("_T", float, FloatArray)


@dataclass(frozen=True)
class _Maths(Generic[_T]):
    sin: Callable[[_T], _T]
    cos: Callable[[_T], _T]
    sqrt: Callable[[_T], _T]
    atan2: Callable[[_T, _T], _T]


_ARRAY_MATHS: _Maths[FloatArray] = _Maths(np.sin, np.cos, np.sqrt, np.arctan2)
_POINT_MATHS: _Maths[float] = _Maths(math.sin, math.cos, math.sqrt, math.atan2)


def _gcj02(m: _Maths[_T], lon: _T, lat: _T) -> tuple[_T, _T]:
    # Operation for operation the published formula, so results match other implementations
    # to the last bit rather than to a rounding error.
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = m.sqrt(abs(x))
    shared = (20.0 * m.sin(6.0 * x * math.pi) + 20.0 * m.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x
    d_lat += shared
    d_lat += (20.0 * m.sin(y * math.pi) + 40.0 * m.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    d_lat += (160.0 * m.sin(y / 12.0 * math.pi) + 320.0 * m.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x
    d_lon += shared
    d_lon += (20.0 * m.sin(x * math.pi) + 40.0 * m.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    d_lon += (150.0 * m.sin(x / 12.0 * math.pi) + 300.0 * m.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    rad_lat = lat / 180.0 * math.pi
    sin_lat = m.sin(rad_lat)
    magic = 1.0 - _KRASOVSKY_E2 * sin_lat * sin_lat
    sqrt_magic = m.sqrt(magic)
    d_lat = (d_lat * 180.0) / (
        (_KRASOVSKY_A * (1.0 - _KRASOVSKY_E2)) / (magic * sqrt_magic) * math.pi
    )
    d_lon = (d_lon * 180.0) / (_KRASOVSKY_A / sqrt_magic * m.cos(rad_lat) * math.pi)
    return lon + d_lon, lat + d_lat


def _bd09(m: _Maths[_T], lon: _T, lat: _T) -> tuple[_T, _T]:
    z = m.sqrt(lon * lon + lat * lat) + 0.00002 * m.sin(lat * _BD_X_PI)
    theta = m.atan2(lat, lon) + 0.000003 * m.cos(lon * _BD_X_PI)
    return z * m.cos(theta) + 0.0065, z * m.sin(theta) + 0.006


def _arrays(lons: npt.ArrayLike, lats: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    return np.asarray(lons, dtype=np.float64), np.asarray(lats, dtype=np.float64)


def wgs84_to_gcj02(lons: npt.ArrayLike, lats: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Forward GCJ-02 obfuscation (the public formula), applied wherever the points are.

    >>> lon, lat = wgs84_to_gcj02(116.397, 39.908)
    >>> round(float(lon), 6), round(float(lat), 6)
    (116.403243, 39.909403)
    """
    return _gcj02(_ARRAY_MATHS, *_arrays(lons, lats))


def gcj02_to_bd09(lons: npt.ArrayLike, lats: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Forward BD-09 from GCJ-02 (the public formula), applied wherever the points are.

    >>> lon, lat = gcj02_to_bd09(116.403243, 39.909403)
    >>> round(float(lon), 6), round(float(lat), 6)
    (116.409616, 39.915744)
    """
    return _bd09(_ARRAY_MATHS, *_arrays(lons, lats))


def wgs84_to_bd09(lons: npt.ArrayLike, lats: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Forward BD-09 from WGS-84, through GCJ-02, applied wherever the points are.

    >>> lon, lat = wgs84_to_bd09(116.397, 39.908)
    >>> round(float(lon), 6), round(float(lat), 6)
    (116.409616, 39.915744)
    """
    return _bd09(_ARRAY_MATHS, *_gcj02(_ARRAY_MATHS, *_arrays(lons, lats)))


def _invert(
    forward: Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]],
    lons: npt.ArrayLike,
    lats: npt.ArrayLike,
) -> tuple[FloatArray, FloatArray]:
    target_lon, target_lat = _arrays(lons, lats)
    # Over the mainland the offsets change by at most 0.8% (GCJ-02) and 2.4% (BD-09) of a
    # degree per degree, so each fixed-point step shrinks the error by at least that factor:
    # five or six steps reach 1e-10 degrees.
    lon, lat = target_lon.copy(), target_lat.copy()
    for _ in range(_INVERSE_MAX_STEPS):
        fwd_lon, fwd_lat = forward(lon, lat)
        err_lon = fwd_lon - target_lon
        err_lat = fwd_lat - target_lat
        lon = lon - err_lon
        lat = lat - err_lat
        # NaN never converges; it must not keep every other point iterating.
        worst = max(
            float(np.max(np.abs(err_lon), initial=0.0, where=np.isfinite(err_lon))),
            float(np.max(np.abs(err_lat), initial=0.0, where=np.isfinite(err_lat))),
        )
        if worst < _INVERSE_TOLERANCE_DEG:
            break
    return lon, lat


def _invert_point(
    forward: Callable[[float, float], tuple[float, float]], target_lon: float, target_lat: float
) -> tuple[float, float]:
    lon, lat = target_lon, target_lat
    for _ in range(_INVERSE_MAX_STEPS):
        fwd_lon, fwd_lat = forward(lon, lat)
        err_lon = fwd_lon - target_lon
        err_lat = fwd_lat - target_lat
        lon -= err_lon
        lat -= err_lat
        if abs(err_lon) < _INVERSE_TOLERANCE_DEG and abs(err_lat) < _INVERSE_TOLERANCE_DEG:
            break
    return lon, lat


def gcj02_to_wgs84(lons: npt.ArrayLike, lats: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Exact inverse of `wgs84_to_gcj02`, by iteration, applied wherever the points are.

    >>> lon, lat = gcj02_to_wgs84(*wgs84_to_gcj02(116.397, 39.908))
    >>> abs(float(lon) - 116.397) < 1e-9 and abs(float(lat) - 39.908) < 1e-9
    True
    """
    return _invert(wgs84_to_gcj02, lons, lats)


def bd09_to_gcj02(lons: npt.ArrayLike, lats: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Exact inverse of `gcj02_to_bd09`, by iteration, applied wherever the points are.

    >>> lon, lat = bd09_to_gcj02(*gcj02_to_bd09(116.397, 39.908))
    >>> abs(float(lon) - 116.397) < 1e-9 and abs(float(lat) - 39.908) < 1e-9
    True
    """
    return _invert(gcj02_to_bd09, lons, lats)


def bd09_to_wgs84(lons: npt.ArrayLike, lats: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Exact inverse of `wgs84_to_bd09`, by iteration over the composed transform.

    >>> lon, lat = bd09_to_wgs84(*wgs84_to_bd09(116.397, 39.908))
    >>> abs(float(lon) - 116.397) < 1e-9 and abs(float(lat) - 39.908) < 1e-9
    True
    """
    return _invert(wgs84_to_bd09, lons, lats)


def _gcj02_point(lon: float, lat: float) -> tuple[float, float]:
    return _gcj02(_POINT_MATHS, lon, lat)


def _bd09_point(lon: float, lat: float) -> tuple[float, float]:
    return _bd09(_POINT_MATHS, *_gcj02(_POINT_MATHS, lon, lat))


_ArrayForward = Callable[[npt.ArrayLike, npt.ArrayLike], tuple[FloatArray, FloatArray]]
_FORWARD: dict[Crs, _ArrayForward] = {Crs.GCJ02: wgs84_to_gcj02, Crs.BD09: wgs84_to_bd09}
_INVERSE: dict[Crs, _ArrayForward] = {Crs.GCJ02: gcj02_to_wgs84, Crs.BD09: bd09_to_wgs84}
_FORWARD_POINT = {Crs.GCJ02: _gcj02_point, Crs.BD09: _bd09_point}


@dataclass(frozen=True)
class MainlandBoundary:
    """Where the offsets apply: mainland China's land and near-shore sea, one prepared polygon.

    >>> boundary = MainlandBoundary.load()
    >>> boundary.contains_point(116.397, 39.908), boundary.contains_point(114.17, 22.28)
    (True, False)
    """

    geometry: shapely.Polygon | shapely.MultiPolygon
    # The bounding box padded by more than the largest offset (BD-09: 1.5 km, < 0.025 deg), so
    # that every offset image of a point inside lies within it.
    padded_bounds: tuple[float, float, float, float] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        shapely.prepare(self.geometry)
        west, south, east, north = self.geometry.bounds
        pad = 0.05
        object.__setattr__(
            self, "padded_bounds", (west - pad, south - pad, east + pad, north + pad)
        )

    @classmethod
    def load(cls, path: Path = DEFAULT_MAINLAND_PATH) -> "MainlandBoundary":
        """Read a GeoJSON Feature (WGS-84), as written by scripts/make_mainland_boundary.py."""
        geometry = shape(json.loads(path.read_bytes())["geometry"])
        if not isinstance(geometry, shapely.Polygon | shapely.MultiPolygon):
            raise ValueError(f"{path}: expected a (Multi)Polygon, got {geometry.geom_type}")
        return cls(geometry)

    def contains(self, lons: npt.ArrayLike, lats: npt.ArrayLike) -> BoolArray:
        return np.asarray(shapely.contains_xy(self.geometry, lons, lats), dtype=np.bool_)

    def contains_point(self, lon: float, lat: float) -> bool:
        return bool(shapely.contains_xy(self.geometry, lon, lat))

    def near(self, lons: FloatArray, lats: FloatArray) -> BoolArray:
        """Within the padded bounding box: a cheap test before converting; NaN is never near."""
        west, south, east, north = self.padded_bounds
        # asarray: on 0-d input the comparisons give a numpy scalar, which cannot be assigned to.
        return np.asarray((lons >= west) & (lons <= east) & (lats >= south) & (lats <= north))

    def near_point(self, lon: float, lat: float) -> bool:
        west, south, east, north = self.padded_bounds
        return west <= lon <= east and south <= lat <= north


@cache
def _shipped_boundary() -> MainlandBoundary:
    return MainlandBoundary.load()


def in_mainland(
    lons: npt.ArrayLike, lats: npt.ArrayLike, *, boundary: MainlandBoundary | None = None
) -> BoolArray:
    """Whether each WGS-84 point lies where the offsets apply (the shipped boundary by default).

    >>> in_mainland([114.06, 114.17, 121.56], [22.54, 22.28, 25.03]).tolist()  # 深圳 香港 台北
    [True, False, False]
    """
    return (boundary or _shipped_boundary()).contains(lons, lats)


@overload
def to_wgs84(
    lons: float, lats: float, *, source: Crs, boundary: MainlandBoundary | None = None
) -> tuple[float, float]: ...
@overload
def to_wgs84(
    lons: npt.ArrayLike,
    lats: npt.ArrayLike,
    *,
    source: Crs,
    boundary: MainlandBoundary | None = None,
) -> tuple[FloatArray, FloatArray]: ...
def to_wgs84(
    lons: npt.ArrayLike,
    lats: npt.ArrayLike,
    *,
    source: Crs,
    boundary: MainlandBoundary | None = None,
) -> tuple[float, float] | tuple[FloatArray, FloatArray]:
    """WGS-84 of points given in `source`: converted when the result lies in the mainland.

    Floats in, floats out; anything else comes back as float64 arrays.

    >>> lon, lat = to_wgs84(116.403243, 39.909403, source=Crs.GCJ02)  # 北京
    >>> round(lon, 6), round(lat, 6)
    (116.397, 39.908)
    >>> to_wgs84(114.17, 22.28, source=Crs.GCJ02)  # 香港 Hong Kong: not offset
    (114.17, 22.28)
    """
    where = boundary or _shipped_boundary()
    if isinstance(lons, float | int) and isinstance(lats, float | int):
        lon, lat = float(lons), float(lats)
        if source is Crs.WGS84 or not where.near_point(lon, lat):
            return lon, lat
        wgs_lon, wgs_lat = _invert_point(_FORWARD_POINT[source], lon, lat)
        return (wgs_lon, wgs_lat) if where.contains_point(wgs_lon, wgs_lat) else (lon, lat)
    lon_array, lat_array = _arrays(lons, lats)
    out_lon, out_lat = lon_array.copy(), lat_array.copy()
    if source is not Crs.WGS84:
        near = where.near(lon_array, lat_array)
        wgs_lon, wgs_lat = _INVERSE[source](lon_array[near], lat_array[near])
        inside = where.contains(wgs_lon, wgs_lat)
        near[near] = inside
        out_lon[near], out_lat[near] = wgs_lon[inside], wgs_lat[inside]
    return out_lon, out_lat


@overload
def from_wgs84(
    lons: float, lats: float, *, target: Crs, boundary: MainlandBoundary | None = None
) -> tuple[float, float]: ...
@overload
def from_wgs84(
    lons: npt.ArrayLike,
    lats: npt.ArrayLike,
    *,
    target: Crs,
    boundary: MainlandBoundary | None = None,
) -> tuple[FloatArray, FloatArray]: ...
def from_wgs84(
    lons: npt.ArrayLike,
    lats: npt.ArrayLike,
    *,
    target: Crs,
    boundary: MainlandBoundary | None = None,
) -> tuple[float, float] | tuple[FloatArray, FloatArray]:
    """Points given in WGS-84 expressed in `target`; only points inside the mainland are moved.

    Floats in, floats out; anything else comes back as float64 arrays.

    >>> lon, lat = from_wgs84(116.397, 39.908, target=Crs.BD09)  # 北京
    >>> round(lon, 6), round(lat, 6)
    (116.409616, 39.915744)
    """
    where = boundary or _shipped_boundary()
    if isinstance(lons, float | int) and isinstance(lats, float | int):
        lon, lat = float(lons), float(lats)
        if target is Crs.WGS84 or not where.contains_point(lon, lat):
            return lon, lat
        return _FORWARD_POINT[target](lon, lat)
    lon_array, lat_array = _arrays(lons, lats)
    out_lon, out_lat = lon_array.copy(), lat_array.copy()
    if target is not Crs.WGS84:
        inside = where.contains(lon_array, lat_array)
        out_lon[inside], out_lat[inside] = _FORWARD[target](lon_array[inside], lat_array[inside])
    return out_lon, out_lat
