"""Brute-force geodesic ranking: the oracle that tests and benchmarks hold `PointIndex` to."""

import numpy as np
import numpy.typing as npt

from geo.core.geodesy import geodesic_distances_m
from geo.query.index import Neighbours


def brute_force_nearest(
    lons: npt.ArrayLike,
    lats: npt.ArrayLike,
    keys: npt.ArrayLike,
    lon: float,
    lat: float,
    k: int,
    *,
    max_distance_m: float | None = None,
) -> Neighbours:
    """Rank every point by geodesic distance to (lon, lat), ties by key; keep the first `k`.

    >>> brute_force_nearest([0.0, 0.0, 1.0], [0.0, 0.0, 0.0], ["b", "a", "c"], 0.0, 0.0, 2)
    Neighbours(positions=array([1, 0]), distances_m=array([0., 0.]))
    """
    keys_arr = np.asarray(keys)
    distances = geodesic_distances_m(lon, lat, lons, lats)
    key_rank = np.empty(keys_arr.shape[0], dtype=np.int64)
    key_rank[np.argsort(keys_arr, kind="stable")] = np.arange(keys_arr.shape[0])
    order = np.lexsort((key_rank, distances))[:k]
    hits = Neighbours(order.astype(np.int64), distances[order])
    if max_distance_m is None:
        return hits
    keep = hits.distances_m <= max_distance_m
    return Neighbours(hits.positions[keep], hits.distances_m[keep])
