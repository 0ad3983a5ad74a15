"""Benchmark peers against real PostGIS and Redis at tiny N: right answers, same contract.

The side-by-side benchmark is only worth reading if its peers are loaded and queried correctly;
these tests hold each one to the exact geodesic ranking within what its model of the Earth allows.
"""

import asyncio
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TypeVar

import httpx
import numpy as np
import orjson
import pytest

from app.main import create_app
from app.settings import Settings
from bench import peer_apps, peers, side_by_side
from geo.core.geodesy import geodesic_distances_m
from geo.dataset import load_current
from scripts.make_synthetic_dataset import china_like_points
from tests.support import live_server, publish_points

POINTS = 2_000
QUERIES = 120
# A sphere's distance differs from the WGS-84 ellipsoid's by less than 0.6% (both ways).
SPHERE_RELATIVE_ERROR = 0.006
T = TypeVar("T")


def _start_or_skip(start: Callable[..., AbstractContextManager[T]]) -> Iterator[T]:
    try:
        with start(install=False) as server:  # never apt-get from a test
            yield server
    except peers.PeerUnavailable as exc:
        reason = f"benchmark peer unavailable: {exc}"
        if os.environ.get("CI"):  # .ci/run installs both: there they must run
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def postgis() -> Iterator[peers.PostgisServer]:
    yield from _start_or_skip(peers.postgis)


@pytest.fixture(scope="module")
def redis_server() -> Iterator[peers.RedisServer]:
    yield from _start_or_skip(peers.redis_server)


@pytest.fixture(scope="module")
def points() -> tuple[np.ndarray, np.ndarray]:
    return china_like_points(POINTS, 7)


@pytest.fixture(scope="module")
def queries() -> list[tuple[float, float]]:
    lons, lats = china_like_points(QUERIES, 8)
    return list(zip(lons.tolist(), lats.tolist(), strict=True))


@pytest.fixture(scope="module")
def exact(
    points: tuple[np.ndarray, np.ndarray], queries: list[tuple[float, float]]
) -> side_by_side.Measured:
    lons, lats = points
    return side_by_side.in_process(lons, lats, queries, warmup=0, brute_count=len(queries))[
        side_by_side.INDEX
    ]


def _assert_near_exact(
    measured: side_by_side.Measured,
    exact: side_by_side.Measured,
    queries: list[tuple[float, float]],
    points: tuple[np.ndarray, np.ndarray],
) -> side_by_side.Correctness:
    """Every answer has k points, each no farther than the exact one at its rank allows."""
    lons, lats = points
    for answer, truth, (lon, lat) in zip(measured.answers, exact.answers, queries, strict=True):
        assert len(answer.ids) == side_by_side.K
        true_m = geodesic_distances_m(lon, lat, lons[answer.ids], lats[answer.ids])
        exact_m = np.asarray(truth.distances_m)
        # Ranking on a sphere can swap points whose distances differ by less than its error.
        assert (true_m <= exact_m * (1 + 2 * SPHERE_RELATIVE_ERROR) + 1.0).all()
    return side_by_side.compare(measured.answers, exact.answers, queries, lons, lats)


def test_exact_methods_agree_and_planar_degrees_do_not(
    points: tuple[np.ndarray, np.ndarray], queries: list[tuple[float, float]]
) -> None:
    lons, lats = points
    measured = side_by_side.in_process(lons, lats, queries, warmup=0, brute_count=len(queries))
    exact = measured[side_by_side.INDEX].answers
    for method in (side_by_side.KDTREE, side_by_side.BRUTE):
        verdict = side_by_side.compare(measured[method].answers, exact, queries, lons, lats)
        assert (verdict.set_differs, verdict.order_differs, verdict.worst_extra_m) == (0, 0, 0.0)
    planar = side_by_side.compare(measured[side_by_side.PLANAR].answers, exact, queries, lons, lats)
    # Raw degrees shrink east-west distances by cos(lat): whole sets change, by kilometres.
    assert planar.set_differs > QUERIES // 10
    assert planar.worst_extra_m > 10_000


def test_postgis_knn_is_loaded_and_queried_right(
    postgis: peers.PostgisServer,
    points: tuple[np.ndarray, np.ndarray],
    queries: list[tuple[float, float]],
    exact: side_by_side.Measured,
) -> None:
    lons, lats = points
    measured = side_by_side.run_postgis(postgis, lons, lats, queries, warmup=5)
    assert measured.storage_bytes and measured.storage_bytes > 0
    verdict = _assert_near_exact(measured, exact, queries, points)
    # ST_Distance on geography is the spheroid: the same metres as pyproj's geodesic.
    assert verdict.max_reported_error_m is not None and verdict.max_reported_error_m < 0.01
    assert verdict.set_differs <= QUERIES // 10


def test_redis_geosearch_grows_its_radius_until_k(
    redis_server: peers.RedisServer,
    points: tuple[np.ndarray, np.ndarray],
    queries: list[tuple[float, float]],
    exact: side_by_side.Measured,
) -> None:
    lons, lats = points
    measured, start_radius_m, client_side = side_by_side.run_redis(
        redis_server, lons, lats, queries, 5
    )
    assert 10_000 < start_radius_m < 1_000_000
    # The server-side and the client-side radius loops find the same points.
    assert [a.ids for a in client_side.answers] == [a.ids for a in measured.answers]
    verdict = _assert_near_exact(measured, exact, queries, points)
    assert verdict.max_reported_error_m is not None
    assert verdict.set_differs <= QUERIES // 10
    # From a 1 m start and from the middle of the Atlantic the script still finds k points.
    client = peers.RedisNearest(redis_server, start_radius_m=1.0)
    try:
        far = client.nearest(-30.0, 0.0, side_by_side.K)
    finally:
        client.close()
    assert len(far.ids) == side_by_side.K and far.tries > 10


@pytest.mark.parametrize(
    ("factory", "env_of"),
    [
        # PostGIS behind an asyncpg pool
        (
            peer_apps.create_postgis_app,
            lambda pg, rs: {
                peer_apps.PG_SOCKET_ENV: pg.socket_dir,
                peer_apps.PG_PORT_ENV: str(pg.port),
                peer_apps.PG_POOL_ENV: "2",
            },
        ),
        # Redis behind redis.asyncio
        (
            peer_apps.create_redis_app,
            lambda pg, rs: {
                peer_apps.REDIS_SOCKET_ENV: rs.socket_path,
                peer_apps.REDIS_POOL_ENV: "2",
                peer_apps.REDIS_RADIUS_ENV: "50000",
            },
        ),
    ],
)
def test_peer_apps_answer_the_nearest_contract(
    factory: object,
    env_of: object,
    postgis: peers.PostgisServer,
    redis_server: peers.RedisServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lons, lats = china_like_points(300, 9)
    ids = [f"bench-{i:04d}" for i in range(300)]
    publish_points(tmp_path, lons.tolist(), lats.tolist(), ids)
    dataset = load_current(tmp_path)
    # The harness loads the database from the published dataset, in its order.
    asyncio.run(peers.load_postgis(postgis, dataset.lons, dataset.lats))
    peers.load_redis(redis_server, dataset.lons, dataset.lats)
    monkeypatch.setenv("XUNQIN_DATA_DIR", str(tmp_path))
    for name, value in env_of(postgis, redis_server).items():  # type: ignore[operator]
        monkeypatch.setenv(name, value)
    ours_app = create_app(Settings(data_dir=tmp_path))
    peer_app = factory()  # type: ignore[operator]
    with live_server(ours_app) as ours_url, live_server(peer_app) as peer_url:
        compared = 0
        for lon, lat in [(125.32, 43.82), (116.4, 39.9), (87.6, 43.8), (121.5, 31.2)]:
            path = f"/nearest?lat={lat}&lon={lon}&n=5"
            mine, theirs = httpx.get(ours_url + path), httpx.get(peer_url + path)
            assert (mine.status_code, theirs.status_code) == (200, 200)
            a, b = orjson.loads(mine.content), orjson.loads(theirs.content)
            assert list(a) == list(b) and a["query"] == b["query"]
            assert a["dataset"] == b["dataset"] and a["notice"] == b["notice"]
            if [r["id"] for r in a["results"]] != [r["id"] for r in b["results"]]:
                continue  # a spherical ranking may swap near-equal points
            compared += 1
            for ours_point, peer_point in zip(a["results"], b["results"], strict=True):
                assert list(ours_point) == list(peer_point)
                distance = ours_point.pop("distance_m")
                assert peer_point.pop("distance_m") == pytest.approx(
                    distance, rel=SPHERE_RELATIVE_ERROR
                )
                assert ours_point == peer_point
        assert compared >= 2
        bad = httpx.get(peer_url + "/nearest?lat=91&lon=0")
        assert bad.status_code == 422 and "lat" in bad.json()["message"]
