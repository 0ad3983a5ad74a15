"""PointIndex against brute-force geodesic ranking: exact order, ties by key, thread safety."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.core.errors import InvalidQuery
from geo.dataset import load_current
from geo.query.index import Neighbours, PointIndex
from geo.query.reference import brute_force_nearest
from tests.support import REPO_DATA_DIR


def assert_same(got: Neighbours, want: Neighbours) -> None:
    assert got.positions.tolist() == want.positions.tolist()
    np.testing.assert_allclose(got.distances_m, want.distances_m, rtol=0, atol=1e-3)


def china_queries(rng: np.random.Generator, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Query points: half over the mainland's extent, half in the 45–53°N band."""
    half = count // 2
    lons = np.concatenate([rng.uniform(73, 135, half), rng.uniform(115, 135, count - half)])
    lats = np.concatenate([rng.uniform(18, 54, half), rng.uniform(45, 53, count - half)])
    return lons, lats


def with_duplicates(
    rng: np.random.Generator, lons: np.ndarray, lats: np.ndarray, keys: np.ndarray, count: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Add `count` points sharing coordinates with existing ones; their keys sort on both sides."""
    source = rng.choice(lons.shape[0], size=count, replace=False)
    extra_keys = np.array([("0dup-" if i % 2 else "zdup-") + f"{i:05d}" for i in range(count)])
    return (
        np.concatenate([lons, lons[source]]),
        np.concatenate([lats, lats[source]]),
        np.concatenate([keys.astype(str), extra_keys]),
    )


@pytest.fixture(scope="module")
def sample_points() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    dataset = load_current(REPO_DATA_DIR)
    rng = np.random.default_rng(20251231)
    return with_duplicates(
        rng, np.asarray(dataset.lons), np.asarray(dataset.lats), np.array(dataset.ids), 300
    )


@pytest.mark.slow
def test_exact_over_sample_dataset_10k_queries(sample_points):
    lons, lats, keys = sample_points
    index = PointIndex(lons, lats, keys)
    rng = np.random.default_rng(1)
    q_lons, q_lats = china_queries(rng, 9_800)
    # Queries sitting exactly on (duplicated) points: distance 0, several at once.
    on_points = rng.choice(lons.shape[0], size=200, replace=False)
    q_lons = np.concatenate([q_lons, lons[on_points]])
    q_lats = np.concatenate([q_lats, lats[on_points]])
    ks = rng.integers(1, 51, size=q_lons.shape[0])
    for lon, lat, k in zip(q_lons.tolist(), q_lats.tolist(), ks.tolist(), strict=True):
        assert_same(index.nearest(lon, lat, k), brute_force_nearest(lons, lats, keys, lon, lat, k))


@pytest.mark.slow
def test_exact_over_100k_random_points_1k_queries():
    rng = np.random.default_rng(2)
    count = 100_000
    lons = np.concatenate([rng.uniform(73, 135, count // 2), rng.uniform(115, 135, count // 2)])
    lats = np.concatenate([rng.uniform(18, 54, count // 2), rng.uniform(45, 53, count // 2)])
    keys = np.array([f"p{i:06d}" for i in rng.permutation(count - 1_000)])
    lons, lats, keys = with_duplicates(
        rng, lons[: count - 1_000], lats[: count - 1_000], keys, 1_000
    )
    index = PointIndex(lons, lats, keys)
    q_lons, q_lats = china_queries(rng, 1_000)
    ks = rng.integers(1, 51, size=1_000)
    for lon, lat, k in zip(q_lons.tolist(), q_lats.tolist(), ks.tolist(), strict=True):
        assert_same(index.nearest(lon, lat, k), brute_force_nearest(lons, lats, keys, lon, lat, k))


def test_within_radius_matches_brute_force(sample_points):
    lons, lats, keys = sample_points
    index = PointIndex(lons, lats, keys)
    rng = np.random.default_rng(3)
    q_lons, q_lats = china_queries(rng, 300)
    radii = rng.uniform(0, 400_000, size=300)
    for lon, lat, radius in zip(q_lons.tolist(), q_lats.tolist(), radii.tolist(), strict=True):
        want = brute_force_nearest(lons, lats, keys, lon, lat, len(keys), max_distance_m=radius)
        assert_same(index.within(lon, lat, radius), want)
        k = 7
        want_k = Neighbours(want.positions[:k], want.distances_m[:k])
        assert_same(index.nearest(lon, lat, k, max_distance_m=radius), want_k)


def test_ties_are_broken_by_key_whatever_the_input_order():
    # Seven points at one spot plus a ring around the North Pole: a geodesic from the pole to
    # every point of one parallel has the same length, so these are exact ties.
    lons = [10.0] * 7 + [float(lon) for lon in range(-180, 180, 30)]
    lats = [50.0] * 7 + [80.0] * 12
    keys = [f"k{i:02d}" for i in range(len(lons))]
    order = np.random.default_rng(4).permutation(len(lons))
    shuffled = PointIndex(np.array(lons)[order], np.array(lats)[order], np.array(keys)[order])
    hits = shuffled.nearest(0.0, 90.0, 12)
    assert len(set(hits.distances_m.tolist())) == 1
    assert [keys[order[p]] for p in hits.positions] == sorted(keys[7:])
    same_spot = shuffled.nearest(10.0, 50.0, 7)
    assert [keys[order[p]] for p in same_spot.positions] == keys[:7]
    assert same_spot.distances_m.tolist() == [0.0] * 7


def test_concurrent_queries_from_many_threads_are_all_exact(sample_points):
    # libspatialindex is not thread-safe even for reads; FastAPI runs `def` routes in threads.
    lons, lats, keys = sample_points
    index = PointIndex(lons, lats, keys)
    rng = np.random.default_rng(5)
    q_lons, q_lats = china_queries(rng, 3_000)
    ks = rng.integers(1, 51, size=3_000).tolist()
    queries = list(zip(q_lons.tolist(), q_lats.tolist(), ks, strict=True))
    expected = [brute_force_nearest(lons, lats, keys, lon, lat, k) for lon, lat, k in queries]

    def run(query: tuple[float, float, int]) -> Neighbours:
        lon, lat, k = query
        return index.nearest(lon, lat, k) if k % 2 else index.within(lon, lat, 1e6)

    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(run, queries))
    for (lon, lat, k), got, want in zip(queries, answers, expected, strict=True):
        if k % 2:
            assert_same(got, want)
        else:
            full = brute_force_nearest(lons, lats, keys, lon, lat, len(keys), max_distance_m=1e6)
            assert_same(got, full)


coordinates = st.tuples(st.floats(-180, 180, allow_nan=False), st.floats(-90, 90, allow_nan=False))


@settings(max_examples=300, deadline=None)
@given(
    points=st.lists(coordinates, min_size=1, max_size=60),
    duplicate_every=st.integers(1, 5),
    query=coordinates,
    k=st.integers(1, 80),
)
def test_property_equals_brute_force_anywhere_on_earth(points, duplicate_every, query, k):
    points = points + points[::duplicate_every]
    lons = np.array([p[0] for p in points])
    lats = np.array([p[1] for p in points])
    keys = np.array([f"id{i:03d}" for i in range(len(points))][::-1])
    index = PointIndex(lons, lats, keys)
    got = index.nearest(query[0], query[1], k)
    assert len(got) == min(k, len(points))
    assert_same(got, brute_force_nearest(lons, lats, keys, query[0], query[1], k))


@pytest.mark.parametrize(
    ("lon", "lat", "k", "message"),
    [
        (0.0, 90.5, 1, "lat must be"),  # beyond the pole
        (180.1, 0.0, 1, "lon must be"),  # beyond the antimeridian
        (float("nan"), 0.0, 1, "lon must be"),  # NaN never compares, so it must be caught
        (0.0, float("inf"), 1, "lat must be"),
        (0.0, 0.0, 0, "k must be a positive integer"),
        (0.0, 0.0, True, "k must be a positive integer"),  # bool is an int subclass
    ],
)
def test_invalid_queries_name_the_parameter(lon, lat, k, message):
    index = PointIndex([0.0], [0.0], ["a"])
    with pytest.raises(InvalidQuery, match=message):
        index.nearest(lon, lat, k)


def test_negative_radius_is_refused():
    with pytest.raises(InvalidQuery, match="radius_m must be"):
        PointIndex([0.0], [0.0], ["a"]).within(0.0, 0.0, -1.0)


def test_index_is_immutable_and_rejects_bad_points():
    index = PointIndex([1.0, 2.0], [3.0, 4.0], ["a", "b"])
    with pytest.raises(ValueError, match="read-only"):
        index.lons[0] = 5.0
    with pytest.raises(InvalidQuery, match="unique"):
        PointIndex([1.0, 2.0], [3.0, 4.0], ["a", "a"])
    with pytest.raises(InvalidQuery, match="finite"):
        PointIndex([float("nan")], [3.0], ["a"])


def test_empty_index_answers_nothing():
    index = PointIndex(np.empty(0), np.empty(0), np.empty(0, dtype=str))
    assert len(index.nearest(116.0, 40.0, 5)) == 0
    assert len(index.within(116.0, 40.0, 1000.0)) == 0


def test_many_ties_at_the_candidate_boundary_still_exact():
    # 100 points on one spot: the R-tree returns every tie, overflowing the first buffer.
    lons = np.array([10.0] * 100 + [10.001, 10.002])
    lats = np.array([50.0] * 100 + [50.0, 50.0])
    keys = np.array([f"k{i:03d}" for i in range(102)][::-1])
    index = PointIndex(lons, lats, keys)
    for lon, lat, k in [(10.0, 50.0, 5), (10.0005, 50.0, 101), (10.003, 50.0, 3)]:
        assert_same(index.nearest(lon, lat, k), brute_force_nearest(lons, lats, keys, lon, lat, k))
