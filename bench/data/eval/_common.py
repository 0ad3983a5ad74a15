"""Shared helpers of the make_*.py scripts that build the independent evaluation lists.

A script in this folder imports it after putting the repository root on sys.path (a script
run as `.venv/bin/python bench/data/eval/make_X.py`, or loaded by file path as
tests/bench/test_eval_lists.py does, may not have it there); mypy checks it the same way:

    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository root
    from bench.data.eval._common import children, render

Divisions are read straight from data/divisions/divisions.json, never through the geocoder:
a list's expected county must not come from the code it measures.
"""

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
DIVISIONS = REPO / "data" / "divisions" / "divisions.json"
COLUMNS = ("unit_name", "address", "province", "county_adcode", "city_adcode", "category", "how")
PROVINCE_LEVEL, CITY_LEVEL, COUNTY_LEVEL = 1, 2, 3


@cache
def divisions(path: Path = DIVISIONS) -> tuple[tuple[str, str, int, str | None], ...]:
    """(adcode, 2025 name, level, parent adcode) of every division."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    return tuple((row[0], row[1], row[2], row[3]) for row in raw["divisions"])


@cache
def by_code(path: Path = DIVISIONS) -> dict[str, tuple[str, str, int, str | None]]:
    return {row[0]: row for row in divisions(path)}


def children(parent: str, path: Path = DIVISIONS) -> dict[str, str]:
    """2025 names of the divisions directly under `parent` -> adcode."""
    return {row[1]: row[0] for row in divisions(path) if row[3] == parent}


def province_code(name: str, path: Path = DIVISIONS) -> str:
    """The province a name denotes, written in full (湖北省) or short (湖北); else an error."""
    found = [r[0] for r in divisions(path) if r[2] == PROVINCE_LEVEL and r[1].startswith(name)]
    if len(found) != 1 or len(name) < 2:
        raise SystemExit(f"{name!r}: not exactly one province")
    return found[0]


def city_code(province: str, name: str, path: Path = DIVISIONS) -> str:
    """The 2025 city (or province-governed unit) of `province` with exactly this name."""
    code = children(province, path).get(name)
    if code is None:
        raise SystemExit(f"{name!r}: not a 2025 division directly under {province}")
    return code


def county_code(
    parent: str,
    name: str,
    renames: dict[str, tuple[str, str]] | None = None,
    path: Path = DIVISIONS,
) -> str | None:
    """The 2025 county-level division under `parent` (a city, or a municipality) with exactly
    this name, or with the 2025 name `renames` gives a former name; None if there is none."""
    names = children(parent, path)
    if renames and name in renames:
        name = renames[name][0]
    code = names.get(name)
    if code is None or by_code(path)[code][2] != COUNTY_LEVEL:
        return None
    return code


def city_of(county: str, path: Path = DIVISIONS) -> str:
    """The city a county belongs to, as tests/bench/test_eval_lists.py reads it: its parent,
    or itself for a county-level city governed by its province directly (济源市, 仙桃市)."""
    table = by_code(path)
    parent = table[county][3]
    assert parent is not None
    own_city = table[parent][2] == PROVINCE_LEVEL and not table[parent][1].endswith("市")
    return county if own_city else parent


def county_in_name(name: str, names: Iterable[str], prefix: str = "") -> str | None:
    """The longest of `names` the official name starts with, after `prefix` if written
    (北京市昌平区医院 with prefix 北京市 -> 昌平区); None if it starts with none."""
    rest = name.removeprefix(prefix)
    found = [n for n in names if rest.startswith(n)]
    return max(found, key=len) if found else None


def named_counties(text: str, names: Iterable[str]) -> set[str]:
    """Those of `names` (county names of one city) that occur in `text`."""
    return {n for n in names if n in text}


def clean(text: str) -> str:
    """Trimmed, with line breaks, tabs and runs of spaces inside a cell made one space."""
    return re.sub(r"\s+", " ", text).strip()


def render(rows: Iterable[Sequence[str]], extra: Sequence[str] = ()) -> str:
    """The CSV text: the common columns (plus `extra`), one line per row, \\n line ends."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS + tuple(extra))
    writer.writerows(rows)
    return out.getvalue()


def write(out: Path, text: str, rows: int, dropped: dict[str, int]) -> None:
    """Write the CSV and say how many rows it holds and what was left out."""
    out.write_text(text, encoding="utf-8")
    print(f"{rows} rows -> {out.name}; left out: {dropped}")
