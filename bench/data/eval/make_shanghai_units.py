"""Build shanghai_units.csv from the excerpt raw/shanghai_units.json.

python bench/data/eval/make_shanghai_units.py    (writes the CSV beside this file)

Two small lists of 上海市 public units (district procuratorates, district libraries), each
with a name and an address and no district column. The expected county comes from the unit's
official name: after 上海市 (if written), the name must start with the full name of a 2025
district of 上海市 (310000) in data/divisions/divisions.json, read directly (not through the
geocoder), or with a former name in RENAMES. Because the name decides the answer, the CSV
leaves unit_name empty and keeps the name in source_name. Origin and rules: shanghai_units.md.
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository root
from bench.data.eval._common import children, county_in_name, write
from bench.data.eval._common import render as render_columns

HERE = Path(__file__).resolve().parent
RAW = HERE / "raw" / "shanghai_units.json"
OUT = HERE / "shanghai_units.csv"
CITY = "310000"
CITY_NAME = "上海市"
# Not a column of either source: both lists are 上海市's own, so each row gets its province
# (a municipality), the one column the Ministry's list always has (shanghai_units.md).
PROVINCE = "上海市"
EXTRA = ("source_name",)

# Former district names and their 2025 successors; each successor took the whole former unit
# (国务院批复, year as announced; the approval texts were not re-read here).
RENAMES = {
    "闸北区": ("静安区", "并入静安区 2015"),
    "崇明县": ("崇明区", "撤县设区 2016"),
    "卢湾区": ("黄浦区", "并入黄浦区 2011"),
    "南汇区": ("浦东新区", "并入浦东新区 2009"),
}
# The field names of each source's entries: (name, address).
FIELDS = {"人民检察院": ("name", "address"), "图书馆": ("areaName", "areaLocation")}


def districts() -> dict[str, str]:
    """2025 district names of 上海市 -> adcode, plus the former names in RENAMES."""
    names = children(CITY)
    for old, (new, _why) in RENAMES.items():
        names[old] = names[new]
    return names


def build(raw_path: Path = RAW) -> tuple[list[tuple[str, ...]], dict[str, int]]:
    """The CSV rows, and how many source entries were left out and why."""
    names = districts()
    rows: list[tuple[str, ...]] = []
    dropped = {"no district in the name": 0, "no address": 0, "address names another district": 0}
    for block in json.loads(raw_path.read_text(encoding="utf-8")):
        name_field, address_field = FIELDS[block["category"]]
        for unit in block["entries"]:
            name, address = unit[name_field].strip(), unit[address_field].strip()
            if not address:
                dropped["no address"] += 1
                continue
            listed = county_in_name(name, names, CITY_NAME)
            if listed is None:
                dropped["no district in the name"] += 1
                continue
            code = names[listed]
            if {names[n] for n in names if n in address} - {code}:
                dropped["address names another district"] += 1
                continue
            how = "name rule (address only)"
            if listed in RENAMES:
                how += f", renamed ({listed} → {RENAMES[listed][0]}, {RENAMES[listed][1]})"
            category = f"{block['category']}, named {listed}"
            rows.append(("", address, PROVINCE, code, CITY, category, how, name))
    return rows, dropped


def render(rows: list[tuple[str, ...]]) -> str:
    """The CSV text, with source_name (tests/bench/test_eval_lists.py calls render(rows))."""
    return render_columns(rows, EXTRA)


def main(argv: list[str] | None = None) -> int:
    rows, dropped = build()
    write(OUT, render(rows), len(rows), dropped)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
