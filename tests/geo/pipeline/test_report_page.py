"""The build report page: what it draws, what it links, and that no text from the list is markup.

Made-up points (names say 测试), placed at real division seats so they fall on the real map.
"""

from collections import Counter
from dataclasses import replace
from html.parser import HTMLParser
from typing import Any

import numpy as np
import pytest
import shapely
from pyproj import Geod

from geo.core.divisions import load_divisions
from geo.dataset import PointRecord
from geo.pipeline.diff import PointState, diff_points
from geo.pipeline.report_page import ChinaMap, china_map, render_report_page
from geo.pipeline.report_page.china_map import ALBERS_CHINA, project

EVIL = '<script>window.__xss=1</script>"><img src=x onerror=alert(1)>'


class Elements(HTMLParser):
    """Every start tag with its attributes and whether it is drawn on the map, and the text."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str], bool]] = []
        self.text: list[str] = []
        self._in_map = False
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        if tag == "svg" and "map" in attributes.get("class", "").split():
            self._in_map = True
        self.tags.append((tag, attributes, self._in_map))

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self._in_map = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def find(self, tag: str, css_class: str | None = None) -> list[dict[str, str]]:
        """Elements drawn on the map (not the legend's swatches), or any `a` and `td`."""
        return [
            attrs
            for name, attrs, in_map in self.tags
            if name == tag
            and (in_map or tag not in ("circle", "line", "path"))
            and (css_class is None or css_class in attrs.get("class", "").split())
        ]


@pytest.fixture(scope="module")
def china() -> ChinaMap:
    return china_map()


def _point(
    point_id: str, adcode: str, precision: str = "county", name: str | None = None
) -> PointState:
    seat = load_divisions()[adcode]
    record = PointRecord(
        id=point_id,
        name=name or f"测试单位{point_id}",
        address=f"{seat.name}测试路1号",
        province="测试省",
        city=None,
        district=seat.name,
        adcode=adcode,
        contact=None,
        phones=(),
        phone_text="",
        precision=precision,
        source_row=int(point_id.rsplit("-", 1)[1]),
    )
    return PointState(record, seat.lon, seat.lat)


def _report(rows: list[dict[str, Any]], **counts: int) -> dict[str, Any]:
    """A report in the shape of geo.pipeline.report.report_json."""
    return {
        "version": "test-2",
        "source": "测试名单.csv",
        "source_sha256": "0" * 64,
        "current_version": "test-1",
        "decision": "publish",
        "decision_message": "publishing.",
        "dry_run": False,
        "rows_read": 9,
        "counts": {"published": 3, "flagged": 1, **counts},
        "by_precision": {},
        "by_reason": Counter(r["reason"] for r in rows if r.get("reason")),
        "warnings": [],
        "rows": rows,
    }


@pytest.fixture(scope="module")
def versions() -> tuple[list[PointState], list[PointState]]:
    old = [
        _point("pt-1", "110101"),  # 东城区
        _point("pt-2", "430121", "exact"),  # 长沙县
        _point("pt-3", "510107"),  # 武侯区: removed
        _point("pt-4", "220122", "exact"),  # 农安县: moved
    ]
    moved = replace(old[3], lon=old[3].lon + 0.3, lat=old[3].lat - 0.2)
    new = [
        old[0],
        old[1],
        moved,
        _point("pt-5", "440106", "city", name=EVIL),  # 天河区: added
        _point("pt-6", "530102", "province"),  # 五华区: added, needs a location
    ]
    return old, new


ROWS = [
    {"source_row": 3, "status": "flagged", "reason": "outside_named_division",
     "detail": "placed 900 km outside " + EVIL, "point_id": "pt-2", "name": "测试单位pt-2"},
    {"source_row": 7, "sheet": "湖南", "status": "rejected", "reason": "no_placement",
     "detail": "nothing names a division", "name": EVIL},
    {"source_row": 8, "status": "needs_location", "reason": "province_only",
     "detail": "only the province is known", "point_id": "pt-6", "name": "测试单位pt-6"},
    {"source_row": 9, "status": "skipped", "reason": "note", "detail": "注：以上信息如有变动"},
]  # fmt: skip


@pytest.fixture(scope="module")
def page(china: ChinaMap, versions: tuple[list[PointState], list[PointState]]) -> str:
    old, new = versions
    summary = ["9 rows read from the list", f"  row 7: rejected: {EVIL}"]
    report = _report(ROWS, needs_location=1)
    return render_report_page(report, new, diff_points(old, new), summary, china, sample=True)


def test_every_point_is_drawn_once_with_its_precision_class(page: str, versions: Any) -> None:
    _, new = versions
    elements = Elements(page)
    markers = elements.find("circle", "pt")
    assert sorted(m["id"] for m in markers) == sorted(p.record.id for p in new)
    by_id = {m["id"]: m["class"].split() for m in markers}
    for point in new:
        assert f"pr-{point.record.precision}" in by_id[point.record.id]
    # Rows needing attention ring their points, whatever the status is called.
    assert {"attn", "st-flagged"} <= set(by_id["pt-2"])
    assert {"attn", "st-needs_location"} <= set(by_id["pt-6"])
    assert "attn" not in by_id["pt-1"]
    # Each class present has a colour rule; the legend counts them.
    for css in ("pr-county", "pr-exact", "pr-city", "pr-province", "st-flagged"):
        assert f".{css}{{" in page
    assert len(elements.find("path", "province")) == 31


def test_the_diff_is_drawn_added_removed_and_moved_as_an_arrow(page: str, versions: Any) -> None:
    old, new = versions
    elements = Elements(page)
    (arrow,) = elements.find("line", "moved")
    (x1, x2), (y1, y2) = project([old[3].lon, new[2].lon], [old[3].lat, new[2].lat])
    assert [float(arrow[k]) for k in ("x1", "y1", "x2", "y2")] == pytest.approx(
        [x1, y1, x2, y2], abs=0.06
    )
    assert elements.find("circle", "was")[0]["id"] == "was-pt-4"
    assert [c["id"] for c in elements.find("circle", "removed")] == ["was-pt-3"]
    rings = elements.find("circle", "added")
    assert len(rings) == 2  # the two added points
    assert "marker-end:url(#arrowhead)" in page and 'id="arrowhead"' in page


def test_every_link_points_at_a_marker_and_attention_rows_link_to_their_points(page: str) -> None:
    elements = Elements(page)
    ids = {attrs["id"] for _, attrs, _ in elements.tags if "id" in attrs}
    links = [a["href"] for a in elements.find("a") if a.get("href", "").startswith("#")]
    assert links and all(link[1:] in ids for link in links)

    table = page.split('<table class="attention">', 1)[1].split("</table>", 1)[0]
    body_rows = table.split("<tbody>", 1)[1].split("<tr>")[1:]
    assert len(body_rows) == 3  # flagged, rejected, needs_location; the skipped note is folded
    assert 'href="#pt-2"' in body_rows[0]
    assert "not on the map" in body_rows[1] and "湖南!7" in body_rows[1]
    assert 'href="#pt-6"' in body_rows[2] and "needs_location" in body_rows[2]
    assert 'href="#was-pt-3"' in page  # the removed point, from the table of changes
    # Counts of any status, known or not, are listed.
    assert "<td>needs_location</td>" in page


def test_text_from_the_list_is_never_markup(page: str) -> None:
    lowered = page.lower()
    assert "<script" not in lowered and "<img" not in lowered
    elements = Elements(page)
    assert not [t for t, attrs, _ in elements.tags if t in ("script", "img") or "onerror" in attrs]
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in page
    assert "default-src 'none'" in page  # and the browser would refuse to run it anyway
    text = "".join(elements.text)
    assert text.count(EVIL) >= 4  # point title, table row, summary, detail, added table


def test_a_status_cannot_break_out_of_its_class_attribute(china: ChinaMap, versions: Any) -> None:
    _, new = versions
    rows = [{"source_row": 3, "status": 'x" onclick="bad()', "point_id": "pt-1"}]
    page = render_report_page(_report(rows), new, None, [], china)
    assert 'onclick="bad()' not in page
    (marker,) = [m for m in Elements(page).find("circle", "pt") if m["id"] == "pt-1"]
    assert "st-x__onclick__bad__" in marker["class"].split()


def test_a_first_version_draws_no_added_rings(china: ChinaMap, versions: Any) -> None:
    _, new = versions
    page = render_report_page(_report([]), new, diff_points([], new), [], china)
    elements = Elements(page)
    assert elements.find("circle", "added") == []
    assert len(elements.find("circle", "pt")) == len(new)
    assert "<h3>added (5)</h3>" in page and "sample-banner" not in page


def test_a_5000_point_page_stays_under_a_megabyte(china: ChinaMap) -> None:
    seats = [d for d in load_divisions() if d.level == 3]
    points = [
        _point(f"pt-{i}", seats[i % len(seats)].adcode, ("county", "city", "exact")[i % 3])
        for i in range(5000)
    ]
    rows = [
        {"source_row": i, "status": "flagged", "reason": "outside_named_division",
         "detail": "测试", "point_id": f"pt-{i}"}
        for i in range(0, 5000, 50)
    ]  # fmt: skip
    moved = [replace(p, lon=p.lon + 0.05) for p in points[:100]]
    page = render_report_page(
        _report(rows), moved + points[100:], diff_points(points, points[100:] + moved), [], china
    )
    size = len(page.encode("utf-8"))
    print(f"5000-point report page: {size / 1e6:.2f} MB")
    assert size < 1_000_000
    assert len(Elements(page).find("line", "moved")) == 100


def test_the_map_is_equal_area_and_holds_every_province(china: ChinaMap) -> None:
    assert {p.adcode[:2] for p in china.provinces} >= {"11", "43", "46", "54", "65"}
    assert all(p.path.startswith("M") and p.path.endswith("z") for p in china.provinces)
    # A 1° x 1° cell keeps its true (geodesic) area in the projection, in the south and north.
    geod = Geod(ellps="WGS84")
    for lon, lat in ((100.0, 22.0), (125.0, 48.0)):
        cell = shapely.box(lon, lat, lon + 1, lat + 1).segmentize(0.01)  # edges follow the map
        lons, lats = cell.exterior.xy
        true_km2 = abs(geod.polygon_area_perimeter(lons, lats)[0]) / 1e6
        map_km2 = shapely.Polygon(np.column_stack(project(lons, lats))).area
        assert map_km2 == pytest.approx(true_km2, rel=1e-3)
    assert ALBERS_CHINA.is_projected
    west, north, east, south = china.bounds
    x, y = project([116.397], [39.908])  # 天安门
    assert west < x[0] < east and north < y[0] < south


def test_a_build_with_no_point_still_draws_china(china: ChinaMap) -> None:
    page = render_report_page({"version": "empty", "rows": []}, [], None, [], china)
    elements = Elements(page)
    assert len(elements.find("path", "province")) == 31
    assert elements.find("circle") == [] and "<h2>Rows needing attention (0)</h2>" in page
