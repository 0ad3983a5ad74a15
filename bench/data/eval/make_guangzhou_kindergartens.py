"""Build guangzhou_kindergartens.csv from the excerpt raw/guangzhou_kindergartens.json.

python bench/data/eval/make_guangzhou_kindergartens.py    (writes the CSV beside this file)

The source (a kindergarten table of 广州市, no district column) gives each unit's name and
address. The expected county comes from the unit's official name: after 广州市 (or 广州), the
name must start with the full name of a 2025 district of 广州市 (440100) in
data/divisions/divisions.json, read directly (not through the geocoder), or with a former
name in RENAMES. Because the name decides the answer, the CSV leaves unit_name empty and
keeps the name in source_name: the geocoder is given the address, the province (the whole
list is in 广州市, 广东省) and the area code written in the unit's phone cell, from
raw/guangzhou_kindergartens_area_codes.json (the numbers themselves are not copied). Origin
and rules: guangzhou_kindergartens.md.
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository root
from bench.data.eval._common import children, county_in_name, write
from bench.data.eval._common import render as render_columns

HERE = Path(__file__).resolve().parent
RAW = HERE / "raw" / "guangzhou_kindergartens.json"
AREA_CODES = HERE / "raw" / "guangzhou_kindergartens_area_codes.json"
OUT = HERE / "guangzhou_kindergartens.csv"
CITY = "440100"
CITY_NAMES = ("广州市", "广州")  # the name may start with the city, with or without 市
# Not a column of the source: every entry is in 广州市, so each row gets its province, the
# one column the Ministry's list always has (guangzhou_kindergartens.md says so).
PROVINCE = "广东省"
EXTRA = ("source_name", "area_codes")

# Former county-level names of 广州市 and their 2025 successors; each successor took the whole
# former unit (国务院批复, year as announced; the approval texts were not re-read here).
RENAMES = {
    "从化市": ("从化区", "撤市设区 2014"),
    "增城市": ("增城区", "撤市设区 2014"),
    "萝岗区": ("黄埔区", "萝岗区、黄埔区合并为黄埔区 2014"),
    "东山区": ("越秀区", "并入越秀区 2005"),
    "芳村区": ("荔湾区", "并入荔湾区 2005"),
}
# Towns that left a district after the list's names were given (番禺区's towns that went to
# 南沙区 in 2005 and 2012, 白云区's 九佛镇 and 天河区's 萝岗 that went to 萝岗区 in 2005, 增城's
# 镇龙): a row of that district naming one of them is left out rather than guessed.
MOVED_TOWNS = {
    "番禺区": ("南沙", "万顷沙", "横沥", "黄阁", "东涌", "大岗", "榄核"),
    "白云区": ("九佛镇",),
    "天河区": ("萝岗",),
    "增城区": ("镇龙",),
}


def districts() -> dict[str, str]:
    """2025 district names of 广州市 -> adcode, plus the former names in RENAMES."""
    names = children(CITY)
    for old, (new, _why) in RENAMES.items():
        names[old] = names[new]
    return names


def build(
    raw_path: Path = RAW, codes_path: Path = AREA_CODES
) -> tuple[list[tuple[str, ...]], dict[str, int]]:
    """The CSV rows, and how many excerpt entries were left out and why."""
    names = districts()
    codes = {e["id"]: e["area_codes"] for e in json.loads(codes_path.read_text(encoding="utf-8"))}
    by_code = {code: n for n, code in names.items() if n not in RENAMES}
    rows: list[tuple[str, ...]] = []
    dropped = {
        "no district in the name": 0,
        "no address": 0,
        "address names another district": 0,
        "names a town that moved": 0,
    }
    for unit in json.loads(raw_path.read_text(encoding="utf-8")):
        name, address = unit["name"].strip(), (unit["address"] or "").strip()
        if not address:
            dropped["no address"] += 1
            continue
        city = next((c for c in CITY_NAMES if name.startswith(c)), "")
        listed = county_in_name(name, names, city)
        if listed is None:
            dropped["no district in the name"] += 1
            continue
        code = names[listed]
        if {names[n] for n in names if n in address} - {code}:
            dropped["address names another district"] += 1
            continue
        if any(town in name + address for town in MOVED_TOWNS.get(by_code[code], ())):
            dropped["names a town that moved"] += 1
            continue
        how = "name rule (address only)"
        if listed in RENAMES:
            how += f", renamed ({listed} → {RENAMES[listed][0]}, {RENAMES[listed][1]})"
        rows.append(
            ("", address, PROVINCE, code, CITY, f"named {listed}", how, name, codes[unit["id"]])
        )
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
