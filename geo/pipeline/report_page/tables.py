"""The tables of the build report page, and the escaping every text from the list goes through.

Cells are HTML: each is escaped here, at the one place it is written.
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any

from geo.pipeline.diff import DatasetDiff, PointState

SHOWN_CHANGES = 200  # rows per kind of change; the JSON report has them all


def esc(value: object) -> str:
    return escape(str(value), quote=True)


def css_token(value: str) -> str:
    """A status or precision as part of a CSS class name.

    >>> css_token("flagged"), css_token('x" onload="y')
    ('flagged', 'x__onload__y')
    """
    return re.sub(r"[^A-Za-z0-9_-]", "_", value) or "_"


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], css: str) -> str:
    """`rows` hold HTML already escaped by the caller."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def map_link(fragment: str | None, anchors: set[str]) -> str:
    if fragment and fragment in anchors:
        return f'<a class="to-map" href="#{esc(fragment)}">on the map</a>'
    return '<span class="not-on-map">not on the map</span>'


def row_cells(row: Mapping[str, Any], anchors: set[str]) -> list[str]:
    where = f"{row['sheet']}!" if row.get("sheet") else ""
    return [
        esc(f"{where}{row.get('source_row', '?')}"),
        esc(row.get("status", "")),
        esc(row.get("reason", "")),
        esc(row.get("name", "")),
        esc(row.get("detail", "")),
        map_link(row.get("point_id"), anchors),
    ]


ROW_HEADERS = ("row", "status", "reason", "unit", "detail", "map")


def diff_tables(diff: DatasetDiff, anchors: set[str]) -> str:
    def name(point: PointState) -> str:
        return esc(point.record.name)

    sections = [
        (
            "added",
            ("unit", "address", "map"),
            [[name(p), esc(p.record.address), map_link(p.record.id, anchors)] for p in diff.added],
        ),
        (
            "removed",
            ("unit", "address", "map"),
            [
                [name(p), esc(p.record.address), map_link("was-" + p.record.id, anchors)]
                for p in diff.removed
            ],
        ),
        (
            "moved",
            ("unit", "km", "changed fields", "map"),
            [
                [
                    name(c.new),
                    f"{c.moved_m / 1000:.1f}",
                    esc(", ".join(c.fields)),
                    map_link(c.new.record.id, anchors),
                ]
                for c in diff.moved
            ],
        ),
        (
            "phones changed",
            ("unit", "before", "after", "map"),
            [
                [
                    name(c.new),
                    esc(c.old.record.phone_text),
                    esc(c.new.record.phone_text),
                    map_link(c.new.record.id, anchors),
                ]
                for c in diff.phones_changed
            ],
        ),
    ]
    parts = []
    for title, headers, rows in sections:
        if rows:
            css = "diff-" + css_token(title.replace(" ", "-"))
            parts.append(f"<h3>{esc(title)} ({len(rows)})</h3>")
            parts.append(table(headers, rows[:SHOWN_CHANGES], css))
            if len(rows) > SHOWN_CHANGES:
                more = len(rows) - SHOWN_CHANGES
                parts.append(f"<p>… and {more} more (the JSON report lists them all).</p>")
    return "".join(parts) or "<p>No point was added, removed, moved or changed its phone.</p>"


def counts_table(report: Mapping[str, Any]) -> str:
    """Every status and reason count in the report, whatever their names."""
    rows = [
        [esc("status"), esc(key), f'<span class="num">{esc(value)}</span>']
        for key, value in (report.get("counts") or {}).items()
    ]
    rows += [
        [esc("reason"), esc(key), f'<span class="num">{esc(value)}</span>']
        for key, value in sorted((report.get("by_reason") or {}).items())
    ]
    return table(("kind", "name", "rows"), rows, "counts")
