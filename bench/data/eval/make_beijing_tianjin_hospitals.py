"""Build beijing_tianjin_hospitals.csv from the excerpt raw/beijing_tianjin_hospitals.json.

python bench/data/eval/make_beijing_tianjin_hospitals.py    (writes the CSV beside this file)

The source has province and city columns but no district. The expected county comes from
the unit's official name (北京市昌平区医院 -> 昌平区): after the municipality's name, the name
must start with a 2025 district of that municipality, matched by exact name against
data/divisions/divisions.json read directly (not through the geocoder). Because the name
decides the answer, the CSV leaves unit_name empty and keeps the name in source_name: the
geocoder is given the address and the province column only. Origin: beijing_tianjin_hospitals.md.
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository root
from bench.data.eval._common import children, county_in_name, write
from bench.data.eval._common import render as render_columns

HERE = Path(__file__).resolve().parent
RAW = HERE / "raw" / "beijing_tianjin_hospitals.json"
OUT = HERE / "beijing_tianjin_hospitals.csv"
EXTRA = ("source_name",)


def build(raw_path: Path = RAW) -> tuple[list[tuple[str, ...]], dict[str, int]]:
    """The CSV rows, and how many source rows were left out and why."""
    rows: list[tuple[str, ...]] = []
    dropped = {"no district in the name": 0, "no address": 0, "address names another district": 0}
    for block in json.loads(raw_path.read_text(encoding="utf-8")):
        province, code = block["province"], str(block["code"])
        names = children(code)
        for unit in block["hospitalList"]:
            name, address = unit["name"].strip(), unit["address"].strip()
            if not address:
                dropped["no address"] += 1
                continue
            county = county_in_name(name, names, prefix=province)
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
    return render_columns(rows, EXTRA)


def main(argv: list[str] | None = None) -> int:
    rows, dropped = build()
    write(OUT, render(rows), len(rows), dropped)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
