"""Townships in an address: the other spellings they are written with, and those that moved.

Lists typed over many years write a township with the suffix it had or will have: 天回镇 for
金牛区's 天回镇街道, 义蓬镇 for 钱塘区's 义蓬街道, a 乡 that has since become a 镇. And a township
written right after its old county (余杭区塘栖镇) may since have moved to a neighbour (临平区).
Both are read only where the name can mean one county: a spelling that many counties share
(城关镇, in 82 of them) never moves a county named in the text. A street is also written X街
(街口街 for 街口街道), read so only where more address text follows (see `short_street`).
Villages (X村, X社区, from the statistics bureau's 2023 list) give a county only where nothing
more specific does, each the only one of its name in the province or city the record names; so
does a road a residents' committee is named after (河间路居委会), written with a house number.
"""

import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import orjson

from geo.core.divisions import CITY, COUNTY, DEFAULT_DIVISIONS_PATH, Divisions, NameEntry
from geo.geocode.evidence import Evidence

Moves = dict[frozenset[str], frozenset[str]]  # a county mention's reading → its moved reading

SUFFIXES = ("街道", "镇", "乡")
# Suffixes, longest first, a stem is cut from; 镇街道 is a street named after its former town.
_CUT = ("镇街道", "乡街道", "街道", "镇", "乡")
_SPELLED = ("街道", "镇", "乡", "镇街道", "乡街道")
_LAST_CHARACTERS = frozenset(s[-1] for s in SUFFIXES)
# Longest a written form can be beyond the official name it stands for (X镇 written X镇街道).
EXTRA_REACH = 2
# Addresses write a street (街道) as X街: 街口街逸泉山庄 is 从化区's 街口街道. But X街 is as often
# a road (解放街12号, 朝阳街三巷, 民生街十字, 中山街北段), so it is read as X街道 only where more
# address text follows that does not continue a road: not a number (digits or 一二三…), and
# none of the words that go on from a road (a side, a section, a crossing, a lane).
SHORT_STREET = "街"
# A township or village starts a word after one that ends an area or a road the tables do not
# know: 广州开发区萝岗街…, 赤岗路赤岗街… (but 郭镇 inside 前郭镇 is no township).
WORD_ENDS = frozenset("区县市旗路街道巷号")
_ROAD_GOES_ON = frozenset("道口东西南北中段与和及交旁边侧对附内外头尾巷一二三四五六七八九十百零〇")


@lru_cache(maxsize=8192)  # an address's pieces recur (大道, 街道, 新镇): a build asks thousands
def other_spellings(written: str) -> tuple[str, ...]:
    """The official names a township written as `written` may have; the stem keeps two
    characters (北镇 is no spelling of anything but itself; 良乡街道 is 良乡 and 街道).

    >>> other_spellings("天回镇")
    ('天回街道', '天回乡', '天回镇街道', '天回乡街道')
    >>> other_spellings("良乡街道")
    ('良乡镇', '良乡乡', '良乡镇街道', '良乡乡街道')
    >>> other_spellings("北镇"), other_spellings("人民路")
    ((), ())
    """
    found: list[str] = []
    for suffix in _CUT:
        stem = written.removesuffix(suffix)
        if stem != written and len(stem) >= 2:
            found += [stem + other for other in _SPELLED if other != suffix]
    return tuple(found)


def spelled_otherwise(
    names: Mapping[str, tuple[NameEntry, ...]], written: str
) -> tuple[NameEntry, ...]:
    """The townships `written` names under another suffix, when no division has it as a name.

    >>> from geo.core.divisions import load_divisions
    >>> [e.adcode for e in spelled_otherwise(load_divisions().names, "天回镇")]  # 天回镇街道
    ['510106']
    """
    if written[-1] not in _LAST_CHARACTERS:
        return ()
    found: list[NameEntry] = []
    for spelling in other_spellings(written):
        for entry in names.get(spelling, ()):
            if entry.kind == "township" and entry not in found:
                found.append(entry)
    return tuple(found)


def short_street(
    names: Mapping[str, tuple[NameEntry, ...]], written: str, after: str
) -> tuple[NameEntry, ...]:
    """The streets `written` (X街, X of two characters or more) names as X街道, when more
    address text follows that does not continue a road.

    >>> from geo.core.divisions import load_divisions
    >>> names = load_divisions().names
    >>> [e.adcode for e in short_street(names, "街口街", "逸泉山庄")]  # 从化区's 街口街道
    ['440117']
    >>> short_street(names, "街口街", "12号"), short_street(names, "街口街", "")
    ((), ())
    """
    stem = written.removesuffix(SHORT_STREET)
    if stem == written or len(stem) < 2 or not after[:1].isalpha() or after[0] in _ROAD_GOES_ON:
        return ()
    return tuple(e for e in names.get(stem + "街道", ()) if e.kind == "township")


def own_township_follows(divisions: Divisions, county: str, text: str, at: int) -> bool:
    """Whether `text` goes on at `at` with one of `county`'s townships, its suffix dropped or
    not: 增城新塘… (增城区 and its 新塘镇) names the county twice, as a writer in 广东 would.

    >>> from geo.core.divisions import load_divisions
    >>> own_township_follows(load_divisions(), "440118", "增城新塘新康花园内", 2)
    True
    >>> own_township_follows(load_divisions(), "440118", "增城大道69号", 2)
    False
    """
    for name in divisions.townships(county):
        suffix = next((s for s in _CUT if name.endswith(s)), "")
        stem = name.removesuffix(suffix)
        if len(stem) >= _MIN_STEM and text.startswith(stem, at):
            return True
    return False


def is_short_street(written: str) -> bool:
    """Whether a mention is the X街 form of a street (no official township name ends in 街)."""
    return written.endswith(SHORT_STREET)


def moved(
    divisions: Divisions, townships: set[str], evidence: list[Evidence], at: int, moves: Moves
) -> set[str]:
    """A township written right after a county (余杭区塘栖镇) that is not that county's but
    one other county's of the same city: it moved (塘栖 went to 临平区 in 2021), and the
    county it lies in now is the reading of both mentions, recorded in `moves` for the
    record's other mentions of that county. Otherwise nothing changes.

    The caller passes only townships whose spelling one county has: a common name (城关镇)
    after a county that lacks it is an older name of that county's own township, not a move.
    """
    named, weight = evidence[at]
    if not named.isdisjoint(townships):
        return townships
    cities = {divisions.city_of(c) for c in named}
    found = {c for c in townships if divisions.city_of(c) in cities}
    if len(found) == 1:
        moves[named] = frozenset(found)
        evidence[at] = (moves[named], weight)
        return found
    return townships


def renamed(
    divisions: Divisions, text: str, end: int, evidence: list[Evidence], moves: Moves
) -> None:
    """余杭区临平镇 where today's list has only 临平街道, of 临平区: a township written with an
    older suffix (镇, 乡 or 街道) right after a county is read as `moved` reads it, from the
    spellings that one county alone has — and only if the spelling as written is not one
    that several counties share (龙文区武安镇: 武安镇 is in five, so 长泰区's 武安街道 is no
    reason to leave 龙文区)."""
    names = divisions.names

    def owners(spelling: str) -> set[str]:
        return {e.adcode for e in names.get(spelling, ()) if e.kind == "township"}

    found: set[str] = set()
    for length in range(1, 5):
        stem, rest = text[end : end + length], text[end + length :]
        written = next((s for s in SUFFIXES if rest.startswith(s)), None)
        if len(stem) < length or written is None or len(owners(stem + written)) > 1:
            continue
        for suffix in SUFFIXES:
            if len(spelled := owners(stem + suffix)) == 1:  # 城关街道 is as common: nothing
                found |= spelled
    if found:
        moved(divisions, found, evidence, len(evidence) - 1, moves)


# Villages (X村) and communities (X社区): data/divisions/villages.json, derived from the
# statistics bureau's 2023 list (scripts/division_villages.py). A name there is one that only one
# county of its prefecture-level city has; a name several counties of a city share is listed
# under the city, so that it is known to be ambiguous there.
VILLAGES_PATH = DEFAULT_DIVISIONS_PATH.with_name("villages.json")
VILLAGE_SUFFIXES = ("村", "社区")
VILLAGE_WEIGHT = 2  # as a township's name
AMBIGUOUS = "ambiguous"
_MIN_STEM = 2
# A road is read where a house number or a section follows it (河间路31号, 人民南路四段55号):
# then it is the address's road, not part of an estate's or a unit's name.
ROAD_WORDS = ("大街", "大道", "路", "街", "巷")  # also what names a committee's road
_HOUSE_NUMBER = re.compile(
    r"[东西南北中]?[一二三四五六七八九十\d]+段"  # 人民南路四段
    r"|\d|[一二三四五六七八九十百]+号"
)
Matches = list[tuple[int, int, tuple[NameEntry, ...]]]  # the known names in a text, in order


class Villages:
    """Village and community names → the divisions that have them, read from villages.json.

    >>> from geo.core.divisions import load_divisions
    >>> villages = load_villages()
    >>> villages.place("冯马三村", "440000", load_divisions())  # 南沙区's, alone in 广东
    '440115'
    >>> villages.place("大龙村", "440000", load_divisions())  # in several counties of 广东
    'ambiguous'
    """

    def __init__(self, unique: Mapping[str, str], shared: Mapping[str, str]) -> None:
        # Codes space-separated, so that a name of one division (most) costs no list of its own.
        self._unique = unique  # name → counties, each the only one of its city with the name
        self._shared = shared  # name → cities in which several counties have it
        self._longest = max((len(n) for n in (*unique, *shared)), default=0)
        self._tables = (unique, shared)

    def __len__(self) -> int:
        return len(self._unique)

    def place(
        self, name: str, scope: str, divisions: Divisions, among: frozenset[str] | None = None
    ) -> str | None:
        """The one division inside `scope` (and among the counties `among`, if given) with this
        village, AMBIGUOUS, or None if none has it."""
        chain, city_of = divisions.chain, divisions.city_of
        known = divisions.__contains__  # a smaller table than villages.json's (tests, ablations)
        inside = [c for c in self._unique.get(name, "").split() if known(c) and scope in chain(c)]
        shared = [c for c in self._shared.get(name, "").split() if known(c) and scope in chain(c)]
        if among is not None:
            inside = [c for c in inside if c in among]
            shared = [c for c in shared if any(city_of(a) == c for a in among)]
        if len(inside) == 1 and not shared:
            return inside[0]
        return AMBIGUOUS if inside or shared else None

    def road_places(self, stem: str) -> int:
        """In how many divisions' entries a road named stem + 路, 街 or 大道 is listed."""
        roads = [stem + word for word in ("路", "街", "大道")]
        return sum(len(table.get(r, "").split()) for r in roads for table in self._tables)

    def mentions(
        self, text: str, ends: set[int], blocked: frozenset[int] = frozenset()
    ) -> list[str]:
        """Known village names written in full (X村, X社区) as words of their own, as townships
        are read: at the start, after a non-letter or right after a known name (`ends`, where
        those end: 新塘镇新墩村), or after a word that ends an area or a road (大石街北联村)
        unless that word is a name of somewhere else (`blocked`: 三江街 of 浙江 in 广东). For
        each 村 or 社区, the longest such name ending there; and likewise for a known road
        followed by a house number (成都市新南路87号: 新南路)."""
        found = []
        after_words = {i + 1 for i, c in enumerate(text) if c in WORD_ENDS} - blocked
        starts = sorted(
            {0, *ends, *after_words} | {i + 1 for i, c in enumerate(text) if not c.isalpha()}
        )
        for end in range(len(text)):
            suffix = next((s for s in VILLAGE_SUFFIXES if text.startswith(s, end)), None)
            if suffix is None and text.endswith(ROAD_WORDS, 0, end):
                suffix = "" if _HOUSE_NUMBER.match(text, end) else None  # the road's own name
            if suffix is None or text.startswith("村镇", end):  # X村镇银行 is a bank
                continue
            for start in starts:
                name = text[start:end] + suffix
                if end - start < _MIN_STEM or len(name) > self._longest:
                    continue
                if name in self._unique or name in self._shared:
                    found.append(name)
                    break
        return found


@lru_cache(maxsize=2)
def load_villages(path: Path = VILLAGES_PATH) -> Villages:
    """The village table at `path`, read once; an empty one if there is none (a custom table)."""
    try:
        raw = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return Villages({}, {})
    tables: tuple[dict[str, str], dict[str, str]] = ({}, {})

    def add(table: dict[str, str], name: str, code: str) -> None:
        table[name] = f"{table[name]} {code}" if name in table else code

    for table, key in zip(tables, ("villages", "shared"), strict=True):
        for code, *columns in raw[key]:
            for suffix, stems in zip(VILLAGE_SUFFIXES, columns, strict=True):
                for stem in stems.split(",") if stems else ():
                    add(table, stem + suffix, code)
    # Roads go in the same tables: a road's name never ends with 村 or 社区.
    for table, key in zip(tables, ("roads", "shared_roads"), strict=True):
        for code, joined in raw.get(key, ()):  # a table written before roads has none
            for name in joined.split(","):
                add(table, name, code)
    return Villages(*tables)


def village(
    villages: Villages,
    divisions: Divisions,
    texts: Mapping[str, Matches],
    evidence: list[Evidence],
    scope: str,
) -> Evidence | None:
    """The county the villages the texts name give: each the only one of its name in `scope`
    (the province or city the record names) among the counties that every mention meaning
    counties only allows (东涌镇 is in two counties, 大稳村 in two, both in 南沙区 alone), and
    all of them agreeing. `texts` maps each text to the known names found in it: a township
    among them inside `scope` holds the village too, even one not read as a word of its own
    (增城市石滩镇…屋山村 where 增城市 is unknown: 屋山村 of 霞山区 is no reading).
    """
    chain = divisions.chain
    among: frozenset[str] | None = None  # the counties every county-only mention allows
    townships = [
        frozenset(e.adcode for e in entries if scope in chain(e.adcode))
        for matches in texts.values()
        for _, _, entries in matches
        if all(e.kind == "township" for e in entries)
    ]
    for codes in [codes for codes, _ in evidence] + [t for t in townships if t]:
        if all(divisions[c].level == COUNTY for c in codes):
            among = codes if among is None else among & codes
    found: set[str] = set()
    for text, matches in texts.items():
        # A village starts a word after a known name only if that can mean a place in `scope`:
        # 三江街 of 浙江 is no word boundary in 广东 (三江街屋山村 is no 屋山村 there).
        ends = {
            end for _, end, entries in matches if any(scope in chain(e.adcode) for e in entries)
        }
        elsewhere = frozenset(end for _, end, _ in matches) - ends
        for name in villages.mentions(text, ends, elsewhere):
            code = villages.place(name, scope, divisions, among)
            if code is not None and code != AMBIGUOUS:
                found.add(code)
    return (frozenset(found), VILLAGE_WEIGHT) if len(found) == 1 else None


# A township written without its suffix (棠下竹基西南六巷 for 天河区's 棠下街道, 登峰下塘新村 for
# 越秀区's 登峰街道): read only short of a county, only where one county of the city the record
# names has it, and never for a stem that many counties share or that names roads everywhere
# (人民, 中山, 新华: every city's roads are named so, wherever the township of that name lies).
BARE_WEIGHT = 2
_BARE_MAX_COUNTIES = 4  # a stem this many counties of the country have is a common word
_BARE_ROAD_PLACES = 2  # nor is one that this many roads of the road table are named after
_NAME_ENDS = (*VILLAGE_SUFFIXES, *SUFFIXES)
_NUMBERED = re.compile(r"[\d一二三四五六七八九十百]+号")


class BareTownships:
    """Township stems (the official name less 街道, 镇 or 乡, two characters at least) → the
    counties that have them. Left out: a stem that is itself a division's name (天河), and one
    that names roads in several places of the road table (人民路, 工业大道, 滨江路)."""

    def __init__(self, divisions: Divisions, villages: Villages) -> None:
        stems: dict[str, set[str]] = {}
        for division in divisions:
            for name in divisions.townships(division.adcode):
                suffix = next((s for s in SUFFIXES if name.endswith(s)), None)
                stem = name.removesuffix(suffix) if suffix else ""
                if len(stem) >= _MIN_STEM and stem not in divisions.names:
                    stems.setdefault(stem, set()).add(division.adcode)
        self._stems = {
            s: frozenset(c)
            for s, c in stems.items()
            if len(c) <= _BARE_MAX_COUNTIES and villages.road_places(s) < _BARE_ROAD_PLACES
        }
        self._longest = max((len(s) for s in self._stems), default=0)

    def __len__(self) -> int:
        return len(self._stems)

    def county(
        self, divisions: Divisions, texts: Mapping[str, Matches], scope: str
    ) -> Evidence | None:
        """The one county inside `scope` (a city, or a municipality) that the bare township
        stems the texts write give, each as a word of its own outside the names already found
        and before the house number; None unless exactly one."""
        if divisions[scope].level != CITY and not divisions.is_municipality(scope):
            return None  # a province is too wide: 环市 is 江门's 环市街道, not 广州's 环市东路
        chain, found = divisions.chain, set[str]()
        for text, matches in texts.items():
            taken = {i for start, end, _ in matches for i in range(start, end)}
            # After the house number come a building and an estate (28号珠江帝景内), not a place.
            number = _NUMBERED.search(text)
            last = number.start() if number else len(text)
            ends = {end for _, end, _ in matches}
            for start in range(last - 1):
                boundary = start == 0 or start in ends or not text[start - 1].isalpha()
                if start in taken or not (boundary or text[start - 1] in WORD_ENDS):
                    continue
                for end in range(min(len(text), start + self._longest), start + 1, -1):
                    counties = self._stems.get(text[start:end])
                    if counties is None or taken.intersection(range(start, end)):
                        continue
                    # 大龙村 is a village's name, not 番禺区's 大龙街道 written bare
                    if not text.startswith(_NAME_ENDS, end):
                        inside = [c for c in counties if scope in chain(c)]
                        found.update(inside if len(inside) == 1 else ())
                    break
        return (frozenset(found), BARE_WEIGHT) if len(found) == 1 else None
