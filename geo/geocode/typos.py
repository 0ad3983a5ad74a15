"""One-character typos of county-level names, read only where they can mean one county.

A list typed over many years writes 岳簏区 for 岳麓区. Any one character of a county's name
(not its suffix 县/区/市/旗) may be wrong, but only inside a province or city the text already
names, and only where exactly one county there fits: 朝杨区 next to 北京 is 朝阳区, while a
typo that fits two counties of the province is no answer at all. A township's name is read
with one character wrong only where that character is one GB2312 lacks (石基镇 for 石碁镇), under
the same rule.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence

from geo.core.divisions import CITY, COUNTY, Divisions

MIN_LENGTH = 3  # two-character names (城区, 郊区) are too short to tell a typo from a word
_SUFFIXES = frozenset("县区市旗")
_MASK = "\0"
_TOWNSHIP_SUFFIXES = ("街道", "镇", "乡")
_LONGEST_STEM = 6
# What ends a word an address is made of: a township's name may start right after it.
_ENDS_A_WORD = frozenset("省市区县旗镇乡道街路号村")


class TypoIndex:
    """County-level names and aliases with one character masked, per province.

    >>> from geo.core.divisions import load_divisions
    >>> index = TypoIndex(load_divisions())
    >>> sorted(index.find("长沙市岳簏区麓山南路", {"430000"}))  # 岳麓区, 岳塘区: the city decides
    ['430104', '430304']
    >>> index.find("岳簏区", {"110000"})
    set()
    """

    def __init__(self, divisions: Divisions) -> None:
        self._divisions = divisions
        self._masked: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        lengths = set()
        for div in divisions:
            if div.level != COUNTY:
                continue
            province = divisions.province_of(div.adcode)
            for name in (div.name, *div.aliases):
                if len(name) < MIN_LENGTH or name[-1] not in _SUFFIXES:
                    continue
                lengths.add(len(name))
                for i in range(len(name) - 1):
                    self._masked[province][name[:i] + _MASK + name[i + 1 :]].add(div.adcode)
        self._lengths = sorted(lengths)

    def find(self, text: str, provinces: Iterable[str]) -> set[str]:
        """Counties of `provinces` that a one-character typo in `text` could name."""
        tables = [self._masked[p] for p in provinces if p in self._masked]
        found: set[str] = set()
        names = self._divisions.names
        for start in range(len(text)):
            for length in self._lengths:
                written = text[start : start + length]
                if len(written) < length:
                    break
                if written[-1] not in _SUFFIXES or written in names:
                    continue
                for i in range(length - 1):
                    key = written[:i] + _MASK + written[i + 1 :]
                    for table in tables:
                        found |= table.get(key, set())
        return found


def _typeable(character: str) -> bool:
    """Whether GB2312, the character set lists were long typed in, has the character."""
    try:
        character.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


class TownshipTypoIndex:
    """Townships whose name has a character GB2312 lacks (石碁镇, 东塱村's 塱), that character
    masked, per province: a list typed in GB2312 writes a common one in its place (石基镇).
    Only such characters: any other one-character change of a two-character stem (石龙镇,
    石楼镇) would be a different township's name, not a typo.

    >>> from geo.core.divisions import load_divisions
    >>> index = TownshipTypoIndex(load_divisions())
    >>> index.find("石基镇傍东村", {"440000"})  # 番禺区's 石碁镇
    {'440113'}
    >>> index.find("石碁镇", {"440000"}), index.find("石基镇", {"110000"})  # right; elsewhere
    (set(), set())
    """

    def __init__(self, divisions: Divisions) -> None:
        self._names = divisions.names
        self._masked: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for div in divisions:
            for name in divisions.townships(div.adcode):
                stem = next((name[: -len(s)] for s in _TOWNSHIP_SUFFIXES if name.endswith(s)), "")
                province = divisions.province_of(div.adcode)
                for i, character in enumerate(stem if len(stem) >= 2 else ""):
                    if not _typeable(character):
                        masked = stem[:i] + _MASK + stem[i + 1 :] + name[len(stem) :]
                        self._masked[province][masked].add(div.adcode)

    def find(self, text: str, provinces: Iterable[str]) -> set[str]:
        """Counties of `provinces` with a township that `text` writes with a common character
        in place of its uncommon one, the name starting the text or following a non-letter or
        a word's end (镇, 区, 路, ...)."""
        tables = [self._masked[p] for p in provinces if p in self._masked]
        found: set[str] = set()
        for start in range(len(text)):
            if start and text[start - 1].isalpha() and text[start - 1] not in _ENDS_A_WORD:
                continue
            for length in range(2, _LONGEST_STEM + 1):
                stem = text[start : start + length]
                rest = text[start + length :]
                suffix = next((s for s in _TOWNSHIP_SUFFIXES if rest.startswith(s)), None)
                if len(stem) < length or suffix is None or stem + suffix in self._names:
                    continue
                for i in range(length):
                    key = stem[:i] + _MASK + stem[i + 1 :] + suffix
                    for table in tables:
                        found |= table.get(key, set())
        return found


def typo_evidence(
    indexes: Sequence[tuple["TypoIndex | TownshipTypoIndex", int]],
    divisions: Divisions,
    texts: Iterable[str],
    provinces: frozenset[str],
    evidence: Iterable[tuple[frozenset[str], int]],
) -> list[tuple[frozenset[str], int]]:
    """The first index's one fitting division, with its weight: a name with one wrong character
    that exactly one division of the provinces (or of the cities already named) fits."""
    cities = {c for codes, _ in evidence for c in codes if divisions[c].level == CITY}
    for index, weight in indexes:
        found = {c for text in texts for c in index.find(text, provinces)}
        if cities:
            found = {c for c in found if not cities.isdisjoint(divisions.chain(c))}
        if len(found) == 1:
            return [(frozenset(found), weight)]
    return []
