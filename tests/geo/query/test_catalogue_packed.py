"""A catalogue started from the mapped sidecar answers exactly as one built from the GeoJSON."""

from pathlib import Path

import numpy as np
import orjson
import pytest

from geo.dataset import GEOJSON_NAME, MANIFEST_NAME, load_version, published_dir
from geo.dataset import publish_dataset as publish
from geo.query.catalogue import (
    DIRECTLY_ADMINISTERED,
    NOT_LOCATED_AREA,
    Area,
    Catalogue,
    Province,
    regions,
)
from geo.query.reference import brute_force_nearest
from geo.record import is_located
from scripts.make_synthetic_dataset import china_like_points
from tests.support import REPO_DATA_DIR

SAMPLE_VERSION = "sample-20251231"


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[Catalogue, Catalogue]:
    """The committed sample as committed (GeoJSON only) and republished with a sidecar."""
    directory = published_dir(REPO_DATA_DIR) / SAMPLE_VERSION
    manifest = orjson.loads((directory / MANIFEST_NAME).read_bytes())
    features = orjson.loads((directory / GEOJSON_NAME).read_bytes())["features"]
    data_dir = tmp_path_factory.mktemp("packed-sample")
    publish(
        data_dir, features, version=SAMPLE_VERSION, source=manifest["source"], sample=True,
        builder=manifest["builder"], notes=manifest["notes"], packed=True,
    )  # fmt: skip
    assert (published_dir(data_dir) / SAMPLE_VERSION / GEOJSON_NAME).read_bytes() == (
        directory / GEOJSON_NAME
    ).read_bytes()
    from_geojson = Catalogue.build(load_version(REPO_DATA_DIR, SAMPLE_VERSION))
    from_sidecar = Catalogue.build(load_version(data_dir, SAMPLE_VERSION))
    assert from_geojson.dataset.packed is None and from_sidecar.dataset.packed is not None
    return from_geojson, from_sidecar


def _regions_point_by_point(catalogue: Catalogue) -> tuple[Province, ...]:
    """regions() by its definition: one pass over every point's properties."""
    groups: dict[tuple[str, str, bool], list[str]] = {}
    for position in catalogue.browse_order.tolist():
        props = catalogue.dataset.properties[position]
        located = is_located(props.get("precision"))
        area = (props.get("city") or DIRECTLY_ADMINISTERED) if located else NOT_LOCATED_AREA
        groups.setdefault((props["province"], area, located), []).append(props.get("adcode") or "")
    provinces: dict[str, list[Area]] = {}
    for (province, area, located), codes in groups.items():
        prefix = codes[0]
        for code in codes[1:]:
            while not code.startswith(prefix):
                prefix = prefix[:-1]
        prefix = prefix[: len(prefix) - len(prefix) % 2]
        if not located:  # the province's points with no location, whatever code they carry
            prefix = prefix[:2]
        shared = prefix.ljust(6, "0") if prefix else ""
        provinces.setdefault(province, []).append(Area(area, shared, len(codes), located))
    for areas in provinces.values():
        areas.sort(key=lambda area: not area.located)  # stable: the unlocated area last
    return tuple(
        Province(name, areas[0].adcode[:2] + "0000", sum(a.points for a in areas), tuple(areas))
        for name, areas in provinces.items()
    )


def test_regions_browsing_and_lookup_agree(both: tuple[Catalogue, Catalogue]) -> None:
    from_geojson, from_sidecar = both
    expected = _regions_point_by_point(from_geojson)
    assert len(expected) == 31  # the mainland provincial-level divisions of the sample
    assert regions(from_geojson) == expected
    assert regions(from_sidecar) == expected
    assert from_sidecar.browse_order.tolist() == from_geojson.browse_order.tolist()
    for filters in ({"province": "吉林"}, {"city": "长春市"}, {"adcode": "4301"}, {}):
        assert from_sidecar.browse(**filters).tolist() == from_geojson.browse(**filters).tolist()
    ids = list(from_geojson.dataset.ids)
    assert [from_sidecar.position_of(i) for i in ids] == list(range(len(ids)))
    assert from_sidecar.position_of("sample-no-such") is None
    assert from_sidecar.ranked.tolist() == from_geojson.ranked.tolist()
    located = [from_geojson.located(p) for p in range(len(ids))]
    assert [from_sidecar.located(p) for p in range(len(ids))] == located


@pytest.mark.parametrize("packed", [False, True], ids=["geojson", "sidecar"])
def test_regions_set_apart_the_points_known_only_to_their_province(
    tmp_path: Path, packed: bool
) -> None:
    # The sample with every 9th point known only to its province: most with the province's
    # code and no city, as the build writes them, some keeping a county code or a city.
    directory = published_dir(REPO_DATA_DIR) / SAMPLE_VERSION
    features = orjson.loads((directory / GEOJSON_NAME).read_bytes())["features"]
    for n, feature in enumerate(features[::9]):
        props = feature["properties"]
        props["precision"] = "province"
        if n % 4:
            props.update(city=None, district=None, adcode=props["adcode"][:2] + "0000")
    publish(tmp_path, features, version="v1", source="t", sample=True, builder="t", packed=packed)
    catalogue = Catalogue.build(load_version(tmp_path, "v1"))
    expected = _regions_point_by_point(catalogue)
    assert regions(catalogue) == expected
    unlocated = [a for p in expected for a in p.areas if not a.located]
    province_only = [f for f in features if f["properties"]["precision"] == "province"]
    assert len(unlocated) == 31 and sum(a.points for a in unlocated) == len(province_only)
    for province in expected:
        assert [a.located for a in province.areas][-1] is False  # listed after the others
        assert province.points == len(catalogue.browse(adcode=province.adcode))
        for area in province.areas:
            browsed = catalogue.browse(adcode=area.adcode, located=area.located)
            assert len(browsed) == area.points, (province.name, area)
            assert {catalogue.dataset.properties[p]["province"] for p in browsed.tolist()} == {
                province.name
            }


def test_nearest_agrees_with_brute_force_over_the_located_points(
    both: tuple[Catalogue, Catalogue],
) -> None:
    from_geojson, from_sidecar = both
    dataset = from_sidecar.dataset
    ranked = from_sidecar.ranked
    keys = np.array(list(dataset.ids))[ranked]
    lons, lats = china_like_points(200, 77)
    for lon, lat in zip(lons.tolist(), lats.tolist(), strict=True):
        hits = from_sidecar.nearest(lon, lat, 10)
        same = from_geojson.nearest(lon, lat, 10)
        assert hits.positions.tolist() == same.positions.tolist()
        assert hits.distances_m.tolist() == same.distances_m.tolist()
        brute = brute_force_nearest(dataset.lons[ranked], dataset.lats[ranked], keys, lon, lat, 10)
        assert hits.positions.tolist() == ranked[brute.positions].tolist()
        np.testing.assert_allclose(hits.distances_m, brute.distances_m, rtol=0, atol=1e-6)


def test_a_large_synthetic_dataset_answers_exactly_from_its_sidecar(tmp_path: Path) -> None:
    from scripts.make_synthetic_dataset import publish_synthetic

    publish_synthetic(tmp_path, 20_000, seed=3, version="s20k")
    catalogue = Catalogue.build(load_version(tmp_path, "s20k"))
    dataset = catalogue.dataset
    assert dataset.packed is not None
    keys = np.array(list(dataset.ids))
    lons, lats = china_like_points(50, 4)
    for lon, lat in zip(lons.tolist(), lats.tolist(), strict=True):
        hits = catalogue.nearest(lon, lat, 10)
        brute = brute_force_nearest(dataset.lons, dataset.lats, keys, lon, lat, 10)
        assert hits.positions.tolist() == brute.positions.tolist()
