"""China's administrative divisions as of 2025-12-31: codes, names, parents, seats and name forms.

Read from the compact data/divisions/divisions.json that scripts/make_divisions.py derives from
the Ministry of Civil Affairs list; seats are WGS-84. Provinces, prefecture-level cities and
county-level units are divisions here; townships (乡/镇/街道) are only names of their county.
"""

import gc
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

import orjson

from geo.core.errors import DatasetError

DEFAULT_DIVISIONS_PATH = (
    Path(__file__).resolve().parents[2] / "data" / "divisions" / "divisions.json"
)
SUPPORTED_FORMAT = 1
PROVINCE, CITY, COUNTY = 1, 2, 3

# How a text can name a division, most to least specific. A "stem" is a name without its
# suffix (朝阳 for 朝阳区): a place name only where the context says so.
NAME_KINDS = ("name", "alias", "former", "stem", "former_stem", "township")


@dataclass(frozen=True)
class Division:
    """One province (1), prefecture-level city (2) or county-level unit (3), seat in WGS-84."""

    adcode: str
    name: str
    level: int
    parent: str | None
    lon: float
    lat: float
    precision: str  # what the seat is good for: "county", "city" or "province" (a fallback)
    aliases: tuple[str, ...] = ()  # 城步县 for 城步苗族自治县
    stems: tuple[str, ...] = ()  # 城步


class NameEntry(NamedTuple):
    """One division a written name can stand for, and in which way."""

    adcode: str
    kind: str  # one of NAME_KINDS


class Divisions:
    """An immutable table of divisions with lookups by adcode and by every written name.

    >>> divisions = load_divisions()
    >>> divisions["430121"].name, divisions.path("430121")
    ('长沙县', '湖南省 长沙市 长沙县')
    >>> divisions.city_of("110105"), divisions.city_of("429004"), divisions.province_of("430121")
    ('110000', '429004', '430000')
    >>> sorted({e.adcode for e in divisions.lookup("朝阳区")})
    ['110105', '220104']
    """

    def __init__(
        self,
        divisions: Mapping[str, Division],
        names: Mapping[str, tuple[NameEntry, ...]],
        townships: Mapping[str, tuple[str, ...]],
        *,
        as_of: str,
    ) -> None:
        self._divisions = MappingProxyType(dict(divisions))
        self._names = MappingProxyType(dict(names))
        self._townships = MappingProxyType(dict(townships))
        self.as_of = as_of
        self.longest_name = max(map(len, self._names), default=0)
        chains: dict[str, tuple[str, ...]] = {}
        for code in self._divisions:
            chain, parent = [code], self._divisions[code].parent
            while parent:
                chain.append(parent)
                parent = self._divisions[parent].parent
            chains[code] = tuple(reversed(chain))
        self._chains = MappingProxyType(chains)

    def __getitem__(self, adcode: str) -> Division:
        return self._divisions[adcode]

    def __contains__(self, adcode: object) -> bool:
        return adcode in self._divisions

    def __iter__(self) -> Iterator[Division]:
        return iter(self._divisions.values())

    def __len__(self) -> int:
        return len(self._divisions)

    def get(self, adcode: str) -> Division | None:
        return self._divisions.get(adcode)

    @property
    def names(self) -> Mapping[str, tuple[NameEntry, ...]]:
        """Every written form (name, alias, stem, former name, township) → what it may mean."""
        return self._names

    def lookup(self, text: str) -> tuple[NameEntry, ...]:
        return self._names.get(text, ())

    def chain(self, adcode: str) -> tuple[str, ...]:
        """Adcodes from the province down to `adcode` itself."""
        return self._chains[adcode]

    def is_municipality(self, adcode: str) -> bool:
        div = self._divisions[adcode]
        return div.level == PROVINCE and div.name.endswith("市")

    def province_of(self, adcode: str) -> str:
        return self._chains[adcode][0]

    def city_of(self, adcode: str) -> str | None:
        """The prefecture-level unit holding `adcode`: its prefecture, its municipality, or the
        county-level unit itself when a province governs it directly (仙桃市); None for provinces.
        """
        chain = self._chains[adcode]
        if self.is_municipality(chain[0]):
            return chain[0]
        return chain[1] if len(chain) > 1 else None

    def townships(self, adcode: str) -> tuple[str, ...]:
        return self._townships.get(adcode, ())

    def path(self, adcode: str) -> str:
        """Names from the province down, e.g. '湖南省 长沙市 长沙县' or '北京市 朝阳区'."""
        return " ".join(self._divisions[c].name for c in self._chains[adcode])


def parse_divisions(data: bytes) -> Divisions:
    """Build the table from the bytes of a divisions.json file."""
    # ~40,000 small objects and no cycles: collector passes would only slow the build down.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _parse(data)
    finally:
        if enabled:
            gc.enable()


def _parse(data: bytes) -> Divisions:
    try:
        raw = orjson.loads(data)
        if raw["meta"]["format"] != SUPPORTED_FORMAT:
            raise DatasetError(f"divisions format {raw['meta']['format']!r} is not supported")
        divisions = {
            row[0]: Division(
                row[0], row[1], row[2], row[3], row[4], row[5], row[6], tuple(row[7]), tuple(row[8])
            )
            for row in raw["divisions"]
        }
        # Entries go in most specific kind first, so each name's tuple is already in that order.
        names: dict[str, list[NameEntry]] = {}
        for div in divisions.values():
            names.setdefault(div.name, []).append(NameEntry(div.adcode, "name"))
        for kind, texts in (("alias", 7), ("stem", 8)):
            for row in raw["divisions"]:
                for text in row[texts]:
                    entries = names.setdefault(text, [])
                    if (entry := NameEntry(row[0], kind)) not in entries:
                        entries.append(entry)
        for kind, column in (("former", 0), ("former_stem", 3)):
            for row in raw["former"]:
                for text in [row[0]] if column == 0 else row[column]:
                    entries = names.setdefault(text, [])
                    if (entry := NameEntry(row[1], kind)) not in entries:
                        entries.append(entry)
        townships: dict[str, tuple[str, ...]] = {}
        for code, joined in raw["townships"]:
            townships[code] = tuple(joined.split(","))
            entry = NameEntry(code, "township")
            for township in townships[code]:
                entries = names.setdefault(township, [])
                if not entries or entries[-1] != entry:  # a county lists a name once
                    entries.append(entry)
        as_of = raw["meta"]["as_of"]
    except (orjson.JSONDecodeError, KeyError, IndexError, TypeError, ValueError) as exc:
        raise DatasetError(f"divisions table is malformed: {exc}") from exc
    frozen = {text: tuple(entries) for text, entries in names.items()}
    return Divisions(divisions, frozen, townships, as_of=as_of)


@cache
def load_divisions(path: Path = DEFAULT_DIVISIONS_PATH) -> Divisions:
    """The division table at `path`, read once per process."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DatasetError(f"cannot read the divisions table {path}: {exc}") from exc
    return parse_divisions(data)
