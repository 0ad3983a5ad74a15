"""The offline geocoder: the division a record names, placed at that division's seat.

No key, no network. It reads the unit name as well as the address ("长沙县公安局" names the
county when the address says only "星沙街道…"), knows former names (九台市 → 九台区) and short
forms (城步县, 北京朝阳), and weighs every mention against the others: a name shared by several
divisions (朝阳区) is settled by its context or, failing that, the answer is the finest division
all readings agree on — never a guess presented as precise.
"""

from collections.abc import Mapping
from typing import Any

from geopy.adapters import BaseSyncAdapter
from geopy.exc import GeocoderServiceError
from geopy.geocoders.base import DEFAULT_SENTINEL, Geocoder
from geopy.location import Location

from geo.core.divisions import CITY, COUNTY, PROVINCE, Divisions, NameEntry, load_divisions
from geo.core.text import place_name_key
from geo.geocode.base import GeocodeQuery, Placement, precision_rank

SOURCE = "offline"
# A bare stem (九台, 朝阳) counts as a place name only next to another place name, at either end
# of the text, or where a unit name puts a branch's place: "长春市公安局九台分局".
_BEFORE_STEM = ("公安局", "公安处", "公安厅")
_AFTER_STEM = ("分局", "公安")
_LEVEL_PRECISION = {PROVINCE: "province", CITY: "city", COUNTY: "county"}
# How much a mention counts, by how it names the division and the division's level.
_WEIGHTS = {
    ("name", COUNTY): 3,
    ("stem", COUNTY): 2,
    ("name", CITY): 2,
    ("stem", CITY): 2,
    ("name", PROVINCE): 1,
    ("stem", PROVINCE): 1,
}
_KIND_FAMILY = {
    "name": "name",
    "alias": "name",
    "former": "name",
    "stem": "stem",
    "former_stem": "stem",
}
_TOWNSHIP_WEIGHT = 1

Evidence = tuple[frozenset[str], int]


class _NoNetwork(BaseSyncAdapter):  # type: ignore[misc]  # geopy ships no type information
    """geopy's transport slot, filled so that any attempt to reach a network fails loudly."""

    def get_json(self, url: str, *, timeout: float, headers: Mapping[str, str]) -> Any:
        raise GeocoderServiceError(f"the offline geocoder never uses the network (asked {url})")

    def get_text(self, url: str, *, timeout: float, headers: Mapping[str, str]) -> str:
        raise GeocoderServiceError(f"the offline geocoder never uses the network (asked {url})")


class OfflineGeocoder(Geocoder):  # type: ignore[misc]  # geopy ships no type information
    """Places records at the seat of the division they name, from data/divisions/ alone.

    >>> geocoder = OfflineGeocoder()
    >>> placement = geocoder.resolve_text("北京朝阳")
    >>> placement.resolved, placement.adcode, placement.precision
    ('北京市 朝阳区', '110105', 'county')
    >>> geocoder.geocode("湖南省岳麓区").raw["adcode"]
    '430104'
    >>> geocoder.resolve_text("朝阳区") is None  # Beijing's or Changchun's: not a guess
    True
    """

    name = SOURCE

    def __init__(self, divisions: Divisions | None = None) -> None:
        super().__init__(adapter_factory=_NoNetwork)
        self.divisions = divisions if divisions is not None else load_divisions()
        names = self.divisions.names
        # For each first character, the longest name starting with it: scanning skips the rest.
        self._reach: dict[str, int] = {}
        for text in names:
            self._reach[text[0]] = max(self._reach.get(text[0], 0), len(text))
        self._weights: dict[tuple[str, ...], int] = {}

    def geocode(
        self,
        query: str | GeocodeQuery | Mapping[str, str | None],
        *,
        exactly_one: bool = True,
        timeout: float | None = DEFAULT_SENTINEL,  # accepted as geopy's interface has it; unused
    ) -> Location | list[Location] | None:
        """geopy's call: a `Location` (WGS-84) for the text or record, or None.

        `query` is free text (a city, a county, a full address), a `GeocodeQuery`, or a mapping
        with GeocodeQuery's fields (address, name, province, city, district). `raw` carries the
        adcode, precision and names the query was understood as.
        """
        if isinstance(query, GeocodeQuery):
            placement = self.place(query)
        elif isinstance(query, Mapping):
            fields = {k: v for k, v in query.items() if v is not None}
            placement = self.place(GeocodeQuery(**fields))
        else:
            placement = self.resolve_text(query)
        if placement is None:
            return None
        location = Location(placement.resolved, (placement.lat, placement.lon), dict(placement.raw))
        return location if exactly_one else [location]

    def place(self, query: GeocodeQuery) -> Placement | None:
        """The record's division seat, from its address, unit name and region columns.

        >>> geocoder = OfflineGeocoder()
        >>> p = geocoder.place(GeocodeQuery("星沙街道开元东路", name="长沙县公安局刑事侦查大队"))
        >>> p.resolved, p.precision, p.source
        ('湖南省 长沙市 长沙县', 'county', 'offline')
        """
        evidence: list[Evidence] = []
        for text in (query.address, query.name):
            evidence += self._evidence(place_name_key(text))
        for column in (query.province, query.city, query.district):
            if column:
                evidence += self._evidence(place_name_key(column), whole=True)
        return self._decide(evidence)

    def resolve_text(self, text: str) -> Placement | None:
        """What a person typed ("长沙", "湖南省岳麓区", "北京朝阳", an address), or None.

        >>> OfflineGeocoder().resolve_text("长沙").resolved
        '湖南省 长沙市'
        >>> OfflineGeocoder().resolve_text("火星基地") is None
        True
        """
        return self._decide(self._evidence(place_name_key(text)))

    def _scan(self, text: str) -> list[tuple[int, int, tuple[NameEntry, ...]]]:
        """Leftmost-longest mentions of known names: (start, end, what the name may mean)."""
        names, reach, found = self.divisions.names, self._reach, []
        i, n = 0, len(text)
        while i < n - 1:
            for j in range(min(n, i + reach.get(text[i], 0)), i + 1, -1):
                entries = names.get(text[i:j])
                if entries:
                    found.append((i, j, entries))
                    i = j
                    break
            else:
                i += 1
        return found

    def _evidence(self, text: str, *, whole: bool = False) -> list[Evidence]:
        """Weighted mentions in one text; `whole` when the text is a region column's cell."""
        matches = self._scan(text)
        evidence: list[Evidence] = []
        container: tuple[frozenset[str], int] | None = None  # a named city or province, its end
        for k, (start, end, entries) in enumerate(matches):
            joined = start == 0 or matches[k - 1][1] == start
            standalone = whole or (
                (joined or text[:start].endswith(_BEFORE_STEM))
                and (
                    end == len(text)
                    or (k + 1 < len(matches) and matches[k + 1][0] == end)
                    or text.startswith(_AFTER_STEM, end)
                )
            )
            codes, weight = set(), 0
            for entry in entries:
                if entry.kind == "township":
                    # Only as a word of its own: 郭镇 inside 前郭镇 is not that township.
                    if joined or not text[start - 1].isalpha():
                        codes.add(entry.adcode)
                        weight = max(weight, _TOWNSHIP_WEIGHT)
                    continue
                family = _KIND_FAMILY[entry.kind]
                div = self.divisions[entry.adcode]
                # 城区, 郊区, 矿区: official names, but ordinary words in any address.
                generic = len(div.name) == 2 and div.name.endswith("区")
                if (family == "stem" or generic) and not standalone:
                    continue
                codes.add(entry.adcode)
                weight = max(weight, _WEIGHTS[family, div.level])
            if container and text[container[1] : start] in ("", *_BEFORE_STEM):
                codes = self._inside(codes, container[0])
            if text.startswith("分局", end):  # a city bureau's branch is a district's
                codes = {c for c in codes if self.divisions[c].level == COUNTY} or codes
            if codes:
                evidence.append((frozenset(codes), weight))
                levels = {self.divisions[c].level for c in codes if c in self.divisions}
                container = (frozenset(codes), end) if COUNTY not in levels else None
        return evidence

    def _inside(self, codes: set[str], container: frozenset[str]) -> set[str]:
        """What a name written right after a city or province (长春市朝阳区, 淮安市公安局清河分局)
        can mean: the readings inside it. If none is, the name is stale or unknown unless it is
        one county's own name in the same province (简阳市 moved from 资阳市 to 成都市)."""
        chain = self.divisions.chain
        inside = {c for c in codes if not container.isdisjoint(chain(c))}
        if inside:
            return inside
        provinces = {chain(c)[0] for c in container}
        if len(codes) == 1 and chain(next(iter(codes)))[0] in provinces:
            return codes
        return set()

    def _decide(self, evidence: list[Evidence]) -> Placement | None:
        if not evidence:
            return None
        chain = self.divisions.chain
        covered = [frozenset(a for c in codes for a in chain(c)) for codes, _ in evidence]
        best, tied = None, []
        for candidate in set().union(*covered):
            lineage = chain(candidate)
            score = 0
            for (codes, weight), below in zip(evidence, covered, strict=True):
                if not codes.isdisjoint(lineage):
                    score += weight  # it names the candidate or a division containing it
                elif candidate not in below:
                    score -= weight  # it names somewhere else; inside the candidate is neutral
            if best is None or score > best:
                best, tied = score, [lineage]
            elif score == best:
                tied.append(lineage)
        # Several equally good readings: keep only what they all agree on.
        common: tuple[str, ...] = ()
        for level in zip(*tied, strict=False):
            if len(set(level)) > 1:
                break
            common += (level[0],)
        if not common:
            return None
        return self._placement(common[-1])

    def _placement(self, adcode: str) -> Placement:
        div = self.divisions[adcode]
        precision = _LEVEL_PRECISION[div.level]
        if self.divisions.is_municipality(adcode):
            precision = "city"
        if precision_rank(div.precision) > precision_rank(precision):
            precision = div.precision  # no seat of its own in the sources: its parent's
        path = self.divisions.path(adcode)
        raw = {
            "adcode": adcode,
            "precision": precision,
            "names": path.split(" "),
            "source": SOURCE,
            "divisions_as_of": self.divisions.as_of,
        }
        return Placement(div.lon, div.lat, precision, SOURCE, path, adcode, raw)
