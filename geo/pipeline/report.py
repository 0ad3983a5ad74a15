"""The account of a build: the JSON report kept beside each version, and the summary ops read."""

import csv
import io
from collections.abc import Iterator, Mapping
from typing import Any

from geo.dataset import PointRecord
from geo.pipeline.diff import DatasetDiff
from geo.pipeline.overrides import COLUMNS as OVERRIDE_COLUMNS
from geo.pipeline.place import BuildResult

SHOWN = 20  # points listed per kind of change; the JSON report has them all


def report_json(result: BuildResult, extra: Mapping[str, Any]) -> dict[str, Any]:
    """The machine-readable account of a build, written beside the human summary."""
    return {
        **extra,
        "rows_read": result.rows_read,
        "counts": result.counts(),
        "by_precision": result.by_precision(),
        "by_reason": result.by_reason(),
        "geocoder": result.geocoder,
        "cache": result.cache,
        "override_problems": result.override_problems,
        "warnings": result.warnings,
        "diff": result.diff.to_json() if result.diff is not None else None,
        "needs_location": [
            {
                "id": point.id,
                "name": point.name,
                "address": point.address,
                "province": point.province,
                "source_rows": list(point.source_rows or (point.source_row,)),
                "overrides_line": override_line(point),
            }
            for point in result.needs_location()
        ],
        "rows": [o.to_json() for o in result.outcomes if o.status != "published"],
    }


def override_line(point: PointRecord) -> str:
    """The data/overrides.csv line that gives this point its coordinates, lon and lat empty.

    >>> p = PointRecord("pt-1", "甲县公安局", "甲县, 北街1号", "湖南省", None, None, None, None,
    ...                 (), "", "province", 7)
    >>> override_line(p)
    'pt-1,"甲县, 北街1号",,,,'
    """
    values = {"id": point.id, "address": point.address}
    text = io.StringIO()
    csv.writer(text, lineterminator="").writerow(values.get(c, "") for c in OVERRIDE_COLUMNS)
    return text.getvalue()


def needs_location_lines(result: BuildResult) -> Iterator[str]:
    """Points known only to their province, each with the overrides line ops can complete."""
    points = result.needs_location()
    if not points:
        return
    yield f"\nneeds a location: {len(points)} points are known only to their province;"
    yield "  they are listed by region but never ranked by distance until they have coordinates."
    yield "  Complete these lines (lon, lat; crs wgs84, gcj02 or bd09; note: who checked it, how)"
    yield "  and add them to data/overrides.csv, then build again:"
    for point in points:
        where = f"{point.sheet}!" if point.sheet else ""
        rows = ", ".join(f"{where}{row}" for row in point.source_rows or (point.source_row,))
        yield f"  # row {rows}: {point.name} ({point.province}) {point.address}"
        yield f"  {override_line(point)}"


def summary_lines(result: BuildResult) -> Iterator[str]:
    """What became of the rows, line by line: first the points that need a location, then the
    counts, then every row a person should look at."""
    counts = result.counts()
    yield from needs_location_lines(result)
    yield f"\n{result.rows_read} rows read from the list"
    yield (
        f"  published          {counts['published'] + counts['flagged']:>6}"
        f"  (of which flagged {counts['flagged']})"
    )
    for precision, count in sorted(result.by_precision().items()):
        yield f"      {precision:<14} {count:>6}"
    yield f"  merged             {counts['merged']:>6}  (rows of a unit already listed)"
    for status in ("held", "rejected", "blank", "skipped"):
        yield f"  {status:<18} {counts[status]:>6}"
    for reason, count in sorted(result.by_reason().items()):
        yield f"      {reason:<30} {count:>6}"
    for outcome in result.outcomes:
        if outcome.status in ("flagged", "held", "rejected", "merged"):
            where = f"{outcome.sheet}!" if outcome.sheet else ""
            yield f"  row {where}{outcome.source_row}: {outcome.status}: {outcome.detail}"
    for problem in result.override_problems:
        yield f"  overrides line {problem['row']}: not applied: {problem['message']}"
    if result.cache:
        yield f"  geocode cache: {result.cache}"


def diff_lines(diff: DatasetDiff, against: str | None, version: str) -> Iterator[str]:
    """What changes from version `against` (None: nothing is served) to `version`."""
    yield f"\nchanges from {against or 'nothing (first version)'} to {version}:"
    yield "  " + ", ".join(f"{name} {count}" for name, count in diff.counts().items())
    for point in diff.added[:SHOWN]:
        yield f"  + {point.record.name}  {point.record.address}"
    for point in diff.removed[:SHOWN]:
        yield f"  - {point.record.name}  {point.record.address}"
    for change in diff.moved[:SHOWN]:
        yield f"  ~ {change.new.record.name} moved {change.moved_m / 1000:.1f} km"
    for change in diff.phones_changed[:SHOWN]:
        old, new = change.old.record.phone_text, change.new.record.phone_text
        yield f"  ☎ {change.new.record.name}: {old!r} → {new!r}"
    for point in diff.merged[:SHOWN]:
        rows = ", ".join(str(row) for row in point.record.source_rows)
        yield f"  ⊕ {point.record.name}: one point from rows {rows}"
