"""Townships in an address: the other spellings they are written with, and those that moved.

Lists typed over many years write a township with the suffix it had or will have: 天回镇 for
金牛区's 天回镇街道, 义蓬镇 for 钱塘区's 义蓬街道, a 乡 that has since become a 镇. And a township
written right after its old county (余杭区塘栖镇) may since have moved to a neighbour (临平区).
Both are read only where the name can mean one county: a spelling that many counties share
(城关镇, in 82 of them) never moves a county named in the text. A street is also written X街
(街口街 for 街口街道), read so only where more address text follows (see `short_street`).
"""

from collections.abc import Mapping
from functools import lru_cache

from geo.core.divisions import Divisions, NameEntry

Evidence = tuple[frozenset[str], int]  # the divisions a mention may mean, and its weight
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
