"""geo.geocode.offline: the reading rules of issue 15 checked over the whole division table.

Each test builds its queries from data/divisions/ for every division (or a fixed sample of
them, to stay fast), so a rule that only works for the examples in the docs fails here.
"""

from collections import defaultdict

from geo.core.divisions import CITY, COUNTY, PROVINCE
from geo.geocode.base import GeocodeQuery
from geo.geocode.offline import OfflineGeocoder
from geo.geocode.townships import other_spellings

SAMPLE_EVERY = 20  # of the ~170,000 township spellings, every 20th


def _counties_by_city(geocoder: OfflineGeocoder) -> dict[str | None, list[str]]:
    divisions = geocoder.divisions
    found: dict[str | None, list[str]] = defaultdict(list)
    for div in divisions:
        if div.level == COUNTY:
            found[divisions.city_of(div.adcode)].append(div.adcode)
    return found


def test_a_township_spelling_several_counties_share_never_moves_a_named_county(
    geocoder: OfflineGeocoder,
) -> None:
    """`C` + `T` where township name `T` belongs to several counties, one of them a neighbour
    `N` of `C` in the same city, and not to `C`: the answer is never `N`."""
    divisions = geocoder.divisions
    by_city = _counties_by_city(geocoder)
    asked, moved = 0, []
    for text, entries in divisions.names.items():
        owners = {e.adcode for e in entries if e.kind == "township"}
        if len(owners) < 2 or len(owners) != len(entries):
            continue
        for neighbour in sorted(owners):
            others = [c for c in by_city[divisions.city_of(neighbour)] if c not in owners]
            if not others:
                continue
            county = divisions[others[0]]
            province = divisions[divisions.province_of(county.adcode)].name
            query = GeocodeQuery(f"{county.name}{text}人民路1号", province=province)
            placement = geocoder.place(query)
            asked += 1
            if placement is not None and placement.adcode == neighbour:
                moved.append((query.address, placement.resolved))
    assert asked > 5000  # the table has thousands of such names
    assert moved == []


def test_a_city_in_the_address_beats_another_province_in_the_unit_name(
    geocoder: OfflineGeocoder,
) -> None:
    """Every prefecture-level city with a street, the unit named after another province's
    office there: the answer lies in the city's own province."""
    divisions = geocoder.divisions
    provinces = sorted(d.name for d in divisions if d.level == PROVINCE)
    wrong = []
    for number, city in enumerate(d for d in divisions if d.level == CITY):
        province = divisions[divisions.province_of(city.adcode)].name
        other = [p for p in provinces if p != province][number % (len(provinces) - 1)]
        name = f"{other}人民政府驻{city.name[:2]}办事处医院"
        placement = geocoder.place(GeocodeQuery(f"{city.name}人民路1号", name=name))
        if placement is None or divisions.province_of(placement.adcode) != city.adcode[:2] + "0000":
            wrong.append((city.name, other, placement and placement.resolved))
    assert wrong == []


def test_a_township_unique_in_the_named_city_gives_its_county(geocoder: OfflineGeocoder) -> None:
    """`city` + `T` for every township spelling `T` (official, or with another suffix where no
    township has that spelling) that one county of the city has: that county."""
    divisions = geocoder.divisions
    owners: dict[tuple[str | None, str], set[str]] = defaultdict(set)
    for city, counties in _counties_by_city(geocoder).items():
        for county in counties:
            for township in divisions.townships(county):
                for written in (township, *other_spellings(township)):
                    if written == township or not divisions.lookup(written):
                        owners[city, written].add(county)
    unique = [(c, w, o.pop()) for (c, w), o in sorted(owners.items()) if len(o) == 1 and c]
    wrong = []
    for city, written, county in unique[::SAMPLE_EVERY]:
        if divisions[city].level == COUNTY:  # a county-level city its province governs
            continue
        placement = geocoder.resolve_text(divisions[city].name + written)
        if placement is None or placement.adcode != county:
            wrong.append((divisions[city].name + written, county, placement))
    assert len(unique) > 100_000
    assert wrong == []
