"""The offline geocoder: the division a record names, placed at that division's seat.

No key, no network. It reads the unit name as well as the address ("长沙县公安局" names the
county when the address says only "星沙街道…"), knows former names (九台市 → 九台区) and short
forms (城步县, 北京朝阳), and weighs every mention against the others: a name shared by several
divisions (朝阳区) is settled by its context or, failing that, the answer is the finest division
all readings agree on — never a guess presented as precise. The province column, else any
province the address names (a province in the unit's name only where the address gives none),
holds every reading. Townships, also written with another suffix, and a township that moved
to a neighbouring county, a village (geo/geocode/townships.py), and a one-character typo
(geo/geocode/typos.py) are read only where they can mean one county.
"""

from collections.abc import Mapping
from typing import Any

from geopy.adapters import BaseSyncAdapter
from geopy.exc import GeocoderServiceError
from geopy.geocoders.base import DEFAULT_SENTINEL, Geocoder
from geopy.location import Location

from geo.core.divisions import CITY, COUNTY, PROVINCE, Divisions, NameEntry, load_divisions
from geo.core.text import place_name_key
from geo.geocode import townships
from geo.geocode.area_codes import dialled as area_codes_dialled
from geo.geocode.area_codes import load_area_codes
from geo.geocode.base import GeocodeQuery, Placement, precision_rank
from geo.geocode.evidence import Evidence, weigh
from geo.geocode.townships import Moves, load_villages, own_township_follows
from geo.geocode.typos import TownshipTypoIndex, TypoIndex, typo_evidence

SOURCE = "offline"
# A bare stem (九台, 朝阳) counts as a place name only next to another place name, at either end
# of the text, or where a unit name puts a branch's place: "长春市公安局九台分局".
_BEFORE_STEM = ("公安局", "公安处", "公安厅")
_AFTER_STEM = ("分局", "公安")
_LEVEL_PRECISION = {PROVINCE: "province", CITY: "city", COUNTY: "county"}
# How much a mention counts, by how it names the division and the division's level. Every
# written name counts at least 2, so that a phone's area code (1) only settles what the text
# leaves open: 那大镇 with 0898 (海口's and 三亚's code, dialled all over 海南) is still 儋州.
_WEIGHTS = {
    ("name", COUNTY): 6,
    ("stem", COUNTY): 4,
    ("name", CITY): 4,
    ("stem", CITY): 4,
    ("name", PROVINCE): 2,
    ("stem", PROVINCE): 2,
}
_KIND_FAMILY = {
    "name": "name",
    "alias": "name",
    "former": "name",
    "stem": "stem",
    "former_stem": "stem",
}
_TOWNSHIP_WEIGHT = 2
_TYPO_WEIGHT = 4  # less than the county's own name: a correct mention elsewhere wins
_DIALLED_WEIGHT = 1  # less than any name written


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
        for text, entries in names.items():
            # A township may be written longer than its name (天回镇街道 as 天回镇 is shorter,
            # 义蓬街道 as 义蓬镇 too, but a 镇 as its 镇街道 is longer).
            extra = townships.EXTRA_REACH if entries[-1].kind == "township" else 0
            self._reach[text[0]] = max(self._reach.get(text[0], 0), len(text) + extra)
        self._area_codes = load_area_codes()
        self._typo_index: TypoIndex | None = None  # built on the first typo search
        self._township_typos: TownshipTypoIndex | None = None
        self._bare_townships: townships.BareTownships | None = None
        self._last: tuple[GeocodeQuery, Placement | None] | None = None

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
            fields: dict[str, Any] = {k: v for k, v in query.items() if v is not None}
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
        last = self._last  # read once: another thread may replace it (the app shares one)
        if last is not None and last[0] == query:
            return last[1]  # a build asks twice: the text's division, then its place
        texts = [place_name_key(text) for text in (query.address, query.name)]
        columns = [place_name_key(c) for c in (query.province, query.city, query.district) if c]
        placement = self._read(texts, columns, query.area_codes)
        self._last = (query, placement)
        return placement

    def resolve_text(self, text: str) -> Placement | None:
        """What a person typed ("长沙", "湖南省岳麓区", "北京朝阳", an address), or None.

        >>> OfflineGeocoder().resolve_text("长沙").resolved
        '湖南省 长沙市'
        >>> OfflineGeocoder().resolve_text("火星基地") is None
        True
        """
        return self._read([place_name_key(text)], [])

    def _read(
        self, texts: list[str], columns: list[str], area_codes: tuple[str, ...] = ()
    ) -> Placement | None:
        """Evidence from free texts, region columns and phones' area codes, every reading held
        to the provinces named: the province column if it names one, else the texts' provinces."""
        scans = {t: self._scan(t) for t in (*texts, *columns)}  # the names found, read once
        moves: Moves = {}  # a county a moved township re-reads (余杭区塘栖镇 → 临平区)
        in_columns = [e for c in columns for e in self._evidence(c, scans[c], moves, whole=True)]
        provinces, in_texts = self._provinces(in_columns), None
        if not provinces:
            per_text = [self._evidence(t, scans[t], moves) for t in texts]
            in_texts = [e for found in per_text for e in found]
            provinces = self._named_provinces(per_text)
        province_of = self.divisions.province_of
        outside = provinces and any(
            province_of(entry.adcode) not in provinces
            for found in scans.values()
            for _, _, entries in found
            for entry in entries
        )
        if outside or in_texts is None:  # read again, every name held to the provinces
            moves.clear()
            in_texts = [
                e for t in texts for e in self._evidence(t, scans[t], moves, provinces=provinces)
            ]
            in_columns = [
                e
                for c in columns
                for e in self._evidence(c, scans[c], moves, whole=True, provinces=provinces)
            ]
        # The county a township moved out of means the same elsewhere in the record: the unit
        # "余杭区第一人民医院" at "余杭区临平镇…" is in 临平区 too.
        evidence = [(moves.get(codes, codes), weight) for codes, weight in in_texts + in_columns]
        levels = {self.divisions[c].level for codes, _ in evidence for c in codes}
        if provinces and COUNTY not in levels:
            evidence += self._typos(texts, provinces, evidence)
        # A landline's area code names a city, more weakly than any name the text writes; not
        # before the typos, which must fit what the text names (石基镇城区大道 + 020: no 增城区).
        if dialled := area_codes_dialled(area_codes, self._area_codes, self.divisions, provinces):
            evidence.append((dialled, _DIALLED_WEIGHT))
        placement = self._decide(evidence)
        decided = placement.adcode if placement else None
        if decided is None or self.divisions[decided].level == COUNTY:
            return placement
        # Short of a county, a village the record names can give one (东涌镇大稳村), inside
        # the finest division the record itself names (its province column, 广州市, ...).
        named = {c for codes, _ in evidence for c in codes}
        scope = next((c for c in reversed(self.divisions.chain(decided)) if c in named), "")
        read = {t: scans[t] for t in texts}
        found = scope and (
            townships.village(load_villages(), self.divisions, read, evidence, scope)
            or self._bare().county(self.divisions, read, scope)
        )
        return self._decide([*evidence, found]) if found else placement

    def _named_provinces(self, per_text: list[list[Evidence]]) -> frozenset[str]:
        """The provinces the texts name, the address (the first text) before the unit's name:
        a province in the name (西藏自治区人民政府驻成都办事处医院) holds the reading only if the
        address names none and its other mentions do not all lie elsewhere (成都市洗面桥横街)."""
        level = self.divisions.__getitem__

        def named(found: list[Evidence]) -> frozenset[str]:
            return self._provinces(
                [e for e in found if {level(c).level for c in e[0]} == {PROVINCE}]
            )

        address, others = per_text[0], [e for found in per_text[1:] for e in found]
        provinces = named(address) or named(others)
        # Where the address's mentions lie; a township's name alone is too weak to say.
        pinned = self._provinces([e for e in address if not self._is_township(e)])
        if provinces and pinned and pinned.isdisjoint(provinces):
            return pinned
        return provinces

    def _is_township(self, evidence: Evidence) -> bool:
        codes, weight = evidence
        return weight == _TOWNSHIP_WEIGHT and all(self.divisions[c].level == COUNTY for c in codes)

    def _provinces(self, evidence: list[Evidence]) -> frozenset[str]:
        """The provinces a set of mentions pins down: each mention that lies in one province."""
        found: set[str] = set()
        for codes, _ in evidence:
            provinces = {self.divisions.province_of(c) for c in codes}
            if len(provinces) == 1:
                found |= provinces
        return frozenset(found)

    def preload(self) -> "OfflineGeocoder":
        """Load now the typo indexes and the village table (~0.5 s), not at the first address."""
        self._typo_index = self._typo_index or TypoIndex(self.divisions)
        self._township_typos = self._township_typos or TownshipTypoIndex(self.divisions)
        self._bare()
        load_villages()
        return self

    def _bare(self) -> townships.BareTownships:
        self._bare_townships = self._bare_townships or townships.BareTownships(
            self.divisions, load_villages()
        )
        return self._bare_townships

    def _typos(
        self, texts: list[str], provinces: frozenset[str], evidence: list[Evidence]
    ) -> list[Evidence]:
        """A county named with one wrong character, if exactly one county of the provinces (or
        of the city the text names) fits."""
        self._typo_index = self._typo_index or TypoIndex(self.divisions)
        self._township_typos = self._township_typos or TownshipTypoIndex(self.divisions)
        # A county typo fitting several (镇城区: eight X城区 of 广东) leaves room for a township.
        indexes = ((self._typo_index, _TYPO_WEIGHT), (self._township_typos, _TOWNSHIP_WEIGHT))
        return typo_evidence(indexes, self.divisions, texts, provinces, evidence)

    def _scan(self, text: str) -> list[tuple[int, int, tuple[NameEntry, ...]]]:
        """Leftmost-longest mentions of known names: (start, end, what the name may mean)."""
        names, reach, found = self.divisions.names, self._reach, []
        i, n = 0, len(text)
        while i < n - 1:
            for j in range(min(n, i + reach.get(text[i], 0)), i + 1, -1):
                written = text[i:j]
                entries = (
                    names.get(written)
                    or townships.spelled_otherwise(names, written)
                    or townships.short_street(names, written, text[j:])
                )
                if entries:
                    found.append((i, j, entries))
                    i = j
                    break
            else:
                i += 1
        return found

    def _evidence(
        self,
        text: str,
        matches: list[tuple[int, int, tuple[NameEntry, ...]]],
        moves: Moves,
        *,
        whole: bool = False,
        provinces: frozenset[str] = frozenset(),
    ) -> list[Evidence]:
        """Weighted mentions in one text; `whole` when the text is a region column's cell.

        With `provinces`, a reading outside them is no reading; a name both current and
        retired (清河区: Tieling's today, Huai'an's until 2016) means the current division
        unless the context rules that out.
        """
        province_of = self.divisions.province_of
        evidence: list[Evidence] = []
        container: tuple[frozenset[str], int] | None = None  # a named city or province, its end
        county: tuple[int, int] | None = None  # the last county mention: its evidence, its end
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
            codes, weight, current = set(), 0, set()
            for entry in entries:
                if provinces and province_of(entry.adcode) not in provinces:
                    continue
                if entry.kind == "township":
                    # Only as a word of its own: 郭镇 inside 前郭镇 is not that township.
                    if (
                        joined
                        or not text[start - 1].isalpha()
                        or text[start - 1] in townships.WORD_ENDS
                    ):
                        codes.add(entry.adcode)
                        current.add(entry.adcode)
                        weight = max(weight, _TOWNSHIP_WEIGHT)
                    continue
                family = _KIND_FAMILY[entry.kind]
                div = self.divisions[entry.adcode]
                # 城区, 郊区, 矿区: official names, but ordinary words in any address; a stem
                # alone is a word too, unless its own township follows (增城新塘: 新塘镇).
                generic = len(div.name) == 2 and div.name.endswith("区")
                alone = standalone or (
                    family == "stem" and own_township_follows(self.divisions, div.adcode, text, end)
                )
                if (family == "stem" or generic) and not alone:
                    continue
                codes.add(entry.adcode)
                weight = max(weight, _WEIGHTS[family, div.level])
                if not entry.kind.startswith("former"):
                    current.add(entry.adcode)
            if container and text[container[1] : start] in ("", *_BEFORE_STEM):
                codes = self._inside(codes, container[0])
            if codes & current:
                codes &= current
            if text.startswith("分局", end):  # a city bureau's branch is a district's
                codes = {c for c in codes if self.divisions[c].level == COUNTY} or codes
            only_townships = all(entry.kind == "township" for entry in entries)
            # Only a name one county has (塘栖镇) can move a county; 城关镇 is in 82 of them;
            # X街 after a county may be a road of that county (余杭区解放街…): it never moves it.
            single = only_townships and len(entries) == 1
            short = townships.is_short_street(text[start:end])
            if single and not short and codes and county and county[1] == start:
                codes = townships.moved(self.divisions, codes, evidence, county[0], moves)
            if codes:
                evidence.append((frozenset(codes), weight))
                levels = {self.divisions[c].level for c in codes if c in self.divisions}
                container = (frozenset(codes), end) if COUNTY not in levels else None
                county = (len(evidence) - 1, end) if levels == {COUNTY} else None
                if county:
                    townships.renamed(self.divisions, text, end, evidence, moves)
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
        adcode = weigh(self.divisions, evidence)
        return None if adcode is None else self._placement(adcode)

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
