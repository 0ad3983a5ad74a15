"""Build wuhan_support_hospitals.csv from the excerpt raw/wuhan_support_hospitals.json.

python bench/data/eval/make_wuhan_support_hospitals.py    (writes the CSV beside this file)

Designated fever-clinic hospitals of 甘肃省, 湖南省 and 陕西省 (January 2020). The expected
county is the source's own 区/县 column, matched within the row's city (the file's city, or
the 城市 column) to a 2025 county-level division in data/divisions/divisions.json, read
directly (not through the geocoder): by exact name, by a former name in RENAMES, by the short
form of an autonomous county (the rule in `short_form`), or by the hand table BY_HAND.
Each row also gets the area codes written in the source's 电话 cell, from
raw/wuhan_support_hospitals_area_codes.json (the numbers themselves are not copied).
Origin and rules: wuhan_support_hospitals.md.
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository root
from bench.data.eval._common import (
    by_code,
    children,
    city_code,
    city_of,
    clean,
    county_code,
    named_counties,
    province_code,
    write,
)
from bench.data.eval._common import render as render_columns

HERE = Path(__file__).resolve().parent
RAW = HERE / "raw" / "wuhan_support_hospitals.json"
AREA_CODES = HERE / "raw" / "wuhan_support_hospitals_area_codes.json"
OUT = HERE / "wuhan_support_hospitals.csv"
EXTRA = ("area_codes",)

# Short city names in gansu's 城市 column -> the 2025 name (the province has one of each).
CITY_NAMES = {"临夏州": "临夏回族自治州", "甘南州": "甘南藏族自治州"}
# Former county names in the 区/县 column and their 2025 successors, each of which took the
# whole former county (国务院批复, year as announced; approval texts not re-read here).
RENAMES = {
    "华亭县": ("华亭市", "撤县设市 2018"),
    "祁阳县": ("祁阳市", "撤县设市 2021"),
    "旬阳县": ("旬阳市", "撤县设市 2021"),
    "凤翔县": ("凤翔区", "撤县设区 2021"),
}
# 区/县 cells that are garbled or point outside the file's city, decided by hand:
# (city as listed, cell) -> (2025 county, its city, reason).
BY_HAND = {
    ("定西市", "漳??县"): ("漳县", "定西市", "two characters lost; unit 漳县人民医院"),
    ("定西市", "岷??县"): ("岷县", "定西市", "two characters lost; unit 岷县人民医院"),
    ("宝鸡市", "市凤县"): ("凤县", "宝鸡市", "a stray 市 from 宝鸡市凤县; address 宝鸡市凤县…"),
    ("安康市", "佛坪县"): ("佛坪县", "汉中市", "佛坪县 is in 汉中市, listed in 安康市's file"),
}


def short_form(cell: str, counties: dict[str, str]) -> str | None:
    """The autonomous county a short form names: the one county of the city whose name
    starts with the cell (without a final 县) and ends in 自治县 (天祝县 -> 天祝藏族自治县)."""
    stem = cell.removesuffix("县")
    found = [n for n in counties if n.startswith(stem) and n.endswith("自治县") and len(stem) >= 2]
    return found[0] if len(found) == 1 else None


def build(
    raw_path: Path = RAW, codes_path: Path = AREA_CODES
) -> tuple[list[tuple[str, ...]], dict[str, int]]:
    """The CSV rows, and how many source rows were left out and why."""
    raw = json.loads(raw_path.read_text(encoding="utf-8"))
    codes = {f["path"]: f["area_codes"] for f in json.loads(codes_path.read_text("utf-8"))["files"]}
    rows: list[tuple[str, ...]] = []
    dropped = {"no address": 0, "district column not a county": 0, "exact duplicate": 0}
    seen: set[tuple[str, str]] = set()
    for block in raw["files"]:
        province_name = block["province"]
        province = province_code(province_name)
        dialled = codes[block["path"]]
        assert len(dialled) == len(block["rows"]), f"{block['path']}: area codes misaligned"
        for cells, area_codes in zip(block["rows"], dialled, strict=True):
            listed_city = cells[0] if len(cells) == 4 else block["city"]
            district, name, address = (clean(c) for c in cells[-3:])
            city = city_code(province, CITY_NAMES.get(listed_city, listed_city))
            counties = children(city)
            if not address:
                dropped["no address"] += 1
                continue
            if (name, address) in seen:
                dropped["exact duplicate"] += 1
                continue
            code = county_code(city, district, RENAMES)
            how = "list column"
            if code is not None and district in RENAMES:
                how += f", renamed ({district} → {RENAMES[district][0]}, {RENAMES[district][1]})"
            elif code is None and (listed_city, cells[-3]) in BY_HAND:
                county, its_city, why = BY_HAND[listed_city, cells[-3]]
                code = county_code(city_code(province, its_city), county)
                how = f"hand ({why})"
            elif code is None and (full := short_form(district, counties)) is not None:
                code, how = counties[full], f"list column, short form ({district} → {full})"
            if code is None:  # a city, a development zone (兰州新区, 西咸新区), a town
                dropped["district column not a county"] += 1
                continue
            named = named_counties(address, counties)
            named = {n for n in named if not any(n != m and n in m for m in named)}
            if named and code not in {counties[n] for n in named}:
                raise SystemExit(f"{name} {address}: address names another county; decide by hand")
            seen.add((name, address))
            county_city = city_of(code)
            listed = f"listed as {district}" + ("" if county_city == city else f" ({listed_city})")
            assert by_code()[code][2] == 3
            rows.append((name, address, province_name, code, county_city, listed, how, area_codes))
    return rows, dropped


def render(rows: list[tuple[str, ...]]) -> str:
    """The CSV text, with area_codes (tests/bench/test_eval_lists.py calls render(rows))."""
    return render_columns(rows, EXTRA)


def main(argv: list[str] | None = None) -> int:
    rows, dropped = build()
    write(OUT, render(rows), len(rows), dropped)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
