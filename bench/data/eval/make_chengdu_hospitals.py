"""Build chengdu_hospitals.csv from the committed excerpt raw/chengdu_hospitals.json.

python bench/data/eval/make_chengdu_hospitals.py    (writes the CSV beside this file)

The expected county is the source's own district column, mapped to its 2025 code by name
within 成都市 (510100) in data/divisions/divisions.json, read directly (not through the
geocoder). Origin and rules: chengdu_hospitals.md.
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository root
from bench.data.eval._common import children, render, write

HERE = Path(__file__).resolve().parent
RAW = HERE / "raw" / "chengdu_hospitals.json"
OUT = HERE / "chengdu_hospitals.csv"
CITY = "510100"

# The list predates these changes; each maps a listed name to its 2025 successor, which took
# the whole former county (国务院批复, year as announced; approval texts not re-read here).
RENAMES = {
    "双流县": ("双流区", "撤县设区 2015"),
    "郫县": ("郫都区", "撤县设区 2016"),
    "新津县": ("新津区", "撤县设区 2020"),
}
# Listed under a heading that is not a county (a development zone): dropped.
NOT_A_COUNTY = {"高新区"}
# Rows whose address names another county of the city than the heading they are listed
# under, decided by hand from the address (the unit is where its address says).
BY_HAND = {
    ("武侯区", "四川省交通厅公路局成都医院"): "郫都区",  # 郫县犀浦镇犀团路500号
    ("金牛区", "成都医学院附属第一医院"): "新都区",  # 成都市新都区宝光大道278号
}
NO_ADDRESS = {"待详", ""}


def build(raw_path: Path = RAW) -> tuple[list[tuple[str, ...]], dict[str, int]]:
    """The CSV rows, and how many source rows were left out and why."""
    names = children(CITY)
    areas = json.loads(raw_path.read_text(encoding="utf-8"))
    listed = {area["name"] for area in areas}

    def current(name: str) -> str | None:
        return names.get(RENAMES[name][0] if name in RENAMES else name)

    rows: list[tuple[str, ...]] = []
    dropped = {"heading not a county": 0, "no address": 0, "exact duplicate": 0}
    seen: set[tuple[str, str]] = set()
    for area in areas:
        heading = area["name"]
        for unit in area["hospitalList"]:
            name, address = unit["name"].strip(), unit["address"].strip()
            if heading in NOT_A_COUNTY:
                dropped["heading not a county"] += 1
                continue
            if address in NO_ADDRESS:
                dropped["no address"] += 1
                continue
            if (name, address) in seen:
                dropped["exact duplicate"] += 1
                continue
            seen.add((name, address))
            code = current(heading)
            if code is None:
                raise SystemExit(f"{heading}: not a 2025 county of {CITY} and not in RENAMES")
            how = "list column"
            if heading in RENAMES:
                how += f", renamed ({RENAMES[heading][1]})"
            named = {current(n) for n in listed | set(names) if n in address} - {None}
            if (heading, name) in BY_HAND:
                code, how = names[BY_HAND[heading, name]], "hand (address names another county)"
            elif named and code not in named:
                raise SystemExit(f"{name} {address}: address names another county; decide by hand")
            rows.append((name, address, "", code, CITY, f"listed as {heading}", how))
    return rows, dropped


def main(argv: list[str] | None = None) -> int:
    rows, dropped = build()
    write(OUT, render(rows), len(rows), dropped)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
