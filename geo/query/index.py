"""PointIndex: exact k-nearest and within-radius queries by WGS-84 geodesic distance.

Points live in a 3-D R-tree over their Earth-centred (ECEF) coordinates. The straight-line
distance between two ECEF points is a lower bound of the geodesic between them, so candidates
taken in chord order are re-ranked by true geodesic distance, and more are taken until the
farthest chord fetched exceeds the k-th geodesic found: nothing outside can then beat it.
"""

import ctypes
import math
import threading
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from rtree import core as rtree_core
from rtree import index as rtree_index

from geo.core.errors import InvalidQuery
from geo.core.geodesy import FloatArray, check_lon_lat, ecef_m, ecef_point_m, geodesic_distances_m
from geo.rtree_pages import RtreePages, open_rtree, rtree_properties

IntArray = npt.NDArray[np.int64]

# Chord and geodesic are both computed to ~1e-8 m; a bound this much looser can never be
# crossed by rounding, and costs nothing measurable.
_BOUND_SLACK_M = 1e-4
# First fetch asks for this many candidates beyond k: chord and geodesic differ by less than
# a metre at 100 km, so a few extra almost always settle the query in one R-tree call, and
# each extra costs a geodesic (bench/query_latency.py measured 16 → 4 as 77 → 63 µs at k=10).
_EXTRA_CANDIDATES = 4


@dataclass(frozen=True)
class Neighbours:
    """Query answer: positions into the indexed arrays and geodesic metres, nearest first."""

    positions: IntArray
    distances_m: FloatArray

    def __len__(self) -> int:
        return int(self.positions.shape[0])


def _readonly(array: npt.NDArray[np.generic]) -> npt.NDArray[np.generic]:
    array = np.ascontiguousarray(array)
    array.flags.writeable = False
    return array


class PointIndex:
    """Immutable index over points given as parallel `lons`, `lats` and `keys` arrays.

    Answers carry positions into those arrays. Equal distances are ordered by key, so the
    same query always gets the same answer whatever order the points were given in.
    `stored_rtree` is the tree `geo.rtree_pages.build_rtree_pages` made from these
    points' `ecef_m` (a published sidecar's): it is opened instead of built.

    >>> idx = PointIndex([116.40, 121.47, 113.26], [39.90, 31.23, 23.13], ["bj", "sh", "gz"])
    >>> hits = idx.nearest(121.0, 31.0, 2)
    >>> hits.positions.tolist(), [round(d) for d in hits.distances_m]
    ([1, 0], [51578, 1071701])
    """

    def __init__(
        self,
        lons: npt.ArrayLike,
        lats: npt.ArrayLike,
        keys: npt.ArrayLike,
        *,
        stored_rtree: RtreePages | None = None,
    ) -> None:
        lons_arr = np.asarray(lons, dtype=np.float64)
        lats_arr = np.asarray(lats, dtype=np.float64)
        keys_arr = np.asarray(keys)
        if not (lons_arr.ndim == lats_arr.ndim == keys_arr.ndim == 1):
            raise InvalidQuery("lons, lats and keys must be one-dimensional")
        if not (lons_arr.shape == lats_arr.shape == keys_arr.shape):
            raise InvalidQuery(
                f"lons, lats and keys must have the same length, got "
                f"{lons_arr.shape[0]}, {lats_arr.shape[0]} and {keys_arr.shape[0]}"
            )
        if not (np.isfinite(lons_arr).all() and np.isfinite(lats_arr).all()):
            raise InvalidQuery("every point must have finite lon and lat")
        if (np.abs(lons_arr) > 180).any() or (np.abs(lats_arr) > 90).any():
            raise InvalidQuery("every point must have lon within [-180, 180], lat within [-90, 90]")

        count = int(lons_arr.shape[0])
        order = np.argsort(keys_arr, kind="stable")
        if count > 1 and (keys_arr[order[1:]] == keys_arr[order[:-1]]).any():
            raise InvalidQuery("keys must be unique")
        tie_rank = np.empty(count, dtype=np.int64)
        tie_rank[order] = np.arange(count, dtype=np.int64)

        self._lons: FloatArray = _readonly(lons_arr)  # type: ignore[assignment]
        self._lats: FloatArray = _readonly(lats_arr)  # type: ignore[assignment]
        self._tie_rank: IntArray = _readonly(tie_rank)  # type: ignore[assignment]
        self._count = count
        if not count:
            self._rtree = None
        elif stored_rtree is not None:
            self._rtree = open_rtree(stored_rtree)
        else:
            self._rtree = _bulk_loaded_rtree(ecef_m(lons_arr, lats_arr))
        # libspatialindex is not thread-safe even for reads (rtree issue #53).
        self._rtree_lock = threading.Lock()
        self._buffers = _NearestBuffers(_BUFFER_CAPACITY)  # used only under the lock

    def __len__(self) -> int:
        return self._count

    @property
    def lons(self) -> FloatArray:
        return self._lons

    @property
    def lats(self) -> FloatArray:
        return self._lats

    def nearest(
        self, lon: float, lat: float, k: int, *, max_distance_m: float | None = None
    ) -> Neighbours:
        """The `k` points nearest to (lon, lat), optionally only those within `max_distance_m`."""
        check_lon_lat(lon, lat)
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
            raise InvalidQuery(f"k must be a positive integer, got {k!r}", param="k")
        _check_distance(max_distance_m)
        if self._rtree is None:
            return _EMPTY
        k = min(int(k), self._count)

        query = ecef_point_m(lon, lat)
        wanted = min(self._count, k + _EXTRA_CANDIDATES)
        while True:
            found, farthest_chord = self._chord_nearest(query, wanted)
            ranked = self._rank(lon, lat, found)
            if len(found) >= self._count:
                break
            kth_m = float(ranked.distances_m[k - 1])
            # Every point not fetched is at least `farthest_chord` away along a straight line,
            # hence at least that far along the ellipsoid.
            bound_m = farthest_chord - _BOUND_SLACK_M
            if kth_m < bound_m or (max_distance_m is not None and max_distance_m < bound_m):
                break
            wanted = min(self._count, wanted * 4)

        hits = Neighbours(ranked.positions[:k], ranked.distances_m[:k])
        return hits if max_distance_m is None else _clip(hits, max_distance_m)

    def within(self, lon: float, lat: float, radius_m: float) -> Neighbours:
        """Every point within `radius_m` geodesic metres of (lon, lat), nearest first."""
        check_lon_lat(lon, lat)
        _check_distance(radius_m, name="radius_m")
        if self._rtree is None:
            return _EMPTY
        centre = np.array(ecef_point_m(lon, lat), dtype=np.float64)
        # Within `radius_m` along the ellipsoid implies within it along a straight line.
        reach = radius_m + _BOUND_SLACK_M
        lows, highs = (centre - reach)[None, :], (centre + reach)[None, :]
        with self._rtree_lock:
            found, _ = self._rtree.intersection_v(lows, highs)  # type: ignore[no-untyped-call]
        return _clip(self._rank(lon, lat, found), radius_m)

    def _chord_nearest(
        self, query: tuple[float, float, float], wanted: int
    ) -> tuple[IntArray, float]:
        """The `wanted` points nearest along a straight line (more when the last ones tie),
        and the straight-line distance of the farthest of them."""
        assert self._rtree is not None
        # rtree's `nearest_v` wrapper costs more than the search itself; this is the call it
        # makes, into buffers allocated once (bench/query_latency.py measures it).
        with self._rtree_lock:
            buffers = self._buffers
            if wanted > buffers.capacity:  # a large k: buffers for this call only
                buffers = _NearestBuffers(wanted)
            buffers.query[:] = query
            buffers.farthest[0] = 0.0  # in: 0 = no distance limit; out: the farthest found
            buffers.complete.value = 0  # in: the first query to answer; out: queries answered
            _NEAREST_IDS(self._rtree.handle, wanted, 1, 3, wanted, 3, 1, *buffers.addresses)
            if buffers.complete.value != 1:  # ties at the boundary overflowed the buffer
                query_array = np.array([query], dtype=np.float64)
                found, _, distances = self._rtree.nearest_v(  # type: ignore[no-untyped-call]
                    query_array, query_array, num_results=wanted, return_max_dists=True
                )
                return np.asarray(found, dtype=np.int64), float(distances[0])
            return buffers.found[: int(buffers.counts[0])].copy(), float(buffers.farthest[0])

    def _rank(self, lon: float, lat: float, positions: IntArray) -> Neighbours:
        positions = np.asarray(positions, dtype=np.int64)
        distances = geodesic_distances_m(lon, lat, self._lons[positions], self._lats[positions])
        order = np.lexsort((self._tie_rank[positions], distances))
        return Neighbours(positions[order], distances[order])


_EMPTY = Neighbours(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64))


def _clip(hits: Neighbours, max_distance_m: float) -> Neighbours:
    keep = int(np.searchsorted(hits.distances_m, max_distance_m, side="right"))
    return Neighbours(hits.positions[:keep], hits.distances_m[:keep])


def _check_distance(value: float | None, *, name: str = "max_distance_m") -> None:
    if value is None:
        return
    if isinstance(value, bool) or not math.isfinite(value) or value < 0:
        raise InvalidQuery(
            f"{name} must be a finite number of metres >= 0, got {value!r}", param=name
        )


_NEAREST_IDS = rtree_core.rt.Index_NearestNeighbors_id_v
# Candidates the reusable buffers hold: k + _EXTRA_CANDIDATES for k up to 60, then x4 once.
_BUFFER_CAPACITY = 256


class _NearestBuffers:
    """The arrays `Index_NearestNeighbors_id_v` reads and writes, with their addresses taken
    once: allocating them and reading `.ctypes.data` on every query cost more than the call."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.query = np.empty(3, dtype=np.float64)
        self.found = np.empty(capacity, dtype=np.int64)
        self.counts = np.empty(1, dtype=np.uint64)
        self.farthest = np.zeros(1, dtype=np.float64)
        self.complete = ctypes.c_int64(0)  # rtree's `offset`: reset before every call
        self.addresses = (
            self.query.ctypes.data, self.query.ctypes.data, self.found.ctypes.data,
            self.counts.ctypes.data, self.farthest.ctypes.data, ctypes.byref(self.complete),
        )  # fmt: skip


def _bulk_loaded_rtree(xyz: FloatArray) -> rtree_index.Index:
    properties = rtree_properties()
    # Bulk loading sorts once (sort-tile-recursive); inserting one by one is ~10x slower.
    ids = np.arange(xyz.shape[0], dtype=np.int64)
    return rtree_index.Index((ids, xyz, xyz), properties=properties)
