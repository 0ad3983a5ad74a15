"""Catalogue browsing by region and lookup by id."""

from pathlib import Path

import pytest

from geo.core.errors import InvalidQuery
from geo.dataset import load_current, make_feature, publish_dataset
from geo.query.catalogue import (
    DIRECTLY_ADMINISTERED,
    NOT_LOCATED_AREA,
    Area,
    Catalogue,
    Province,
    regions,
)
from tests.support import point_properties


@pytest.fixture(params=[False, True], ids=["geojson", "sidecar"])
def catalogue(tmp_path: Path, request: pytest.FixtureRequest) -> Catalogue:
    rows = [
        ("c", "吉林省", "长春市", "220113"),
        ("a", "吉林省", "长春市", "220100"),
        ("b", "吉林省", "吉林市", "220200"),
        ("d", "湖北省", "武汉市", "420102"),
        ("e", "湖北省", None, "429004"),  # 仙桃市: county-level city run by the province
    ]
    features = [
        make_feature(120.0 + i, 40.0, point_properties(pid, i, province=p, city=c, adcode=code))
        for i, (pid, p, c, code) in enumerate(rows, start=1)
    ]
    publish_dataset(
        tmp_path, features, version="v1", source="t", sample=True, builder="t",
        packed=request.param,
    )  # fmt: skip
    catalogue = Catalogue.build(load_current(tmp_path))
    assert (catalogue.dataset.packed is not None) is request.param
    return catalogue


def ids(catalogue: Catalogue, positions) -> list[str]:
    return [catalogue.dataset.ids[p] for p in positions]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, ["a", "c", "b", "d", "e"]),  # everything, by adcode then id
        ({"province": "吉林省"}, ["a", "c", "b"]),
        ({"province": "吉林"}, ["a", "c", "b"]),  # short name
        ({"city": "长春"}, ["a", "c"]),
        ({"adcode": "220000"}, ["a", "c", "b"]),  # a province code covers its cities
        ({"adcode": "220100"}, ["a", "c"]),
        ({"adcode": "220113"}, ["c"]),
        ({"adcode": "42"}, ["d", "e"]),
        ({"province": "湖北", "city": "武汉"}, ["d"]),
        ({"province": "西藏"}, []),
    ],
)
def test_browse_filters_in_stable_order(catalogue, filters, expected):
    assert ids(catalogue, catalogue.browse(**filters)) == expected


@pytest.mark.parametrize("adcode", ["2", "22010", "2201001", "22a100"])
def test_browse_rejects_malformed_adcodes(catalogue, adcode):
    with pytest.raises(InvalidQuery, match="adcode must be"):
        catalogue.browse(adcode=adcode)


def test_lookup_by_id(catalogue):
    assert catalogue.position_of("d") == 3
    assert catalogue.position_of("missing") is None


@pytest.mark.parametrize("packed", [False, True], ids=["geojson", "sidecar"])
def test_a_point_known_only_to_its_province_is_listed_but_never_ranked(tmp_path: Path, packed):
    # "seat" lies on the query point, placed at its province's seat: no distance would be true.
    points = [
        ("near", 125.32, 43.82, "county"),
        ("seat", 125.3235, 43.8171, "province"),
        ("city", 125.50, 43.90, "city"),
    ]
    features = [
        make_feature(lon, lat, point_properties(pid, row, precision=precision))
        for row, (pid, lon, lat, precision) in enumerate(points, start=1)
    ]
    publish_dataset(
        tmp_path, features, version="v1", source="t", sample=True, builder="t", packed=packed
    )
    catalogue = Catalogue.build(load_current(tmp_path))

    hits = catalogue.nearest(125.3235, 43.8171, 10)
    assert ids(catalogue, hits.positions) == ["near", "city"]  # city level: ranked
    within = catalogue.nearest(125.3235, 43.8171, 10, max_distance_m=1.0)
    assert len(within) == 0
    assert sorted(ids(catalogue, catalogue.browse())) == ["city", "near", "seat"]
    assert catalogue.position_of("seat") == 1 and not catalogue.located(1)
    assert catalogue.ranked.tolist() == [0, 2]


@pytest.mark.parametrize("packed", [False, True], ids=["geojson", "sidecar"])
def test_points_known_only_to_their_province_are_an_area_of_their_own(tmp_path: Path, packed):
    # 湖北省 runs 仙桃市 and 天门市 itself; "p1" and "p2" are known only to the province (one
    # keeps a city, as a geocoder may write it). 北京市's area and its unlocated point share 110000.
    rows = [
        ("w", "湖北省", "武汉市", "420102", "county"),
        ("x", "湖北省", None, "429004", "county"),
        ("t", "湖北省", None, "429006", "county"),
        ("p1", "湖北省", None, "420000", "province"),
        ("p2", "湖北省", "武汉市", "420000", "province"),
        ("bj", "北京市", "北京市", "110000", "city"),
        ("bd", "北京市", "北京市", "110101", "county"),
        ("bp", "北京市", None, "110000", "province"),
    ]
    features = [
        make_feature(
            110.0 + i,
            30.0,
            point_properties(pid, i, province=p, city=c, adcode=code, precision=precision),
        )
        for i, (pid, p, c, code, precision) in enumerate(rows, start=1)
    ]
    publish_dataset(
        tmp_path, features, version="v1", source="t", sample=True, builder="t", packed=packed
    )
    catalogue = Catalogue.build(load_current(tmp_path))
    assert regions(catalogue) == (
        Province("北京市", "110000", 3, (
            Area("北京市", "110000", 2), Area(NOT_LOCATED_AREA, "110000", 1, located=False),
        )),
        Province("湖北省", "420000", 5, (
            Area("武汉市", "420102", 1),
            Area(DIRECTLY_ADMINISTERED, "429000", 2),
            Area(NOT_LOCATED_AREA, "420000", 2, located=False),
        )),
    )  # fmt: skip
    assert ids(catalogue, catalogue.browse(adcode="420000", located=False)) == ["p1", "p2"]
    assert ids(catalogue, catalogue.browse(adcode="429000", located=True)) == ["x", "t"]
    assert ids(catalogue, catalogue.browse(adcode="110000", located=True)) == ["bj", "bd"]
    assert ids(catalogue, catalogue.browse(adcode="110000")) == ["bj", "bp", "bd"]
    assert ids(catalogue, catalogue.browse(city="武汉", located=False)) == ["p2"]
