"""Geodesy helpers: the fast geodesic path agrees with pyproj's public API to the last bit."""

import numpy as np

from geo.core.geodesy import WGS84_GEOD, ecef_m, ecef_point_m, geodesic_distances_m


def test_fast_geodesic_path_equals_public_geod_inv():
    rng = np.random.default_rng(9)
    lons, lats = rng.uniform(-180, 180, 5_000), rng.uniform(-90, 90, 5_000)
    lons_before = lons.copy()
    lon, lat = 116.391, 39.907
    _, _, expected = WGS84_GEOD.inv(np.full(5_000, lon), np.full(5_000, lat), lons, lats)
    got = geodesic_distances_m(lon, lat, lons, lats)
    assert np.array_equal(got, expected)
    assert np.array_equal(lons, lons_before)  # PROJ writes into its inputs: not into ours


def test_chord_never_exceeds_geodesic():
    # The index's stopping rule rests on this: straight line <= path along the ellipsoid.
    rng = np.random.default_rng(10)
    lons, lats = rng.uniform(-180, 180, 20_000), rng.uniform(-90, 90, 20_000)
    for lon, lat in [(116.4, 39.9), (0.0, 90.0), (-58.4, -34.6), (179.9, 0.0)]:
        chord = np.linalg.norm(ecef_m(lons, lats) - np.array(ecef_point_m(lon, lat)), axis=1)
        assert (chord <= geodesic_distances_m(lon, lat, lons, lats) + 1e-6).all()
