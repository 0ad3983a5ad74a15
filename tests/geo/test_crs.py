"""GCJ-02 / BD-09 transforms: forward vectors and exact iterative inverses."""

import numpy as np
import pytest

from geo.crs import (
    bd09_to_wgs84,
    gcj02_to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

# Forward values from an independent implementation (PyPI coord-convert 0.2.1), same formulas.
FORWARD_VECTORS = [
    # (wgs lon, wgs lat) -> (gcj lon, gcj lat), (bd lon, bd lat)
    ((116.397, 39.908), (116.40324337854781, 39.90940335390724),
     (116.40961642907855, 39.915744473775554)),
]  # fmt: skip


@pytest.mark.parametrize(("wgs", "gcj", "bd"), FORWARD_VECTORS)
def test_forward_matches_independent_implementation(wgs, gcj, bd):
    np.testing.assert_allclose(np.array(wgs84_to_gcj02(*wgs)), gcj, rtol=0, atol=1e-9)
    np.testing.assert_allclose(np.array(wgs84_to_bd09(*wgs)), bd, rtol=0, atol=1e-9)


def test_inverses_round_trip_to_1e9_degrees_over_the_mainland():
    rng = np.random.default_rng(6)
    lons, lats = rng.uniform(73, 135, 100_000), rng.uniform(18, 54, 100_000)
    back_lons, back_lats = gcj02_to_wgs84(*wgs84_to_gcj02(lons, lats))
    assert np.abs(back_lons - lons).max() < 1e-9 and np.abs(back_lats - lats).max() < 1e-9
    back_lons, back_lats = bd09_to_wgs84(*wgs84_to_bd09(lons, lats))
    assert np.abs(back_lons - lons).max() < 1e-9 and np.abs(back_lats - lats).max() < 1e-9
