"""Build beijing_tianjin_hospitals.csv from the excerpt raw/beijing_tianjin_hospitals.json.

python bench/data/eval/make_beijing_tianjin_hospitals.py    (writes the CSV beside this file)

The source has province and city columns but no district. The expected county comes from
the unit's official name (北京市昌平区医院 -> 昌平区): after the municipality's name, the name
must start with a 2025 district of that municipality, matched by exact name against
data/divisions/divisions.json read directly (not through the geocoder). Because the name
decides the answer, the CSV leaves unit_name empty and keeps the name in source_name: the
geocoder is given the address and the province column only. Origin: beijing_tianjin_hospitals.md.
"""

import csv
import io
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
RAW = HERE / "raw" / "beijing_tianjin_hospitals.json"
OUT = HERE / "beijing_tianjin_hospitals.csv"
DIVISIONS = REPO / "data" / "divisions" / "divisions.json"
COLUMNS = ("unit_name", "address", "province", "county_adcode", "city_adcode", "category", "how")
EXTRA = ("source_name",)


def districts(province: str, divisions_path: Path = DIVISIONS) -> dict[str, str]:
    """2025 district names of a municipality -> adcode."""
    raw = json.loads(divisions_path.read_text(encoding="utf-8"))
    return {row[1]: row[0] for row in raw["divisions"] if row[3] == province}


def county_in_name(name: str, municipality: str, names: dict[str, str]) -> str | None:
    """The district the official name starts with, after the municipality's name."""
    rest = name.removeprefix(municipality)
    found = [n for n in names if rest.startswith(n)]
    return max(found, key=len) if found else None


def build(raw_path: Path = RAW) -> tuple[list[tuple[str, ...]], dict[str, int]]:
    """The CSV rows, and how many source rows were left out and why."""
    rows: list[tuple[str, ...]] = []
    dropped = {"no district in the name": 0, "no address": 0, "address names another district": 0}
    for block in json.loads(raw_path.read_text(encoding="utf-8")):
        province, code = block["province"], str(block["code"])
        names = districts(code)
        for unit in block["hospitalList"]:
            name, address = unit["name"].strip(), unit["address"].strip()
            if not address:
                dropped["no address"] += 1
                continue
            county = county_in_name(name, province, names)
            if county is None:
                dropped["no district in the name"] += 1
                continue
            if any(n in address for n in names if n != county):
                dropped["address names another district"] += 1
                continue
            rows.append(
                ("", address, province, names[county], code, f"named {county}",
                 "name rule (address only)", name)
            )  # fmt: skip
    return rows, dropped


def render(rows: list[tuple[str, ...]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS + EXTRA)
    writer.writerows(rows)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    rows, dropped = build()
    OUT.write_text(render(rows), encoding="utf-8")
    print(f"{len(rows)} rows -> {OUT.name}; left out: {dropped}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
