"""The build report as a page a person reads: `reports/<version>.html` beside the JSON report.

`render_report_page` (render.py) is the pure rendering; `china_map` (china_map.py) the province
outlines it draws on. `write_report_page` is what scripts/build_index.py calls after writing the
JSON report: the same summary lines the console prints, the built points, the diff.
"""

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from geo.pipeline.diff import feature_points
from geo.pipeline.place import BuildResult
from geo.pipeline.report import diff_lines, summary_lines
from geo.pipeline.report_page.china_map import ChinaMap, china_map
from geo.pipeline.report_page.render import render_report_page

__all__ = ["ChinaMap", "china_map", "render_report_page", "report_page", "write_report_page"]


def report_page(result: BuildResult, report: Mapping[str, Any], *, sample: bool = False) -> str:
    """The HTML page of a build, from what the build printed and wrote as JSON."""
    summary = list(summary_lines(result))
    if result.diff is not None:
        summary += diff_lines(result.diff, report.get("current_version"), str(report["version"]))
    return render_report_page(
        report, feature_points(result.features), result.diff, summary, china_map(), sample=sample
    )


def write_report_page(
    path: Path, result: BuildResult, report: Mapping[str, Any], *, sample: bool = False
) -> Path:
    """Write the page to `path` (written aside then renamed, so never half there)."""
    body = report_page(result, report, sample=sample).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(body)
    os.replace(temporary, path)
    return path
