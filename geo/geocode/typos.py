"""One-character typos of county-level names, read only where they can mean one county.

A list typed over many years writes 岳簏区 for 岳麓区. Any one character of a county's name
(not its suffix 县/区/市/旗) may be wrong, but only inside a province or city the text already
names, and only where exactly one county there fits: 朝杨区 next to 北京 is 朝阳区, while a
typo that fits two counties of the province is no answer at all.
"""

from collections import defaultdict
from collections.abc import Iterable

from geo.core.divisions import COUNTY, Divisions

MIN_LENGTH = 3  # two-character names (城区, 郊区) are too short to tell a typo from a word
_SUFFIXES = frozenset("县区市旗")
_MASK = "\0"


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
