"""The account of a build: the JSON report kept beside each version, and the summary ops read."""

from collections.abc import Iterator, Mapping
from typing import Any

from geo.pipeline.diff import DatasetDiff
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
        "rows": [o.to_json() for o in result.outcomes if o.status != "published"],
    }


def summary_lines(result: BuildResult) -> Iterator[str]:
    """What became of the rows, line by line: counts, then every row a person should look at."""
    counts = result.counts()
    yield f"\n{result.rows_read} rows read from the list"
    yield (
        f"  published          {counts['published'] + counts['flagged']:>6}"
        f"  (of which flagged {counts['flagged']})"
    )
    for precision, count in sorted(result.by_precision().items()):
        yield f"      {precision:<14} {count:>6}"
    for status in ("held", "rejected", "duplicate", "blank", "skipped"):
        yield f"  {status:<18} {counts[status]:>6}"
    for reason, count in sorted(result.by_reason().items()):
        yield f"      {reason:<30} {count:>6}"
    for outcome in result.outcomes:
        if outcome.status in ("flagged", "held", "rejected", "duplicate"):
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
