"""Build hubei_hospitals.csv from the committed excerpt raw/hubei_hospitals.json.

python bench/data/eval/make_hubei_hospitals.py    (writes the CSV beside this file)

The expected county is the source's own `district` column, matched by exact name to the
2025 county-level divisions of the row's city (the source's `city` column, itself matched
within 湖北省) in data/divisions/divisions.json, read directly (not through the geocoder).
Origin and rules: hubei_hospitals.md.
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository root
from bench.data.eval._common import children, clean, render, write

HERE = Path(__file__).resolve().parent
RAW = HERE / "raw" / "hubei_hospitals.json"
OUT = HERE / "hubei_hospitals.csv"
PROVINCE = "420000"

# Rows whose address names another county of the city than the district column, decided
# by hand from the address (the unit is where its address says).
BY_HAND = {
    ("洪山区", "武汉科技大学附属天佑医院"): "武昌区",  # 湖北省武汉市武昌区丁字桥路涂家岭9号
}


def build(raw_path: Path = RAW) -> tuple[list[tuple[str, ...]], dict[str, int]]:
    """The CSV rows, and how many source rows were left out and why."""
    cities = children(PROVINCE)
    rows: list[tuple[str, ...]] = []
    dropped = {"no address": 0, "district column empty": 0, "district column not a county": 0}
    for block in json.loads(raw_path.read_text(encoding="utf-8")):
        for unit in block["entries"]:
            name, address, district = clean(unit["name"]), clean(unit["address"]), unit["district"]
            city = cities[unit["city"]]
            counties = children(city)
            if not address:
                dropped["no address"] += 1
                continue
            if not district:
                dropped["district column empty"] += 1
                continue
            if district not in counties:  # 高新区, or the city itself (黄石市)
                dropped["district column not a county"] += 1
                continue
            code, how = counties[district], "list column"
            named = {counties[n] for n in counties if n in address}
            if (district, name) in BY_HAND:
                code, how = counties[BY_HAND[district, name]], "hand (address names another county)"
            elif named and code not in named:
                raise SystemExit(f"{name} {address}: address names another county; decide by hand")
            rows.append((name, address, unit["province"], code, city, f"listed as {district}", how))
    return rows, dropped


def main(argv: list[str] | None = None) -> int:
    rows, dropped = build()
    write(OUT, render(rows), len(rows), dropped)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
