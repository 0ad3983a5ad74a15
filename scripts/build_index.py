"""Build and publish a new dataset from the official list: the one command ops run.

    python scripts/build_index.py data/source/<list>.xlsx [--geocoder offline|amap|...]
                                  [--data-dir DIR] [--dry-run] [--force]
    python scripts/build_index.py --rollback VERSION [--data-dir DIR]
    python scripts/build_index.py --list [--data-dir DIR]

It reads the list, places every record (overrides first, then the geocoder through a SQLite
cache), checks each point against the division its name and address name, prints what changed
against the dataset being served, and publishes a new version atomically. Running servers pick it
up by themselves (they watch published/CURRENT). Exit status: see EXIT_STATUS below (also in
--help); a crash is never "refused".
"""

import argparse
import os
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

import orjson
from tqdm import tqdm

from geo.core.boundaries import DivisionBoundaries
from geo.core.errors import DatasetError, GeocoderStopped, GeoError, PublishError, SourceError
from geo.dataset import check_version_name, publish_dataset
from geo.geocode.base import Placer
from geo.geocode.offline import OfflineGeocoder
from geo.geocode.registry import PROVIDERS, make_placer
from geo.pipeline.cache import CachedPlacer, GeocodeCache
from geo.pipeline.diff import dataset_points, diff_points, feature_points
from geo.pipeline.ingest import IngestResult, SourceRecord, read_source
from geo.pipeline.ocr.listcsv import ocr_list_status
from geo.pipeline.overrides import Overrides, load_overrides
from geo.pipeline.place import BuildResult, Pipeline, place_records
from geo.pipeline.policy import DEFAULT_MAX_LOSS, judge
from geo.pipeline.report import diff_lines, report_json, summary_lines
from geo.pipeline.report_page import write_report_page
from geo.pipeline.versions import (
    baseline,
    build_lock,
    new_version_name,
    prune_versions,
    remove_leftovers,
    rollback,
    version_listing,
)

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "data"
GEOCODERS = ("offline", *PROVIDERS)
EXIT_REFUSED, EXIT_INPUT, EXIT_GEOCODER, EXIT_PUBLISH = 1, 2, 3, 4
EXIT_SOFTWARE = 70  # as sysexits.h EX_SOFTWARE: a bug or exhaustion (MemoryError), not a verdict
EXIT_STATUS = """exit status:
  0   done, or nothing to do
  1   refused (see the message; --force overrides a loss), or another build holds the lock
  2   unusable input: the list, the overrides, --version or other options
  3   the geocoder stopped (rerun later: answers so far are cached)
  4   publishing failed (the served version is untouched)
  70  unexpected failure (a bug, out of memory): one line on stderr, nothing half-published;
      --debug or XUNQIN_DEBUG=1 shows the traceback"""


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except Exception as exc:  # MemoryError too: whatever it is, it must not read as "refused"
        if args.debug or os.environ.get("XUNQIN_DEBUG"):
            raise
        reason = " ".join(str(exc).split())[:300] or "no message"
        print(
            f"error: unexpected failure ({type(exc).__name__}: {reason}); publishing is atomic, "
            "so published/CURRENT names a whole version; rerun with --debug for the traceback",
            file=sys.stderr,
        )
        return EXIT_SOFTWARE


def _run(args: argparse.Namespace) -> int:
    data_dir: Path = args.data_dir
    out: TextIO = sys.stdout
    try:
        with build_lock(data_dir):
            remove_leftovers(data_dir)  # of builds killed earlier; nobody else is building
            if args.list:
                _print(version_listing(data_dir), out)
                return 0
            if args.rollback:
                return _rollback(data_dir, args.rollback, out)
            if args.source is None:
                print("error: give the source list to build from (or --rollback / --list)")
                return EXIT_INPUT
            return _build(args, out)
    except BlockingIOError:
        print(f"error: another build is running on {data_dir} (lock held); try again later")
        return EXIT_REFUSED


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=EXIT_STATUS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("source", nargs="?", type=Path, help="the list: .xlsx or .csv")
    parser.add_argument(
        "--geocoder",
        choices=GEOCODERS,
        default="offline",
        help="who places addresses (default: offline, no key, county seats)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help="holds published/, cache/, reports/ (default: the repo's data/)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="build, report and diff, but publish nothing"
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="publish even if more than --max-loss of the points would go",
    )
    parser.add_argument(
        "--max-loss",
        type=float,
        default=DEFAULT_MAX_LOSS,
        help="refuse a version losing more than this share of points (0.10)",
    )
    parser.add_argument(
        "--flagged",
        choices=("warn", "hold"),
        default="warn",
        help="points outside the division they name: publish with a warning "
        "(warn, default) or hold them back (hold)",
    )
    parser.add_argument(
        "--tolerance-m",
        type=float,
        default=2_000.0,
        help="how far outside its named county a point may lie unflagged",
    )
    parser.add_argument("--keep", type=int, default=5, help="published versions to keep (5)")
    parser.add_argument("--cache", type=Path, help="geocode cache (DIR/cache/geocode.sqlite)")
    parser.add_argument("--overrides", type=Path, help="manual fixes (DIR/overrides.csv)")
    parser.add_argument("--report", type=Path, help="also write the JSON report here")
    parser.add_argument("--version", help="version name (default: UTC time + source hash)")
    parser.add_argument(
        "--provider-url",
        metavar="URL",
        help="send provider requests to this base URL instead of the provider's "
        "own (a proxy, or a stand-in server in tests), e.g. http://127.0.0.1:8080",
    )
    parser.add_argument(
        "--min-delay",
        type=float,
        metavar="S",
        help="seconds between provider requests (default: the provider's rate)",
    )
    parser.add_argument(
        "--sample",
        action="store_true",
        help="mark the dataset as SAMPLE data (demonstration lists only)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--rollback", metavar="VERSION", help="serve an earlier version again")
    parser.add_argument("--list", action="store_true", help="list published versions")
    parser.add_argument(
        "--debug", action="store_true", help="on an unexpected failure, show the traceback"
    )
    return parser


def _build(args: argparse.Namespace, out: TextIO) -> int:
    """Read, place, diff, judge, report; publish when the policy allows."""
    started = time.perf_counter()
    try:
        if args.version is not None:  # before anything (a report) is written under the name
            check_version_name(args.version)
    except DatasetError as exc:
        print(f"error: {exc}; nothing was written", file=out)
        return EXIT_INPUT
    try:
        ingest = read_source(args.source)
    except (SourceError, OSError) as exc:
        print(f"error: cannot read {args.source}: {exc}", file=out)
        return EXIT_INPUT
    source_digest = ingest.sha256
    ocr = ocr_list_status(args.source)  # read from images: refused until its flags are reviewed
    if ocr is not None and ocr.unreviewed_rows and not args.force:
        print(ocr.refusal(args.source), file=out)
        return EXIT_REFUSED
    try:
        provider = _provider(args)
    except GeoError as exc:
        print(f"error: {exc}", file=out)
        return EXIT_INPUT
    try:
        pipeline = _pipeline(args, provider)
    except SourceError as exc:
        print(f"error: cannot read the overrides: {exc}", file=out)
        return EXIT_INPUT
    result = _place(ingest, pipeline, args, out)
    if result is None:
        return EXIT_GEOCODER

    base = baseline(args.data_dir)
    current = base.dataset
    if base.warning is not None:
        print(base.warning, file=out)
    result.diff = diff_points(dataset_points(current), feature_points(result.features))
    version = args.version or new_version_name(source_digest)
    verdict = judge(
        current,
        result.features,
        result.diff,
        max_loss=args.max_loss,
        force=args.force,
        dry_run=args.dry_run,
        current_problem=base.problem,
    )
    extra = {
        "version": version,
        "source": str(args.source),
        "source_sha256": source_digest,
        "source_kind": "ocr" if ocr else "list",
        "ocr_review": ocr.describe() if ocr else None,
        "dry_run": args.dry_run,
        "current_version": current.manifest.version if current else None,
        "decision": verdict.decision,
        "decision_message": verdict.message,
        "seconds": round(time.perf_counter() - started, 2),
    }
    report = report_json(result, extra)
    report_path = _write_report(args.data_dir, version, report, args.report)
    write_report_page(report_path.with_suffix(".html"), result, report, sample=args.sample)
    _print(summary_lines(result), out)
    _print(diff_lines(result.diff, current.manifest.version if current else None, version), out)
    print(f"report: {report_path} (and .html beside it, with a map)", file=out)
    print(verdict.message, file=out)
    if verdict.decision == "refuse":
        return EXIT_REFUSED
    if verdict.decision == "unchanged" or args.dry_run:
        return 0
    return _publish(args, result, version, source_digest, out)


def _provider(args: argparse.Namespace) -> Placer | None:
    """The online geocoder the options name; None for offline."""
    if args.geocoder == "offline":
        return None
    url = urlsplit(args.provider_url) if args.provider_url else None
    return make_placer(
        args.geocoder,
        scheme=url.scheme if url else None,
        domain=url.netloc if url else None,
        min_delay_seconds=args.min_delay,
    )


def _pipeline(args: argparse.Namespace, provider: Placer | None) -> Pipeline:
    """The pieces the options choose: geocoder (behind the cache), overrides, flag policy."""
    # --overrides must exist (a typo must not drop every fix); the default one may be absent.
    overrides_path = args.overrides or args.data_dir / "overrides.csv"
    wanted = args.overrides is not None or os.path.lexists(overrides_path)
    loaded = load_overrides(overrides_path) if wanted else None
    offline = OfflineGeocoder()
    placer: Placer = offline
    if provider is not None:
        cache_path: Path = args.cache or args.data_dir / "cache" / "geocode.sqlite"
        cache_path.parent.mkdir(parents=True, exist_ok=True)
        placer = CachedPlacer(provider, GeocodeCache(cache_path))
    return Pipeline(
        placer=placer,
        offline=offline,
        divisions=offline.divisions,
        boundaries=DivisionBoundaries.load(),
        overrides=loaded.overrides if loaded else Overrides(),
        override_problems=tuple(loaded.problems) if loaded else (),
        flag_policy=args.flagged,
        tolerance_m=args.tolerance_m,
    )


def _place(
    ingest: IngestResult, pipeline: Pipeline, args: argparse.Namespace, out: TextIO
) -> BuildResult | None:
    """Place every record with a progress bar; None (said why) if the geocoder stopped."""

    def progress(records: Iterable[SourceRecord]) -> Iterable[SourceRecord]:
        return tqdm(
            records,
            desc=f"placing ({args.geocoder})",
            unit="row",
            file=sys.stderr,
            disable=args.no_progress or None,
            leave=False,
        )

    cached = pipeline.placer if isinstance(pipeline.placer, CachedPlacer) else None
    try:
        result = place_records(ingest, pipeline, progress=progress)
    except GeocoderStopped as exc:
        print(f"error: {exc}", file=out)
        print(
            f"nothing was published; {exc.placed} answers are in the cache, so rerunning the same "
            "command later continues from there.",
            file=out,
        )
        return None
    finally:
        if cached is not None:
            stats = {"hits": cached.hits, "misses": cached.misses, "stored": cached.cache.count()}
            cached.cache.close()
    if cached is not None:
        result.cache = stats
    return result


def _publish(
    args: argparse.Namespace, result: BuildResult, version: str, source_digest: str, out: TextIO
) -> int:
    notes = f"{len(result.features)} points from {result.rows_read} rows; " + ", ".join(
        f"{k} {v}" for k, v in result.by_precision().items()
    )
    if (ocr := ocr_list_status(args.source)) is not None:
        notes += f"; {ocr.describe()}"
    try:
        publish_dataset(
            args.data_dir,
            result.features,
            version=version,
            source=f"{args.source.name} (sha256 {source_digest[:16]})",
            sample=args.sample,
            builder=f"scripts/build_index.py --geocoder {args.geocoder}",
            notes=notes,
            packed=True,  # the sidecar workers map instead of parsing the GeoJSON
        )
    except (PublishError, DatasetError, OSError) as exc:
        print(f"error: publishing failed, the served version is untouched: {exc}", file=out)
        return EXIT_PUBLISH
    pruned = prune_versions(args.data_dir, keep=args.keep)
    print(f"published {version}; published/CURRENT now names it.", file=out)
    if pruned:
        print(f"removed old versions: {', '.join(pruned)}", file=out)
    return 0


def _print(lines: Iterable[str], out: TextIO) -> None:
    for line in lines:
        print(line, file=out)


def _write_report(data_dir: Path, version: str, report: dict[str, Any], extra: Path | None) -> Path:
    """Written aside then renamed, so a report is never half there."""
    body = orjson.dumps(report, option=orjson.OPT_INDENT_2) + b"\n"
    path = data_dir / "reports" / f"{version}.json"
    for target in filter(None, (path, extra)):
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.tmp")
        temporary.write_bytes(body)
        os.replace(temporary, target)
    return path


def _rollback(data_dir: Path, version: str, out: TextIO) -> int:
    try:
        _print(rollback(data_dir, version), out)
    except DatasetError as exc:
        print(f"error: cannot roll back to {version}: {exc}", file=out)
        return EXIT_INPUT
    return 0


if __name__ == "__main__":
    sys.exit(main())
