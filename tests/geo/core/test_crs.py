"""GCJ-02 / BD-09 transforms: forward vectors, exact inverses, and where the offsets apply."""

import json
from pathlib import Path

import numpy as np
import pytest
import shapely

from geo.core.crs import (
    DEFAULT_MAINLAND_PATH,
    Crs,
    MainlandBoundary,
    bd09_to_wgs84,
    from_wgs84,
    gcj02_to_wgs84,
    in_mainland,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from geo.core.geodesy import WGS84_GEOD

REPO = Path(__file__).resolve().parents[3]
SAMPLE = REPO / "data" / "published" / "sample-20251231" / "points.geojson"
OFFSET = (Crs.GCJ02, Crs.BD09)
FORWARD = {Crs.GCJ02: wgs84_to_gcj02, Crs.BD09: wgs84_to_bd09}
INVERSE = {Crs.GCJ02: gcj02_to_wgs84, Crs.BD09: bd09_to_wgs84}

# Forward values from an independent implementation (PyPI coord-convert 0.2.1), same formulas.
FORWARD_VECTORS = [
    # (wgs lon, wgs lat) -> (gcj lon, gcj lat), (bd lon, bd lat)
    ((116.397, 39.908), (116.40324337854781, 39.90940335390724),
     (116.40961642907855, 39.915744473775554)),
]  # fmt: skip

OUTSIDE = [
    # (name, lon, lat) in WGS-84, all farther from the mainland than any offset reaches
    ("香港 Central", 114.158, 22.281),
    ("香港 Sha Tin", 114.190, 22.383),
    ("香港 airport, Chek Lap Kok", 113.915, 22.308),
    ("澳门 Outer Harbour ferry terminal, east of the peninsula", 113.559, 22.197),
    ("台北 Taipei", 121.565, 25.033),
    ("Seoul", 126.978, 37.567),
    ("Hanoi", 105.834, 21.028),
    ("Ulaanbaatar", 106.917, 47.919),
    ("Almaty", 76.946, 43.238),
    ("Tokyo", 139.692, 35.690),
]

INSIDE = [
    # (name, lon, lat) in WGS-84
    ("深圳 Shenzhen, Futian: 1.5 km from Hong Kong", 114.058, 22.543),
    ("珠海 Zhuhai, Jida", 113.576, 22.271),
    ("哈尔滨 Harbin, high latitude", 126.535, 45.804),
    ("乌鲁木齐 Urumqi, far west", 87.617, 43.826),
    ("拉萨 Lhasa, plateau", 91.117, 29.647),
    ("三亚 Sanya, Hainan", 109.512, 18.253),
    ("漠河 Mohe, northernmost county seat", 122.538, 52.976),
    ("黑河 Heihe, on the Amur facing Russia", 127.499, 50.245),
    ("上海 Yangshan port: reclaimed island, inside the sea margin", 122.06, 30.62),
]


def _mainland_grid(step_deg: float) -> tuple[np.ndarray, np.ndarray]:
    lons, lats = np.meshgrid(np.arange(73.0, 135.5, step_deg), np.arange(3.0, 54.0, step_deg))
    lons, lats = lons.ravel(), lats.ravel()
    inside = in_mainland(lons, lats)
    return lons[inside], lats[inside]


def _mainland_random(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    lons, lats = rng.uniform(73, 135.5, 4 * count), rng.uniform(3, 54, 4 * count)
    inside = in_mainland(lons, lats)
    assert inside.sum() >= count
    return lons[inside][:count], lats[inside][:count]


def _metres(lons1, lats1, lons2, lats2) -> np.ndarray:
    return WGS84_GEOD.inv(lons1, lats1, lons2, lats2)[2]


@pytest.mark.parametrize(("wgs", "gcj", "bd"), FORWARD_VECTORS)
def test_forward_matches_independent_implementation(wgs, gcj, bd):
    np.testing.assert_allclose(np.array(wgs84_to_gcj02(*wgs)), gcj, rtol=0, atol=1e-9)
    np.testing.assert_allclose(np.array(wgs84_to_bd09(*wgs)), bd, rtol=0, atol=1e-9)


def test_forward_agrees_with_coord_convert_over_a_mainland_grid():
    transform = pytest.importorskip("coord_convert.transform")
    lons, lats = _mainland_grid(0.1)
    assert lons.size > 90_000
    theirs_gcj = np.array(
        [transform.wgs2gcj(lon, lat) for lon, lat in zip(lons, lats, strict=True)]
    )
    theirs_bd = np.array([transform.wgs2bd(lon, lat) for lon, lat in zip(lons, lats, strict=True)])
    # Same formula, same constants, same order of operations: equal but for the last bit
    # where numpy's sin and the C library's differ.
    np.testing.assert_allclose(np.column_stack(wgs84_to_gcj02(lons, lats)), theirs_gcj, atol=1e-12)
    np.testing.assert_allclose(np.column_stack(wgs84_to_bd09(lons, lats)), theirs_bd, atol=1e-12)


def test_eviltransform_differs_only_by_its_earth_radius(monkeypatch):
    eviltransform = pytest.importorskip("eviltransform")
    lons, lats = _mainland_grid(0.2)
    ours = np.column_stack(wgs84_to_gcj02(lons, lats))

    def theirs() -> np.ndarray:
        return np.array(
            [eviltransform.wgs2gcj(lat, lon)[::-1] for lon, lat in zip(lons, lats, strict=True)]
        )

    # eviltransform scales the offset by the WGS-84 semi-major axis (6378137 m) where the
    # published formula has Krasovsky's (6378245 m): 17 ppm of a <= 700 m offset, ~1 cm.
    apart = _metres(*ours.T, *theirs().T)
    assert 0.005 < apart.max() < 0.015
    monkeypatch.setattr(eviltransform, "earthR", 6378245.0)
    np.testing.assert_allclose(ours, theirs(), rtol=0, atol=1e-12)


def test_inverses_round_trip_to_1e9_degrees_over_the_mainland():
    rng = np.random.default_rng(6)
    lons, lats = rng.uniform(73, 135, 100_000), rng.uniform(18, 54, 100_000)
    back_lons, back_lats = gcj02_to_wgs84(*wgs84_to_gcj02(lons, lats))
    assert np.abs(back_lons - lons).max() < 1e-9 and np.abs(back_lats - lats).max() < 1e-9
    back_lons, back_lats = bd09_to_wgs84(*wgs84_to_bd09(lons, lats))
    assert np.abs(back_lons - lons).max() < 1e-9 and np.abs(back_lats - lats).max() < 1e-9


@pytest.mark.parametrize("crs", OFFSET)
def test_round_trip_within_a_centimetre_at_100000_mainland_points(crs):
    lons, lats = _mainland_random(100_000, seed=20220701)
    back_lons, back_lats = to_wgs84(*from_wgs84(lons, lats, target=crs), source=crs)
    assert _metres(lons, lats, back_lons, back_lats).max() <= 0.01


@pytest.mark.parametrize("crs", OFFSET)
def test_naive_one_step_inverse_is_off_by_metres_ours_is_not(crs):
    lons, lats = _mainland_grid(0.1)
    offset_lons, offset_lats = FORWARD[crs](lons, lats)
    # The usual shortcut: subtract the offset found at the offset position.
    again_lons, again_lats = FORWARD[crs](offset_lons, offset_lats)
    naive = _metres(lons, lats, 2 * offset_lons - again_lons, 2 * offset_lats - again_lats)
    ours = _metres(lons, lats, *INVERSE[crs](offset_lons, offset_lats))
    # Measured: GCJ-02 naive up to ~4 m, BD-09 naive up to ~37 m; ours ~1e-6 m.
    assert naive.max() > 1.0
    assert ours.max() < 1e-4


@pytest.mark.parametrize(("name", "lon", "lat"), OUTSIDE)
def test_points_outside_the_mainland_pass_through_unchanged(name, lon, lat):
    assert not in_mainland(lon, lat)
    for crs in OFFSET:
        assert to_wgs84(lon, lat, source=crs) == (lon, lat), crs
        assert from_wgs84(lon, lat, target=crs) == (lon, lat), crs


@pytest.mark.parametrize(("name", "lon", "lat"), INSIDE)
def test_points_inside_the_mainland_are_converted(name, lon, lat):
    assert in_mainland(lon, lat)
    for crs in OFFSET:
        offset_lon, offset_lat = from_wgs84(lon, lat, target=crs)
        assert (offset_lon, offset_lat) == tuple(float(v) for v in FORWARD[crs](lon, lat))
        assert _metres(lon, lat, offset_lon, offset_lat) > 100  # Urumqi: 266 m
        back = to_wgs84(offset_lon, offset_lat, source=crs)
        assert _metres(lon, lat, *back) < 1e-4, crs


def test_near_a_border_the_mainland_reading_wins():
    # 澳门旅游塔 Macau Tower, 1.3 km east of 珠海湾仔 across the Inner Harbour. Read as an
    # unoffset point it is in Macau; read as a BD-09 one its WGS-84 position is in 湾仔, and
    # to_wgs84 takes that reading: it is what a Baidu user standing in 湾仔 would send.
    lon, lat = 113.5365, 22.1798
    assert not in_mainland(lon, lat)
    assert in_mainland(*to_wgs84(lon, lat, source=Crs.BD09))
    # The other way round, deciding on the input would lose mainland points: this one in
    # 深圳 罗湖, 0.6 km from the Shenzhen River, has its GCJ-02 position in Hong Kong.
    lon, lat = 114.117, 22.540
    assert in_mainland(lon, lat)
    assert not in_mainland(*from_wgs84(lon, lat, target=Crs.GCJ02))
    back = to_wgs84(*from_wgs84(lon, lat, target=Crs.GCJ02), source=Crs.GCJ02)
    assert _metres(lon, lat, *back) < 1e-4


@pytest.mark.parametrize("crs", OFFSET)
def test_every_sample_point_is_inside_and_round_trips(crs):
    # Deciding on the input coordinates would fail here: the BD-09 positions of 黑河 and
    # 长白's bureaus fall across the Amur and the Yalu.
    coordinates = [
        f["geometry"]["coordinates"] for f in json.loads(SAMPLE.read_bytes())["features"]
    ]
    lons, lats = np.array(coordinates).T
    assert in_mainland(lons, lats).all()
    back_lons, back_lats = to_wgs84(*from_wgs84(lons, lats, target=crs), source=crs)
    assert _metres(lons, lats, back_lons, back_lats).max() < 1e-4


@pytest.mark.parametrize(
    ("lon", "lat"),
    [
        (116.397, 39.908),  # floats
        (116, 40),  # ints
        (np.float64(116.397), np.float64(39.908)),  # numpy floats are floats
    ],
)
def test_scalar_in_scalar_out(lon, lat):
    for crs in Crs:
        for result in (to_wgs84(lon, lat, source=crs), from_wgs84(lon, lat, target=crs)):
            assert type(result) is tuple and len(result) == 2
            assert all(type(v) is float for v in result), (crs, result)


def test_arrays_in_arrays_out_and_inputs_untouched():
    lons, lats = np.array([116.397, 114.158]), np.array([39.908, 22.281])
    saved = lons.copy(), lats.copy()
    for crs in Crs:
        for result in (to_wgs84(lons, lats, source=crs), from_wgs84(lons, lats, target=crs)):
            assert all(isinstance(v, np.ndarray) and v.dtype == np.float64 for v in result)
            assert result[0].shape == (2,)
    from_lists = to_wgs84([116.397], [39.908], source=Crs.GCJ02)
    assert isinstance(from_lists[0], np.ndarray)
    np.testing.assert_array_equal(lons, saved[0])
    np.testing.assert_array_equal(lats, saved[1])


@pytest.mark.parametrize("crs", OFFSET)
def test_one_point_path_matches_the_array_path(crs):
    lons, lats = _mainland_random(300, seed=3)
    lons = np.concatenate([lons, [114.158, 139.692]])  # and two that pass through
    lats = np.concatenate([lats, [22.281, 35.690]])
    arrays = np.column_stack(from_wgs84(lons, lats, target=crs))
    points = np.array(
        [from_wgs84(lon, lat, target=crs) for lon, lat in zip(lons, lats, strict=True)]
    )
    np.testing.assert_allclose(points, arrays, rtol=0, atol=1e-12)
    arrays = np.column_stack(to_wgs84(*arrays.T, source=crs))
    points = np.array([to_wgs84(lon, lat, source=crs) for lon, lat in points])
    np.testing.assert_allclose(points, arrays, rtol=0, atol=1e-12)


def test_nan_passes_through_and_does_not_stall_the_others():
    lons, lats = to_wgs84([np.nan, 116.403243], [30.0, 39.909403], source=Crs.GCJ02)
    assert np.isnan(lons[0]) and lats[0] == 30.0
    assert abs(lons[1] - 116.397) < 1e-6 and abs(lats[1] - 39.908) < 1e-6


def test_a_boundary_can_be_passed_in(tmp_path):
    feature = {"type": "Feature", "properties": {}, "geometry": shapely.box(139, 35, 140, 36)}
    feature["geometry"] = json.loads(shapely.to_geojson(feature["geometry"]))
    path = tmp_path / "tokyo.geojson"
    path.write_text(json.dumps(feature))
    tokyo = MainlandBoundary.load(path)
    assert in_mainland([139.692, 116.397], [35.690, 39.908], boundary=tokyo).tolist() == [
        True,
        False,
    ]
    assert from_wgs84(139.692, 35.690, target=Crs.GCJ02, boundary=tokyo) != (139.692, 35.690)
    assert from_wgs84(116.397, 39.908, target=Crs.GCJ02, boundary=tokyo) == (116.397, 39.908)


def test_shipped_boundary_is_small_valid_and_says_what_it_is():
    raw = DEFAULT_MAINLAND_PATH.read_bytes()
    assert len(raw) < 500_000
    feature = json.loads(raw)
    geometry = shapely.geometry.shape(feature["geometry"])
    assert geometry.geom_type == "MultiPolygon" and geometry.is_valid
    properties = feature["properties"]
    assert len(properties["provinces"]) == 31
    assert {"71", "81", "82"}.isdisjoint(properties["provinces"])
    assert "simplification_tolerance_deg" in properties and "南海" in properties["islands"]
