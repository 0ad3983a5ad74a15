"""scripts/read_images.py end to end: images in; CSV and review page out; the page in Chromium;
scripts/build_index.py refusing the unreviewed list and accepting the one the page exported.

One OCR run (three small images, one of them broken) serves every test of the module.
"""

import csv
import io
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import pytest

from bench.ocr_tables import sample_rows
from geo.dataset import load_current
from tests.browser import ARTIFACTS
from tests.geo.pipeline.ocr.conftest import MISSING, write_table
from tests.support import load_script

if TYPE_CHECKING:
    from playwright.sync_api import Browser

read_images = load_script("read_images")
build_index = load_script("build_index")
BAD_PHONE = "1540000000"  # ten digits: published wrong, so flagged whatever the OCR reads
GOOD_PHONE = "15400000000"


@pytest.fixture(scope="module")
def read(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if MISSING:
        if os.environ.get("CI"):
            pytest.fail(MISSING)
        pytest.skip(MISSING)
    tmp = tmp_path_factory.mktemp("read-images")
    rows = sample_rows(6, seed=23)
    rows[2]["phone"] = BAD_PHONE
    rendered = write_table(tmp / "whole.png", rows)
    cut = rendered.row_boxes[3][0] + 3  # the second screenshot starts at the 4th row
    rendered.image.crop((0, 0, rendered.image.width, cut)).save(tmp / "湖南-1.png")
    rendered.image.crop((0, cut, rendered.image.width, rendered.image.height)).save(
        tmp / "湖南-2.png"
    )
    (tmp / "湖南-0.webp").write_bytes(b"RIFF\x00\x00\x00\x00WEBPVP8 broken")
    out = tmp / "out" / "湖南.csv"
    images = [tmp / "湖南-0.webp", tmp / "湖南-1.png", tmp / "湖南-2.png"]
    stdout = io.StringIO()
    from contextlib import redirect_stdout

    with redirect_stdout(stdout):
        status = read_images.main([*map(str, images), "--out", str(out)])
    return {"tmp": tmp, "rows": rows, "out": out, "status": status, "stdout": stdout.getvalue()}


def _csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    lines = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    header_at = next(i for i, line in enumerate(lines) if "reviewed" in line)
    header = lines[header_at]
    return lines[0], [dict(zip(header, line, strict=True)) for line in lines[header_at + 1 :]]


def test_images_become_a_csv_the_build_reads_and_the_broken_one_is_named(
    read: dict[str, Any],
) -> None:
    assert read["status"] == 0, read["stdout"]
    assert "湖南-0.webp" in read["stdout"] and "unreadable_image" in read["stdout"]
    title, records = _csv(read["out"])
    assert "样例数据" in title[0]
    assert [r["单位名称"] for r in records] == [r["name"] for r in read["rows"]]
    assert [r["ocr_image"] for r in records] == ["湖南-1.png"] * 3 + ["湖南-2.png"] * 3
    third = records[2]
    assert third["联系电话"] == BAD_PHONE and "联系电话:" in third["ocr_flags"]
    assert "phone_format" in third["ocr_flags"]
    assert orjson.loads(third["ocr_confidence"])["联系电话"] > 0.9
    assert all(r["reviewed"] == "" for r in records)
    assert read["out"].with_suffix(".review.html").exists()


def test_build_refuses_an_unreviewed_ocr_list_unless_forced(
    read: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "data"
    status = build_index.main([str(read["out"]), "--data-dir", str(data_dir), "--no-progress"])
    output = capsys.readouterr().out
    assert status == 1, output
    assert "湖南.review.html" in output and "--force" in output and "湖南-1.png row 3" in output
    assert not (data_dir / "published" / "CURRENT").exists()
    report = tmp_path / "report.json"
    status = build_index.main(
        [
            str(read["out"]),
            "--data-dir",
            str(data_dir),
            "--no-progress",
            "--force",
            "--sample",
            "--report",
            str(report),
        ]
    )
    assert status == 0, capsys.readouterr().out
    assert orjson.loads(report.read_bytes())["source_kind"] == "ocr"
    manifest = load_current(data_dir).manifest
    assert "read from images by OCR" in manifest.notes and "0 of them reviewed" in manifest.notes


def test_the_review_page_edits_marks_and_exports_a_csv_the_build_accepts(
    browser: "Browser", read: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page_path = read["out"].with_suffix(".review.html")
    requests: list[str] = []
    context = browser.new_context(accept_downloads=True, viewport={"width": 1300, "height": 900})
    page = context.new_page()
    page.on("request", lambda request: requests.append(request.url))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(page_path.as_uri())
    counts = page.locator(".counts").inner_text()
    assert "6 rows" in counts and "1 flagged and not reviewed" in counts
    bad = page.locator("td.phone_format")
    assert bad.count() == 1 and bad.inner_text() == BAD_PHONE
    assert "not a well-formed phone number" in (bad.get_attribute("title") or "")
    crops = page.locator("tr.crop img")
    assert crops.count() == 6
    assert crops.first.evaluate("img => img.naturalWidth") > 500
    bad.click()
    page.keyboard.press("End")
    page.keyboard.type("0")  # the corrected number: one digit was missing
    page.locator("tr.cells").nth(2).locator("input.reviewed").check()
    assert "0 flagged and not reviewed" in page.locator(".counts").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ocr-review-1300x900.png"))
    with page.expect_download() as download_info:
        page.locator("#export").click()
    download = download_info.value
    exported = tmp_path / download.suggested_filename
    download.save_as(exported)
    assert errors == []
    assert all(url.startswith(("file:", "data:", "blob:")) for url in requests), requests
    assert exported.name == "湖南.csv"
    title, records = _csv(exported)
    assert "样例数据" in title[0]
    assert records[2]["联系电话"] == GOOD_PHONE and records[2]["reviewed"] == "yes"
    assert [r["reviewed"] for r in records].count("yes") == 1
    _, original = _csv(read["out"])
    for before, after in zip(original, records, strict=True):
        assert {k: v for k, v in before.items() if k not in ("联系电话", "reviewed")} == {
            k: v for k, v in after.items() if k not in ("联系电话", "reviewed")
        }
    status = build_index.main(
        [str(exported), "--data-dir", str(tmp_path / "data"), "--no-progress", "--sample"]
    )
    assert status == 0, capsys.readouterr().out
