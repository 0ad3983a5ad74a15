"""geo.query.answer: searched in WGS-84, echoed in the caller's coordinate system."""

import numpy as np

from geo.core.crs import Crs, from_wgs84
from geo.dataset import Dataset, Manifest
from geo.geocode.base import Placement
from geo.query.answer import nearest, nearest_to_place
from geo.query.catalogue import Catalogue
from geo.query.reference import brute_force_nearest

LONS = np.array([125.3, 126.5, 124.0])
LATS = np.array([43.8, 45.7, 43.0])
IDS = ("mid", "far", "near")


def catalogue() -> Catalogue:
    manifest = Manifest("v1", 3, "0" * 64, "2025-01-01T00:00:00+00:00", "t", True, "tests")
    props = tuple({"id": key, "province": "吉林省"} for key in IDS)
    return Catalogue.build(Dataset(manifest, LONS, LATS, IDS, props))


def test_coordinates_in_gcj02_are_converted_before_the_search_and_echoed_as_given():
    lon, lat = from_wgs84(124.1, 43.1, target=Crs.GCJ02)
    answer = nearest(catalogue(), lon, lat, 2, crs=Crs.GCJ02, radius_m=None)
    want = brute_force_nearest(LONS, LATS, np.array(IDS), 124.1, 43.1, 2)
    assert answer.positions == tuple(want.positions.tolist())
    np.testing.assert_allclose(answer.distances_m, want.distances_m, atol=2e-3)
    assert dict(answer.query) == {
        "lat": lat, "lon": lon, "n": 2, "radius_m": None, "coord": "gcj02"
    }  # fmt: skip
    assert answer.crs is Crs.GCJ02


def test_n_beyond_the_dataset_and_radius():
    everything = nearest(catalogue(), 124.0, 43.0, 50, crs=Crs.WGS84, radius_m=None)
    assert [IDS[p] for p in everything.positions] == ["near", "mid", "far"]
    assert everything.distances_m[0] == 0.0
    close = nearest(catalogue(), 124.0, 43.0, 50, crs=Crs.WGS84, radius_m=200_000)
    assert [IDS[p] for p in close.positions] == ["near", "mid"]


def test_a_place_is_searched_from_its_wgs84_seat_and_echoed_rounded_in_the_callers_system():
    place = Placement(124.0, 43.0, "county", "offline", "吉林省 四平市 梨树县", "220322")
    answer = nearest_to_place(catalogue(), place, "梨树县", 1, crs=Crs.BD09, radius_m=None)
    assert [IDS[p] for p in answer.positions] == ["near"]
    lon, lat = from_wgs84(124.0, 43.0, target=Crs.BD09)
    assert answer.query["lon"] == round(lon, 7) and answer.query["lat"] == round(lat, 7)
    assert list(answer.query) == ["lat", "lon", "n", "radius_m", "coord", "address", "resolved"]
    assert answer.query["resolved"] == {
        "text": "吉林省 四平市 梨树县", "precision": "county", "adcode": "220322"
    }  # fmt: skip
