"""China's coordinate systems: WGS-84, GCJ-02 (Amap, Tencent, WeChat) and BD-09 (Baidu).

GCJ-02 and BD-09 are published obfuscations, not datums; PROJ does not know them. The forward
formulas are public. Their inverses have no closed form, so they are solved by fixed-point
iteration until the forward transform of the answer reproduces the input to 1e-10 degrees.

These functions apply the offset unconditionally; deciding whether a point lies where the
offset applies (mainland China) is the caller's business.
"""

from collections.abc import Callable
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from geo.geodesy import FloatArray


class Crs(StrEnum):
    WGS84 = "wgs84"
    GCJ02 = "gcj02"
    BD09 = "bd09"


_KRASOVSKY_A = 6378245.0
_KRASOVSKY_E2 = 0.00669342162296594323
_BD_X_PI = np.pi * 3000.0 / 180.0
_INVERSE_TOLERANCE_DEG = 1e-10
_INVERSE_MAX_STEPS = 50

_Forward = Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]]


def _arrays(lons: npt.ArrayLike, lats: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    return np.asarray(lons, dtype=np.float64), np.asarray(lats, dtype=np.float64)


def wgs84_to_gcj02(lons: npt.ArrayLike, lats: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Forward GCJ-02 obfuscation (the public formula).

    >>> lon, lat = wgs84_to_gcj02(116.397, 39.908)
    >>> round(float(lon), 6), round(float(lat), 6)
    (116.403243, 39.909403)
    """
    lon, lat = _arrays(lons, lats)
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    shared = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x
    d_lat += shared
    d_lat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    d_lat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x
    d_lon += shared
    d_lon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    d_lon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    rad_lat = lat / 180.0 * np.pi
    magic = 1.0 - _KRASOVSKY_E2 * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / (
        (_KRASOVSKY_A * (1.0 - _KRASOVSKY_E2)) / (magic * sqrt_magic) * np.pi
    )
    d_lon = (d_lon * 180.0) / (_KRASOVSKY_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    return lon + d_lon, lat + d_lat


def gcj02_to_bd09(lons: npt.ArrayLike, lats: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Forward BD-09 from GCJ-02 (the public formula).

    >>> lon, lat = gcj02_to_bd09(116.403243, 39.909403)
    >>> round(float(lon), 6), round(float(lat), 6)
    (116.409616, 39.915744)
    """
    x, y = _arrays(lons, lats)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _BD_X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _BD_X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def wgs84_to_bd09(lons: npt.ArrayLike, lats: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    return gcj02_to_bd09(*wgs84_to_gcj02(lons, lats))


def _invert(
    forward: _Forward, lons: npt.ArrayLike, lats: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    target_lon, target_lat = _arrays(lons, lats)
    # The offsets vary by ~1e-5 of their own size per degree, so fixed-point iteration
    # contracts by that factor each step: two or three steps reach 1e-10 degrees.
    lon, lat = target_lon.copy(), target_lat.copy()
    for _ in range(_INVERSE_MAX_STEPS):
        fwd_lon, fwd_lat = forward(lon, lat)
        err_lon = fwd_lon - target_lon
        err_lat = fwd_lat - target_lat
        lon = lon - err_lon
        lat = lat - err_lat
        if (
            max(
                float(np.max(np.abs(err_lon), initial=0.0)),
                float(np.max(np.abs(err_lat), initial=0.0)),
            )
            < _INVERSE_TOLERANCE_DEG
        ):
            break
    return lon, lat


def gcj02_to_wgs84(lons: npt.ArrayLike, lats: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Exact inverse of `wgs84_to_gcj02`, by iteration.

    >>> lon, lat = gcj02_to_wgs84(*wgs84_to_gcj02(116.397, 39.908))
    >>> abs(float(lon) - 116.397) < 1e-9 and abs(float(lat) - 39.908) < 1e-9
    True
    """
    return _invert(wgs84_to_gcj02, lons, lats)


def bd09_to_gcj02(lons: npt.ArrayLike, lats: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Exact inverse of `gcj02_to_bd09`, by iteration."""
    return _invert(gcj02_to_bd09, lons, lats)


def bd09_to_wgs84(lons: npt.ArrayLike, lats: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Exact inverse of `wgs84_to_bd09`, by iteration over the composed transform."""
    return _invert(wgs84_to_bd09, lons, lats)
