"""The build report as one static HTML page: summary, a map of China with every point and the
diff drawn, and the rows needing attention linked to their points.

The page needs nothing but itself (opened from file://): the map is inline SVG, the styles are
inline, there is no script at all, and a Content-Security-Policy forbids loading anything, so a
unit name carrying markup can neither run nor fetch. Every text from the source list or the
report is escaped. A row's "on the map" link is a fragment (#pt-…); CSS `:target` enlarges
and rings the point it names.

Statuses and reasons are rendered generically: a status this module has never heard of still
gets its count, its rows in the table, and a ring on its points.
"""

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from geo.core.geodesy import FloatArray
from geo.geocode.base import PRECISIONS
from geo.pipeline.diff import DatasetDiff, PointState
from geo.pipeline.report_page.china_map import ChinaMap, project
from geo.pipeline.report_page.tables import (
    ROW_HEADERS,
    counts_table,
    css_token,
    diff_tables,
    esc,
    row_cells,
    table,
)

# What each precision means to a person reading the map; and its colour (colour-blind safe
# order from fine = green/blue to coarse = orange/red).
PRECISION_LABELS = {
    "exact": ("exact (door number or checked by hand)", "#1b7837"),
    "poi": ("the named place", "#5aae61"),
    "street": ("street", "#2c7fb8"),
    "township": ("township seat", "#41b6c4"),
    "county": ("county seat", "#253494"),
    "city": ("prefecture seat", "#fd8d3c"),
    "province": ("province only: needs a location (drawn at the seat)", "#d7301f"),
}
UNKNOWN_PRECISION_COLOUR = "#777777"
# Rows a person need not act on: they are counted and listed folded, not in the main table.
QUIET_STATUSES = frozenset({"published", "merged", "blank", "skipped"})
STATUS_COLOURS = {"flagged": "#c51b7d"}  # any other status: black
PAD_UNITS = 80.0  # map units (km) of sea around the outlines and points

_STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1180px;padding:0 16px 40px;
color:#1d1d1d}
h1{font-size:22px;margin:18px 0 6px}h2{font-size:18px;margin:26px 0 8px}
.sample{background:#b00020;color:#fff;padding:6px 10px;font-weight:600}
dl.facts{display:grid;grid-template-columns:max-content auto;gap:2px 14px;margin:8px 0}
dl.facts dt{color:#555}dl.facts dd{margin:0}
pre.summary{background:#f4f4f4;padding:10px;overflow:auto;font-size:13px}
table{border-collapse:collapse;width:100%;font-size:14px;margin:6px 0}
th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#eee}table.counts{width:auto}
.map-area{display:flex;gap:18px;flex-wrap:wrap;align-items:flex-start}
svg.map{flex:1 1 640px;max-width:860px;background:#dfeefa;border:1px solid #bbb}
.legend{flex:0 1 260px;font-size:14px}.legend ul{list-style:none;padding:0;margin:0 0 10px}
.legend li{display:flex;align-items:center;gap:6px}.legend svg{width:18px;height:18px;flex:none}
.province{fill:#fbfaf5;stroke:#9a9a9a;stroke-width:2px;fill-rule:evenodd}
.pt{r:16px;stroke:#fff;stroke-width:2px}
.attn{r:20px;stroke:#000;stroke-width:7px}
.added{r:30px;fill:none;stroke:#00a651;stroke-width:5px}
.removed{r:18px;fill:#fff;stroke:#333;stroke-width:5px;stroke-dasharray:6 4}
.was{r:9px;fill:none;stroke:#e07000;stroke-width:4px}
.moved{stroke:#e07000;stroke-width:5px;marker-end:url(#arrowhead)}
#arrowhead path{fill:#e07000}
.pt,.removed,.was{scroll-margin:40vh 0}
.pt:target,.removed:target,.was:target{r:46px;stroke:#ffd400;stroke-width:14px;
paint-order:stroke}
svg.map:has(:target) .pt:not(:target){opacity:.4}
"""


def _colour_rules(precisions: Iterable[str], statuses: Iterable[str]) -> str:
    rules = []
    for precision in sorted(set(precisions)):
        colour = PRECISION_LABELS.get(precision, ("", UNKNOWN_PRECISION_COLOUR))[1]
        rules.append(f".pr-{css_token(precision)}{{fill:{colour}}}")
    for status in sorted(set(statuses)):
        rules.append(f".st-{css_token(status)}{{stroke:{STATUS_COLOURS.get(status, '#000')}}}")
    return "".join(rules)


def _ordered_precisions(found: Iterable[str]) -> list[str]:
    known = [p for p in PRECISIONS if p in set(found)]
    return known + sorted(set(found) - set(PRECISIONS))


def _xy(x: float, y: float) -> str:
    return f'cx="{x:.1f}" cy="{y:.1f}"'


class _MapDrawing:
    """The SVG of the map, and which fragment ids it holds (so links only point at markers)."""

    def __init__(
        self,
        china: ChinaMap,
        points: Sequence[PointState],
        statuses: Mapping[str, str],
        diff: DatasetDiff | None,
    ) -> None:
        self.anchors: set[str] = set()
        self.counts: Counter[str] = Counter()  # legend entries: pr-…, st-…, added, ...
        # Against nothing (a first version) every point is new: rings would only hide them.
        had_points = diff is not None and bool(diff.removed or diff.changed or diff.unchanged)
        added = {p.record.id for p in diff.added} if diff and had_points else set()
        removed = list(diff.removed) if diff else []
        moved = list(diff.moved) if diff else []
        everything = [*points, *removed, *(c.old for c in moved), *(c.new for c in moved)]
        xy = np.column_stack(project([p.lon for p in everything], [p.lat for p in everything]))
        ends = np.cumsum([len(points), len(removed), len(moved)])
        point_xy, removed_xy, old_xy, new_xy = np.split(xy, ends)
        self._bounds = self._view(china, xy)

        plain: list[str] = []
        marked: list[str] = []
        rings: list[str] = []
        for point, xy in zip(points, point_xy.tolist(), strict=True):
            record = point.record
            status = statuses.get(record.id)
            classes = f"pt pr-{css_token(record.precision)}"
            self.counts[f"pr-{record.precision}"] += 1
            if status:
                classes += f" attn st-{css_token(status)}"
                self.counts[f"st-{status}"] += 1
            anchor = self._anchor(record.id)
            title = f"{record.name} — {record.precision}" + (f", {status}" if status else "")
            (marked if status else plain).append(
                f'<circle{anchor} class="{classes}" {_xy(*xy)}><title>{esc(title)}</title></circle>'
            )
            if record.id in added:
                rings.append(f'<circle class="added" {_xy(*xy)}/>')
                self.counts["added"] += 1
        changes = []
        for point, xy in zip(removed, removed_xy.tolist(), strict=True):
            anchor = self._anchor("was-" + point.record.id)
            changes.append(
                f'<circle{anchor} class="removed" {_xy(*xy)}>'
                f"<title>{esc('removed: ' + point.record.name)}</title></circle>"
            )
            self.counts["removed"] += 1
        for change, (x1, y1), (x2, y2) in zip(moved, old_xy.tolist(), new_xy.tolist(), strict=True):
            anchor = self._anchor("was-" + change.old.record.id)
            title = f"{change.new.record.name} moved {change.moved_m / 1000:.1f} km"
            changes.append(
                f'<circle{anchor} class="was" {_xy(x1, y1)}/><line class="moved" '
                f'x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}">'
                f"<title>{esc(title)}</title></line>"
            )
            self.counts["moved"] += 1
        # Later layers are drawn on top: changes and the points needing attention stay visible.
        self._layers = [plain, rings, changes, marked]
        self._provinces = china.provinces

    def _anchor(self, fragment: str) -> str:
        if fragment in self.anchors:  # ids must be unique; the first marker keeps it
            return ""
        self.anchors.add(fragment)
        return f' id="{esc(fragment)}"'

    @staticmethod
    def _view(china: ChinaMap, xy: FloatArray) -> tuple[float, ...]:
        """The viewBox: all of China, and any point beyond it."""
        west, north, east, south = china.bounds
        if len(xy):
            west, north = min(west, float(xy[:, 0].min())), min(north, float(xy[:, 1].min()))
            east, south = max(east, float(xy[:, 0].max())), max(south, float(xy[:, 1].max()))
        return (
            west - PAD_UNITS,
            north - PAD_UNITS,
            east - west + 2 * PAD_UNITS,
            south - north + 2 * PAD_UNITS,
        )

    def svg(self) -> str:
        view = " ".join(f"{v:.0f}" for v in self._bounds)
        provinces = "".join(
            f'<path class="province" data-adcode="{esc(p.adcode)}" d="{p.path}">'
            f"<title>{esc(p.name)}</title></path>"
            for p in self._provinces
        )
        layers = "".join(f"<g>{''.join(layer)}</g>" for layer in self._layers)
        return (
            f'<svg class="map" viewBox="{view}" role="img" aria-label="map of the points">'
            '<defs><marker id="arrowhead" viewBox="0 0 10 10" refX="8" refY="5" '
            'markerWidth="4" markerHeight="4" orient="auto"><path d="M0 0L10 5L0 10z"/>'
            f"</marker></defs><g>{provinces}</g>{layers}</svg>"
        )


def _swatch(shape: str) -> str:
    return f'<svg viewBox="-36 -36 72 72" aria-hidden="true">{shape}</svg>'


def _legend(counts: Counter[str]) -> str:
    entries = []
    precisions = [key[3:] for key in counts if key.startswith("pr-")]
    for precision in _ordered_precisions(precisions):
        label = PRECISION_LABELS.get(precision, (precision, ""))[0]
        shape = f'<circle class="pt pr-{css_token(precision)}" r="24"/>'
        entries.append((shape, f"{precision}: {label}", counts[f"pr-{precision}"]))
    for key in sorted(k for k in counts if k.startswith("st-")):
        shape = f'<circle class="pt attn {css_token(key)}" fill="#fff" r="24"/>'
        entries.append((shape, f"ring: {key[3:]}", counts[key]))
    for key, shape, label in (
        ("added", '<circle class="added" r="24"/>', "added since the last version"),
        ("removed", '<circle class="removed" r="24"/>', "removed (where it was)"),
        ("moved", '<line class="moved" x1="-24" y1="20" x2="20" y2="-16"/>', "moved: old → new"),
    ):
        entries.append((shape, label, counts[key]))
    items = "".join(
        f'<li class="legend-entry">{_swatch(shape)}<span>{esc(label)}</span>'
        f'<span class="count">({count})</span></li>'
        for shape, label, count in entries
    )
    return f'<div class="legend"><h3>Legend</h3><ul>{items}</ul></div>'


def render_report_page(
    report: Mapping[str, Any],
    points: Sequence[PointState],
    diff: DatasetDiff | None,
    summary: Iterable[str],
    china: ChinaMap,
    *,
    sample: bool = False,
) -> str:
    """The page for one build.

    `report` is the JSON report (geo.pipeline.report.report_json), `points` the version's points,
    `diff` what changed against the served version, `summary` the console summary's lines.
    """
    rows = [r for r in report.get("rows") or [] if isinstance(r, Mapping)]
    statuses = {
        str(r["point_id"]): str(r.get("status"))
        for r in rows
        if r.get("point_id") and r.get("status") not in QUIET_STATUSES
    }
    drawing = _MapDrawing(china, points, statuses, diff)
    attention = [r for r in rows if r.get("status") not in QUIET_STATUSES]
    quiet = [r for r in rows if r.get("status") in QUIET_STATUSES]
    precisions = [p.record.precision for p in points]
    version = str(report.get("version", "?"))
    facts = [
        ("source", report.get("source")),
        ("source sha256", str(report.get("source_sha256", ""))[:16]),
        ("compared with", report.get("current_version") or "nothing (first version)"),
        ("decision", f"{report.get('decision')}: {report.get('decision_message')}"),
        ("dry run", "yes" if report.get("dry_run") else "no"),
        ("geocoder", report.get("geocoder")),
        ("seconds", report.get("seconds")),
    ]
    warnings = "".join(f"<li>{esc(w)}</li>" for w in report.get("warnings") or [])
    banner = (
        '<p class="sample" id="sample-banner">SAMPLE DATA, not the official list · '
        "样例数据，并非官方名单</p>"
        if sample
        else ""
    )
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>Build report {esc(version)}</title>"
        f"<style>{_STYLE}{_colour_rules(precisions, statuses.values())}</style></head><body>"
        f"{banner}<h1>Build report {esc(version)}</h1>"
        '<dl class="facts">'
        + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in facts)
        + "</dl>"
        + (f'<ul class="warnings">{warnings}</ul>' if warnings else "")
        + f'<h2>Summary</h2><pre class="summary">{esc(chr(10).join(summary).strip())}</pre>'
        + counts_table(report)
        + f'<h2 id="map">Map ({len(points)} points)</h2>'
        + f'<div class="map-area">{drawing.svg()}{_legend(drawing.counts)}</div>'
        + f"<h2>Rows needing attention ({len(attention)})</h2>"
        + (
            table(ROW_HEADERS, (row_cells(r, drawing.anchors) for r in attention), "attention")
            if attention
            else "<p>None.</p>"
        )
        + f"<details><summary>Blank, skipped and other quiet rows ({len(quiet)})</summary>"
        + table(ROW_HEADERS, (row_cells(r, drawing.anchors) for r in quiet), "quiet")
        + "</details>"
        + "<h2>Changes against the served version</h2>"
        + (diff_tables(diff, drawing.anchors) if diff is not None else "<p>No diff.</p>")
        + "<p><small>Map: Albers equal-area conic (25°N, 47°N, 105°E) of data/boundaries; "
        "points as published (WGS-84).</small></p></body></html>\n"
    )
