"""geo.core.boundaries: the shipped county boundaries and the placement validator."""

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
import shapely

from geo.core.boundaries import DEFAULT_TOLERANCE_M, DivisionBoundaries, Status, shipped_boundaries
from geo.core.errors import InvalidQuery
from geo.core.geodesy import WGS84_GEOD
from geo.dataset import load_current
from tests.support import REPO_DATA_DIR


@pytest.fixture(scope="module")
def boundaries() -> DivisionBoundaries:
    return shipped_boundaries()


def brute_force_distance_m(
    boundaries: DivisionBoundaries, lon: float, lat: float, code: str
) -> float:
    """Geodesic metres to the nearest of the division's boundary points, densified to ~1 m."""
    outline = shapely.union_all(boundaries.geometries[list(boundaries.members(code))])
    edge = shapely.segmentize(shapely.boundary(outline), 0.00001)
    xy = shapely.get_coordinates(edge)
    _, _, distances = WGS84_GEOD.inv(
        np.full(len(xy), lon), np.full(len(xy), lat), xy[:, 0], xy[:, 1]
    )
    return float(np.min(distances))


def point_across_shared_edge(
    boundaries: DivisionBoundaries, here: str, there: str, distance_m: float
) -> tuple[float, float]:
    """A point `distance_m` from the middle of the longest shared edge, on `there`'s side."""
    first, second = (boundaries.geometries[boundaries.adcodes.index(c)] for c in (here, there))
    shared = shapely.line_merge(shapely.intersection(first, second))
    longest = max(shapely.get_parts(shared), key=lambda line: line.length)
    (lon0, lat0), (mid_lon, mid_lat), (lon1, lat1) = shapely.get_coordinates(
        shapely.line_interpolate_point(longest, [0.49, 0.5, 0.51], normalized=True)
    )
    along, _, _ = WGS84_GEOD.inv(lon0, lat0, lon1, lat1)
    for side in (90.0, -90.0):
        lon, lat, _ = WGS84_GEOD.fwd(mid_lon, mid_lat, along + side, distance_m)
        if boundaries.locate(lon, lat) == there:
            return lon, lat
    raise AssertionError(f"no point {distance_m} m into {there} from the {here}/{there} edge")


def test_loads_the_shipped_file_as_a_valid_coverage(boundaries: DivisionBoundaries) -> None:
    assert len(boundaries.adcodes) == len(set(boundaries.adcodes)) > 2800
    assert shapely.is_valid(boundaries.geometries).all()
    # No overlaps: a point on the map belongs to one county (edges aside).
    assert shapely.coverage_is_valid(boundaries.geometries)
    assert boundaries.metadata["coverage_valid"] is True


def test_is_immutable(boundaries: DivisionBoundaries) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        boundaries.adcodes = ()  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        boundaries.geometries[0] = None


@pytest.mark.parametrize(
    ("sample_id", "adcode"),
    [
        ("sample-220113", "220113"),  # 九台区: seat inside its district
        ("sample-441900", "441900"),  # 东莞市: a prefecture-level city without counties
        ("sample-330922", "330922"),  # 嵊泗县: islands of Zhoushan
        ("sample-460302", "460302"),  # 西沙区: Amap files it as 460301, 2025 code 460302
        ("sample-460303", "460303"),  # 南沙区: reefs of the 南海诸岛 (Amap's 460302)
        ("sample-232701", "232701"),  # 漠河市, 53°N
        ("sample-500157", "500157"),  # 两江新区: Amap's 江北区 + 渝北区 merged, seat moved inside
        ("sample-210421", "210421"),  # 抚顺县: the old seat lay in the city next door
    ],
)
def test_sample_seats_lie_inside_their_division(
    boundaries: DivisionBoundaries, sample_id: str, adcode: str
) -> None:
    dataset = load_current(REPO_DATA_DIR)
    k = dataset.ids.index(sample_id)
    lon, lat = float(dataset.lons[k]), float(dataset.lats[k])
    verdict = boundaries.check(lon, lat, adcode)
    assert (verdict.status, verdict.distance_m, verdict.found_in) == (Status.INSIDE, 0.0, adcode)
    assert verdict.accepted


@pytest.mark.parametrize(
    ("lon", "lat", "adcode"),
    [
        (116.3975, 39.9087, "110101"),  # 天安门, 东城区
        (112.3365, 16.8340, "460302"),  # 永兴岛, 西沙区
        (124.13, 50.42, "232700"),  # 加格达奇: under 大兴安岭地区, in no county
        (124.0, 29.0, None),  # the sea off Zhejiang, beyond every county
    ],
)
def test_locate(boundaries: DivisionBoundaries, lon: float, lat: float, adcode: str | None) -> None:
    assert boundaries.locate(lon, lat) == adcode
    assert boundaries.locate_many([lon, 116.3975], [lat, 39.9087]) == [adcode, "110101"]


@pytest.mark.parametrize(
    ("here", "there", "over_m", "status"),
    [
        ("110101", "110102", 300.0, Status.NEAR),  # 东城区 → 西城区, inside the tolerance
        ("110101", "110102", 3000.0, Status.OUTSIDE),
        ("232701", "232722", 5000.0, Status.OUTSIDE),  # 漠河市 → 塔河县 at 53°N
        ("232701", "232722", 900.0, Status.NEAR),
    ],
)
def test_a_point_over_a_county_line(
    boundaries: DivisionBoundaries, here: str, there: str, over_m: float, status: Status
) -> None:
    lon, lat = point_across_shared_edge(boundaries, here, there, over_m)
    verdict = boundaries.check(lon, lat, here)
    assert verdict.status is status
    assert verdict.found_in == there
    assert verdict.accepted is (status is Status.NEAR)
    assert verdict.distance_m is not None
    # Exact geodesic metres (not degrees), as a brute force over the densified boundary finds.
    assert verdict.distance_m == pytest.approx(
        brute_force_distance_m(boundaries, lon, lat, here), abs=1.0
    )
    # The edge bends, so the nearest boundary point may be closer than the one we started at.
    assert 0.5 * over_m < verdict.distance_m <= over_m + 1.0
    assert boundaries.check(lon, lat, there).status is Status.INSIDE


def test_distance_is_geodesic_at_high_latitude(boundaries: DivisionBoundaries) -> None:
    # Due east of 漠河市's easternmost vertex at 53°N: a degree of longitude is 67 km there,
    # so treating degrees as 111 km would be off by two thirds.
    xy = shapely.get_coordinates(boundaries.geometries[boundaries.adcodes.index("232701")])
    east_lon, east_lat = xy[np.argmax(xy[:, 0])]
    lon, lat, _ = WGS84_GEOD.fwd(east_lon, east_lat, 90.0, 4000.0)
    expected = brute_force_distance_m(boundaries, lon, lat, "232701")
    assert boundaries.distance_m(lon, lat, "232701") == pytest.approx(expected, abs=1.0)
    assert expected <= 4000.0 + 1.0
    degrees = shapely.distance(
        shapely.Point(lon, lat), boundaries.geometries[boundaries.adcodes.index("232701")]
    )
    assert abs(degrees * 111_320 - expected) > 0.3 * expected  # what a naive check would say


def test_city_and_province_level_checks(boundaries: DivisionBoundaries) -> None:
    jiutai = (125.8334249, 44.149663)  # 九台区 seat, in 长春市, 吉林省
    assert boundaries.check(*jiutai, "220100").status is Status.INSIDE
    assert boundaries.check(*jiutai, "220000").status is Status.INSIDE
    other_city = boundaries.check(*jiutai, "220200")  # 吉林市, next door
    assert other_city.status is Status.OUTSIDE
    assert other_city.found_in == "220113"
    assert other_city.distance_m is not None and other_city.distance_m > DEFAULT_TOLERANCE_M
    assert boundaries.check(*jiutai, "210000").status is Status.OUTSIDE  # 辽宁省
    outline = boundaries.outline("220100")
    assert outline is not None and outline.contains(shapely.Point(*jiutai))
    areas = shapely.area(boundaries.geometries[list(boundaries.members("220100"))])
    assert outline.area == pytest.approx(areas.sum(), rel=1e-9)  # counties do not overlap


def test_land_directly_under_a_prefecture_counts_for_it(boundaries: DivisionBoundaries) -> None:
    jiagedaqi = (124.13, 50.42)
    assert boundaries.check(*jiagedaqi, "232700").status is Status.INSIDE
    assert boundaries.check(*jiagedaqi, "232701").status is Status.OUTSIDE  # not 漠河市


@pytest.mark.parametrize(
    ("lon", "lat"),
    [
        (114.17, 22.28),  # 香港 Hong Kong Island
        (113.54, 22.19),  # 澳门 Macau
        (121.56, 25.03),  # 台北 Taipei
        (125.0, 30.0),  # the East China Sea, far offshore
        (129.0, 35.1),  # 부산 Busan
    ],
)
def test_outside_mainland(boundaries: DivisionBoundaries, lon: float, lat: float) -> None:
    verdict = boundaries.check(lon, lat, "440304")  # 福田区, Shenzhen
    assert verdict.status is Status.OUTSIDE_MAINLAND
    assert not verdict.accepted


@pytest.mark.parametrize(
    "adcode",
    [
        "999999",  # no such code
        "110100",  # Beijing's old 市辖区 code, not a division in the 2025 list
        "653228",  # 和康县: created in 2024, after the boundary data
        "",
    ],
)
def test_unknown_division(boundaries: DivisionBoundaries, adcode: str) -> None:
    verdict = boundaries.check(116.3975, 39.9087, adcode)
    assert verdict == dataclasses.replace(verdict, status=Status.UNKNOWN_DIVISION, distance_m=None)
    assert adcode not in boundaries
    with pytest.raises(InvalidQuery, match="no boundary"):
        boundaries.distance_m(116.3975, 39.9087, adcode)


@pytest.mark.parametrize(
    ("lon", "lat", "tolerance_m", "param"),
    [
        (math.nan, 39.9, 1000.0, "lon"),
        (116.4, math.inf, 1000.0, "lat"),
        (116.4, 39.9, -1.0, "tolerance_m"),
    ],
)
def test_bad_arguments(
    boundaries: DivisionBoundaries, lon: float, lat: float, tolerance_m: float, param: str
) -> None:
    with pytest.raises(InvalidQuery, match=param) as caught:
        boundaries.check(lon, lat, "110101", tolerance_m=tolerance_m)
    assert caught.value.param == param


def test_tolerance_decides_near_or_outside(boundaries: DivisionBoundaries) -> None:
    lon, lat = point_across_shared_edge(boundaries, "110101", "110102", 300.0)
    assert boundaries.check(lon, lat, "110101", tolerance_m=5000).status is Status.NEAR
    assert boundaries.check(lon, lat, "110101", tolerance_m=10).status is Status.OUTSIDE


def test_sample_dataset_points_fall_in_their_own_county(boundaries: DivisionBoundaries) -> None:
    dataset = load_current(REPO_DATA_DIR)
    codes = [str(p["adcode"]) for p in dataset.properties]
    verdicts = boundaries.check_many(dataset.lons.tolist(), dataset.lats.tolist(), codes)
    inside = sum(v.status is Status.INSIDE for v in verdicts)
    assert inside == len(verdicts) - 4
    misses = {v.adcode: v.status for v in verdicts if v.status is not Status.INSIDE}
    # Every seat lies in its own county (scripts/division_seats.py moved the four that did
    # not); only divisions newer than the boundaries cannot be checked.
    assert misses == dict.fromkeys(
        ["653228", "653229", "659011", "659012"], Status.UNKNOWN_DIVISION
    )
    found = boundaries.locate_many(dataset.lons, dataset.lats)
    placed = [(f, v) for f, v in zip(found, verdicts, strict=True) if v.adcode in boundaries]
    assert [f for f, _ in placed] == [v.found_in for _, v in placed]


def test_load_rejects_a_file_of_another_format(tmp_path: Path) -> None:
    other = tmp_path / "other.npz"
    np.savez(other, metadata=np.frombuffer(b'{"format": "something else"}', dtype=np.uint8))
    with pytest.raises(ValueError, match="expected format"):
        DivisionBoundaries.load(other)
