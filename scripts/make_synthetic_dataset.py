"""Publish a synthetic, SAMPLE-marked dataset of N made-up points, to load-test a deployment.

    python scripts/make_synthetic_dataset.py --points 1000000 --data-dir /tmp/xunqin-load

The points follow the benchmarks' distribution (`china_like_points`): uniform over mainland
China's bounding box, with a fifth packed into 45-53°N, where ranking by raw degrees goes most
wrong. Every point is marked as sample data in its name and address and has no contact and no
phone number, so nothing it says could be taken for a real police unit. The dataset is
published with its sidecar (geo/packed.py; `--without-sidecar` leaves it out) and CURRENT is
pointed at it; a data dir whose CURRENT names real (non-sample) data is refused, so a
production list is never displaced.
"""

import argparse
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from geo.core.errors import DatasetError, PublishError  # noqa: E402
from geo.dataset import (  # noqa: E402
    Manifest,
    load_version,
    make_feature,
    publish_serialised,
    read_current_version,
    serialise_feature_chunks,
)

FloatArray = npt.NDArray[np.float64]

SEED = 20220701  # the benchmarks' seed (bench/query_latency.py)
BUILDER = "scripts/make_synthetic_dataset.py"


def china_like_points(count: int, seed: int) -> tuple[FloatArray, FloatArray]:
    """Uniform over lon 73-135, lat 18-54, with a fifth of the points packed into 45-53°N.

    The northern band is where ranking by raw degrees goes most wrong (a degree of longitude
    is ~64% of a degree of latitude), so it must be well represented.

    >>> lons, lats = china_like_points(10, 1)
    >>> lons.shape, bool((lats[-2:] >= 45).all())
    ((10,), True)
    """
    rng = np.random.default_rng(seed)
    band = count // 5
    lons = np.concatenate([rng.uniform(73, 135, count - band), rng.uniform(115, 135, band)])
    lats = np.concatenate([rng.uniform(18, 54, count - band), rng.uniform(45, 53, band)])
    return lons, lats


def synthetic_features(
    count: int, seed: int = SEED, *, chunk: int = 100_000
) -> Iterator[list[dict[str, Any]]]:
    """`count` GeoJSON features of made-up points, `chunk` at a time: placeholder names, no
    contacts or phones."""
    lons, lats = china_like_points(count, seed)
    for start in range(0, count, chunk):
        end = min(start + chunk, count)
        coordinates = zip(lons[start:end].tolist(), lats[start:end].tolist(), strict=True)
        yield [
            make_feature(
                lon,
                lat,
                {
                    "id": f"synthetic-{row:07d}",
                    "name": f"合成测试点 {row}（样例数据）",
                    "address": "合成测试地址（样例数据，并非真实地址）",
                    "province": "吉林省",
                    "city": "长春市",
                    "district": None,
                    "adcode": "220100",
                    "contact": None,
                    "phones": [],
                    "phone_text": "",
                    "precision": "city",
                    "source_row": row,
                },
            )
            for row, (lon, lat) in enumerate(coordinates, start=start + 1)
        ]


def _current_is_real(data_dir: Path) -> str | None:
    """The version CURRENT names if it is not sample data (or cannot be read), else None."""
    try:
        current = read_current_version(data_dir)
    except DatasetError:
        return None  # nothing published yet
    try:
        sample = load_version(data_dir, current).manifest.sample
    except DatasetError:
        return current  # unreadable: not ours to displace either
    return None if sample else current


def publish_synthetic(
    data_dir: Path, count: int, *, seed: int = SEED, version: str, packed: bool = True
) -> Manifest:
    """Publish `count` synthetic points as `version` and point CURRENT at it."""
    return publish_serialised(
        data_dir,
        serialise_feature_chunks(synthetic_features(count, seed)),
        version=version,
        source=f"样例数据 sample: {count:,} synthetic points, china_like_points seed {seed}",
        sample=True,
        builder=BUILDER,
        notes=(
            "SAMPLE DATA — synthetic points for load tests, not the official list of "
            "blood-collection points. 合成样例数据，并非公安部公布的免费采血点名单；"
            "不含联系人和电话。"
        ),
        packed=packed,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, required=True, help="how many points (N >= 1)")
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--version", help="version name (default: synthetic-<N>-<seed>)")
    parser.add_argument(
        "--without-sidecar",
        action="store_true",
        help="publish points.geojson only, as versions before the sidecar (to compare loads)",
    )
    args = parser.parse_args(argv)
    if args.points < 1:
        parser.error(f"--points must be at least 1, got {args.points}")
    real = _current_is_real(args.data_dir)
    if real is not None:
        print(
            f"refusing: CURRENT in {args.data_dir} names {real!r}, which is not sample data",
            file=sys.stderr,
        )
        return 1
    started = time.perf_counter()
    version = args.version or f"synthetic-{args.points}-{args.seed}"
    try:
        manifest = publish_synthetic(
            args.data_dir,
            args.points,
            seed=args.seed,
            version=version,
            packed=not args.without_sidecar,
        )
    except (DatasetError, PublishError) as exc:
        print(f"refusing: {exc}", file=sys.stderr)
        return 1
    print(
        f"published {manifest.version}: {manifest.points:,} synthetic SAMPLE points in "
        f"{args.data_dir} ({time.perf_counter() - started:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
