"""Derive data/divisions/area_codes.csv: which city each landline area code (区号) belongs to.

A unit's office phone is on the published list ("0731-8888888"), and its area code names the
city even where the address names only a road. Sources (build time only, read as files):

- phone 0.4.5 (MIT), `phone/phone.dat` (its version 2312): the mobile-number registry
  records each prefix's province, city and that city's area code. It gives today's shared codes
  (0731: 长沙, 株洲 and 湘潭 since their numbers merged) and is read first.
- jionlp 1.5.31 (Apache-2.0), `jionlp/dictionary/landline_phone_area_code.txt`: one
  city per code. It adds the codes the registry no longer uses (0852 遵义 before 2014); where the
  two disagree the registry is kept and the disagreement printed (jionlp writes 吉林/吉林 for
  every 043x code and 辽宁/鞍山 for 0555, 马鞍山's).

A city name is read with the offline geocoder inside its province. A name that reads as a
county (商州, 潢川) counts for its city, unless that city has another code of its own: 0728's
江汉 is the 江汉 oilfield, not Wuhan's 江汉区, and 0565 (巢湖, a prefecture split in 2011) would
otherwise send 无为's and 和县's old numbers to 合肥. Each row says which source named it.
"""

import argparse
import csv
import re
import struct
from collections import defaultdict
from collections.abc import Iterator
from importlib.metadata import distribution
from pathlib import Path

from geo.core.divisions import COUNTY, load_divisions
from geo.geocode.offline import OfflineGeocoder

OUTPUT = Path(__file__).resolve().parent.parent / "data" / "divisions" / "area_codes.csv"
COLUMNS = ("area_code", "adcode", "name", "sources")
AREA_CODE = re.compile(r"0\d{2,3}")
REGISTRY, LIST = "phone", "jionlp"


def registry_codes() -> Iterator[tuple[str, str, str]]:
    """(area code, province, city) from phone.dat's record table: 'province|city|zip|code'."""
    data = Path(str(distribution(REGISTRY).locate_file("phone/phone.dat"))).read_bytes()
    _, first_index = struct.unpack("<4si", data[:8])
    for record in data[8:first_index].split(b"\x00"):
        if record:
            province, city, _, code = record.decode().split("|")
            yield code, province, city


def list_codes() -> Iterator[tuple[str, str, str]]:
    """(area code, province, city) from jionlp's 'code province/city' lines."""
    path = distribution(LIST).locate_file("jionlp/dictionary/landline_phone_area_code.txt")
    for line in Path(str(path)).read_text(encoding="utf-8").splitlines():
        if line.strip():
            code, place = line.split()
            province, city = place.split("/")
            yield code, province, city


def derive(
    registry: list[tuple[str, str, str]], listed: list[tuple[str, str, str]]
) -> tuple[list[tuple[str, str, str, str]], list[str]]:
    """The table's rows and what was left out or disagreed, as printable lines."""
    divisions = load_divisions()
    geocoder = OfflineGeocoder(divisions)
    notes: list[str] = []

    def read(province: str, city: str) -> tuple[str, bool] | None:
        """The city (or province-governed county) a name means, and whether it read as a county.
        Both sources write a city short (长沙, 莱芜, 思茅): read as "X市" first, so that a former
        city (莱芜市 → 济南市) is not taken for the county that now has its name (莱芜区)."""
        readings = []
        for written in (city + "市", city):
            placement = geocoder.resolve_text(province + written)
            unit = placement and placement.adcode and divisions.city_of(placement.adcode)
            if placement and placement.adcode and unit:
                readings.append((unit, divisions[placement.adcode].level == COUNTY, placement))
        for unit, county, placement in readings:
            if not county or unit == placement.adcode:
                return unit, False
        return (readings[0][0], True) if readings else None

    named: dict[str, dict[str, dict[str, set[str]]]] = {}  # source → code → city → names
    as_city: dict[str, set[str]] = defaultdict(set)  # code → the cities named as cities under it
    for source, source_rows in ((REGISTRY, registry), (LIST, listed)):
        by_code: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for code, province, city in source_rows:
            if not AREA_CODE.fullmatch(code):
                notes.append(f"{source}: {code} {province}/{city}: not an area code, left out")
                continue
            found = read(province, city)
            if found is None:
                notes.append(f"{source}: {code} {province}/{city}: no city of that name, left out")
                continue
            unit, via_county = found
            by_code[code][unit].add(city)
            if not via_county:
                as_city[code].add(unit)
        named[source] = by_code

    own: dict[str, set[str]] = defaultdict(set)  # a city's own codes, by either source
    for code, units in as_city.items():
        for unit in units:
            own[unit].add(code)
    rows: list[tuple[str, str, str, str]] = []
    for code in sorted(set(named[REGISTRY]) | set(named[LIST])):
        registry_cities, list_cities = named[REGISTRY].get(code, {}), named[LIST].get(code, {})
        if registry_cities and (extra_cities := list_cities.keys() - registry_cities.keys()):
            extra = ", ".join(divisions[c].name for c in sorted(extra_cities))
            notes.append(f"{code}: {LIST} also names {extra}; {REGISTRY}'s reading kept")
            list_cities = {c: n for c, n in list_cities.items() if c in registry_cities}
        cities = registry_cities or list_cities
        for unit in sorted(cities):
            if unit not in as_city[code] and own[unit] - {code}:
                names = "、".join(sorted(cities[unit]))
                notes.append(
                    f"{code}: {names} reads as a county of {divisions[unit].name}, which dials"
                    f" {'/'.join(sorted(own[unit]))}: left out"
                )
                continue
            said = [
                f"{source} {'、'.join(sorted(found[unit]))}"
                for source, found in ((REGISTRY, registry_cities), (LIST, list_cities))
                if unit in found
            ]
            rows.append((code, unit, divisions[unit].name, "; ".join(said)))
    return rows, notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    rows, notes = derive(list(registry_codes()), list(list_codes()))
    aside = args.output.with_suffix(".tmp")
    with aside.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    aside.replace(args.output)
    codes = {row[0] for row in rows}
    shared = sum(1 for code in codes if sum(row[0] == code for row in rows) > 1)
    print(f"wrote {args.output}: {len(codes)} area codes, {len(rows)} rows ({shared} shared)")
    for note in notes:
        print(f"  {note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
