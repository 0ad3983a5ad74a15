"""Every independent evaluation list parses, states its origin and names real 2025 divisions.

The divisions are read straight from data/divisions/divisions.json, not through the
geocoder, so a list's truth is checked against the official table alone.
"""

import csv
import importlib.util
import json
import re
from pathlib import Path

import pytest

from bench.geocoder_accuracy import COLUMNS, read_rows
from bench.geocoder_lists import EVAL_DIR, eval_lists

REPO = Path(__file__).resolve().parents[2]
DIVISIONS = json.loads((REPO / "data" / "divisions" / "divisions.json").read_text("utf-8"))
BY_CODE = {row[0]: row for row in DIVISIONS["divisions"]}
LISTS = sorted(EVAL_DIR.glob("*.csv"))
COUNTY_LEVEL = 3


def test_there_are_lists_and_each_has_its_origin() -> None:
    assert LISTS, "no independent list in bench/data/eval/"
    assert eval_lists() == LISTS  # refuses a list without its .md
    for path in LISTS:
        text = path.with_suffix(".md").read_text(encoding="utf-8")
        assert "Origin" in text and "commit" in text, f"{path.name}: origin not stated"


@pytest.mark.parametrize("path", LISTS, ids=lambda p: p.stem)
def test_rows_name_real_current_divisions(path: Path) -> None:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames is not None
        assert set(COLUMNS) <= set(reader.fieldnames), f"{path.name}: columns missing"
        rows = list(reader)
    assert rows and len(read_rows(path)) == len(rows)
    for number, row in enumerate(rows, start=2):
        where = f"{path.name}:{number}"
        assert row["address"].strip(), f"{where}: empty address"
        county = BY_CODE.get(row["county_adcode"])
        assert county is not None, f"{where}: {row['county_adcode']} is not a 2025 division"
        assert county[2] == COUNTY_LEVEL, f"{where}: {county[1]} is not county-level"
        city = BY_CODE.get(row["city_adcode"])
        assert city is not None, f"{where}: {row['city_adcode']} is not a 2025 division"
        # A county's city is its parent (a municipality, 北京市 and the like, for its
        # districts); a county-level city governed by its province is its own city.
        parent = BY_CODE[county[3]]
        own_city = parent[2] == 1 and not parent[1].endswith("市")
        expected_city = county[0] if own_city else parent[0]
        assert row["city_adcode"] == expected_city, f"{where}: {county[1]} is not in {city[1]}"
        # Only area codes are copied from a source's phones, never a number.
        codes = (row.get("area_codes") or "").split()
        assert all(re.fullmatch(r"0\d{2,3}", c) for c in codes), f"{where}: {codes}"
        if row["province"]:  # as the source writes it: 湖北 or 湖北省
            province = BY_CODE[county[0][:2] + "0000"][1]
            assert province.startswith(row["province"]), f"{where}: {county[1]} not in {province}"


@pytest.mark.parametrize(
    "script", sorted(EVAL_DIR.glob("make_*.py")), ids=lambda p: p.stem.removeprefix("make_")
)
def test_cleaning_script_reproduces_its_list(script: Path) -> None:
    spec = importlib.util.spec_from_file_location(script.stem, script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows, _dropped = module.build()
    committed = (EVAL_DIR / (script.stem.removeprefix("make_") + ".csv")).read_text("utf-8")
    assert module.render(rows) == committed
