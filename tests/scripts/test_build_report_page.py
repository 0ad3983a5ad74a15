"""The build report page end to end: two real builds, the second page opened in real Chromium.

The list is made up (names and addresses say 测试, no contacts, no phones); the build between
the two versions adds one point, removes one and moves one (by an override), and one row is
flagged (its override lies outside the county its name names).
"""

import contextlib
import io
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from geo.dataset import load_current
from geo.pipeline.report_page import china_map
from geo.pipeline.report_page.render import PRECISION_LABELS, QUIET_STATUSES
from tests.browser import ARTIFACTS
from tests.support import load_script

# Without playwright the `browser` fixture skips these tests (or fails them under CI).
with contextlib.suppress(ImportError):
    from playwright.sync_api import Browser, Page, expect

build_index = load_script("build_index")

EVIL_NAME = "<script>window.__xss=1</script>测试派出所"
EVIL_IMAGE = "<img src=x.png onerror=window.__xss=2>测试大队"  # no quote, no comma: plain CSV
HEADER = '"测试名单（测试数据，并非官方名单）",,,,,\n序号,省份,单位名称,地址,负责人,联系电话\n'
ROWS = {
    "dongcheng": "北京市,北京市公安局东城分局,东城区测试路1号",
    "changsha": "湖南省,长沙县公安局刑事侦查大队,长沙县测试路2号",  # flagged by its override
    "nongan": "吉林省,农安县公安局,长春市农安县测试路3号",  # moved by its override
    "wuhou": "四川省,成都市公安局武侯分局,成都市武侯区测试路4号",  # removed in version 2
    "evil": f"广东省,{EVIL_IMAGE},广州市天河区测试路5号",
    "unplaceable": f",{EVIL_NAME},解放路1号",  # rejected
    "duplicate": "北京市,北京市公安局东城分局,东城区测试路1号",
    "yanta": "陕西省,西安市公安局雁塔分局,西安市雁塔区测试路8号",
    "kunming": "云南省,昆明市公安局五华分局,昆明市五华区测试路9号",  # added in version 2
}
OVERRIDES = "id,address,lon,lat,crs,note\n,长沙县测试路2号,116.40,39.91,wgs84,测试：放错了省\n"
NONGAN_BEFORE, NONGAN_AFTER = (125.16, 44.53), (125.30, 44.36)  # both inside 农安县


def _write_list(path: Path, labels: list[str]) -> None:
    lines = [f"{n},{ROWS[label]},," for n, label in enumerate(labels, start=1)]
    path.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")


def _build(tmp: Path, version: str, labels: list[str], nongan: tuple[float, float]) -> str:
    source, overrides = tmp / f"{version}.csv", tmp / f"{version}-overrides.csv"
    _write_list(source, labels)
    lon, lat = nongan
    overrides.write_text(
        OVERRIDES + f",长春市农安县测试路3号,{lon},{lat},wgs84,测试：人工核对\n", encoding="utf-8"
    )
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        status = build_index.main(
            [str(source), "--data-dir", str(tmp / "data"), "--overrides", str(overrides),
             "--version", version, "--max-loss", "0.5", "--sample", "--no-progress"]
        )  # fmt: skip
    assert status == 0, output.getvalue()
    return output.getvalue()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("report-page")
    first = [label for label in ROWS if label != "kunming"]
    second = [label for label in ROWS if label != "wuhou"]
    _build(tmp, "test-1", first, NONGAN_BEFORE)
    output = _build(tmp, "test-2", second, NONGAN_AFTER)
    reports = tmp / "data" / "reports"
    return {
        "output": output,
        "page": reports / "test-2.html",
        "report": orjson.loads((reports / "test-2.json").read_bytes()),
        "dataset": load_current(tmp / "data"),
    }


@pytest.fixture
def page(browser: "Browser", built: dict[str, Any]) -> Iterator["Page"]:
    """The second version's page from file://; fails on any script error or network request."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    problems: list[str] = []
    requests: list[str] = []
    url = built["page"].as_uri()
    try:
        opened = context.new_page()
        opened.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
        opened.on(
            "console",
            lambda m: problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning")
            else None,
        )  # fmt: skip
        opened.on("request", lambda request: requests.append(request.url))
        opened.goto(url)
        yield opened
    finally:
        context.close()
    assert problems == []
    assert {r.split("#")[0] for r in requests} == {url}  # the page itself, nothing else


def _rgb(colour: str) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"


def test_the_report_page_shows_the_map_the_diff_and_the_rows(
    page: "Page", built: dict[str, Any]
) -> None:
    report, dataset = built["report"], built["dataset"]
    assert report["diff"]["counts"]["added"] == report["diff"]["counts"]["removed"] == 1
    assert report["diff"]["counts"]["moved"] == 1

    expect(page.locator("#sample-banner")).to_be_visible()
    provinces = page.locator("svg.map path.province")
    expect(provinces).to_have_count(len(china_map().provinces))
    assert len(china_map().provinces) == 31
    assert (provinces.first.bounding_box() or {"width": 0})["width"] > 5

    # One marker per published point, coloured by its precision.
    precisions = Counter(props["precision"] for props in dataset.properties)
    assert set(precisions) == {"county", "exact"}
    assert page.locator("svg.map circle.pt").count() == len(dataset) == 6
    for precision, count in precisions.items():
        markers = page.locator(f"svg.map circle.pt.pr-{precision}")
        expect(markers).to_have_count(count)
        fill = markers.first.evaluate("e => getComputedStyle(e).fill")
        assert fill == _rgb(PRECISION_LABELS[precision][1])

    # The diff: a ring on the added point, the removed one where it was, an arrow for the move.
    expect(page.locator("svg.map circle.added")).to_have_count(1)
    expect(page.locator("svg.map circle.removed")).to_have_count(1)
    arrow = page.locator("svg.map line.moved")
    expect(arrow).to_have_count(1)
    assert arrow.evaluate("e => getComputedStyle(e).markerEnd") == 'url("#arrowhead")'
    expect(page.locator("table.diff-added")).to_contain_text("昆明市公安局五华分局")
    expect(page.locator("table.diff-removed")).to_contain_text("成都市公安局武侯分局")
    expect(page.locator("table.diff-moved")).to_contain_text("农安县公安局")

    # The rows needing attention, as the JSON report has them.
    attention = [r for r in report["rows"] if r["status"] not in QUIET_STATUSES]
    assert {r["status"] for r in attention} >= {"flagged", "rejected"}
    rows = page.locator("table.attention tbody tr")
    expect(rows).to_have_count(len(attention))
    for row, expected in zip(rows.all(), attention, strict=True):
        expect(row.locator("td").nth(1)).to_have_text(expected["status"])

    # The summary is the console's, line for line.
    printed = built["output"]
    start = printed.index(f"{report['rows_read']} rows read from the list")
    console = printed[start : printed.index("\nreport: ")].strip()
    assert page.locator("pre.summary").inner_text() == console

    # Unit names with markup are shown as text: nothing ran, nothing was fetched (see `page`).
    expect(page.locator("table.attention")).to_contain_text(EVIL_NAME)
    titles = page.locator("svg.map circle.pt title").all()
    assert EVIL_IMAGE in [(title.text_content() or "").split(" — ")[0] for title in titles]
    assert page.evaluate("() => window.__xss") is None
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "build-report-page-1280x900.png"), full_page=True)


def test_clicking_an_attention_row_highlights_its_point(
    page: "Page", built: dict[str, Any]
) -> None:
    flagged = next(r for r in built["report"]["rows"] if r["status"] == "flagged")
    marker = page.locator(f"svg.map circle#{flagged['point_id']}")
    assert re.search(r"\battn\b", marker.get_attribute("class") or "")
    before = marker.evaluate("e => getComputedStyle(e).r")

    link = page.locator("table.attention tbody tr", has_text="flagged").locator("a.to-map")
    link.click()
    assert page.url.endswith("#" + flagged["point_id"])
    assert page.evaluate("() => document.querySelector(':target').id") == flagged["point_id"]
    after = marker.evaluate("e => getComputedStyle(e).r")
    assert float(after.removesuffix("px")) > 2 * float(before.removesuffix("px"))
    expect(marker).to_be_in_viewport()
    # Every other point fades, so the chosen one stands out.
    other = page.locator("svg.map circle.pt:not(:target)").first
    assert float(other.evaluate("e => getComputedStyle(e).opacity")) < 1
    page.screenshot(path=str(ARTIFACTS / "build-report-highlighted-1280x900.png"))

    # Rows that never became a point say so instead of linking nowhere.
    rejected = page.locator("table.attention tbody tr", has_text="rejected").first
    expect(rejected.locator(".not-on-map")).to_have_text("not on the map")
