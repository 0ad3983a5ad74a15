"""Landline area codes → the cities that dial them, from data/divisions/area_codes.csv.

scripts/make_area_codes.py derives the table from two published lists; a code may belong to
several cities (0731: 长沙, 株洲, 湘潭), and a code neither list knows means nothing.
"""

import csv
from collections import defaultdict
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

from geo.core.divisions import DEFAULT_DIVISIONS_PATH, Divisions

AREA_CODES_PATH = DEFAULT_DIVISIONS_PATH.with_name("area_codes.csv")


@lru_cache(maxsize=2)
def load_area_codes(path: Path = AREA_CODES_PATH) -> Mapping[str, frozenset[str]]:
    """Area code → city adcodes; empty if there is no table (a custom division table).

    >>> sorted(load_area_codes()["0731"])
    ['430100', '430200', '430300']
    """
    cities: dict[str, set[str]] = defaultdict(set)
    try:
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                cities[row["area_code"]].add(row["adcode"])
    except FileNotFoundError:
        return {}
    return {code: frozenset(found) for code, found in cities.items()}


def dialled(
    codes: Iterable[str],
    table: Mapping[str, frozenset[str]],
    divisions: Divisions,
    provinces: frozenset[str] = frozenset(),
) -> frozenset[str]:
    """Every city of `divisions` (inside `provinces`, if any) that one of `codes` belongs to.

    >>> from geo.core.divisions import load_divisions
    >>> sorted(dialled(["020", "0000"], load_area_codes(), load_divisions()))
    ['440100']
    >>> dialled(["020"], load_area_codes(), load_divisions(), frozenset({"430000"}))
    frozenset()
    """
    cities = {c for code in codes for c in table.get(code, ()) if c in divisions}
    if provinces:
        cities = {c for c in cities if divisions.province_of(c) in provinces}
    return frozenset(cities)
