"""From rows to points: a unit listed twice is one point with every contact; a point known only
to its province is published, listed first in the summary with the overrides line to complete.

Placeholder contacts and phones only: 0731 (长沙) local numbers have 8 digits, so the 7-digit ones
below parse as landlines but reach nobody; 130 0000 000x are runs of zeros.
"""

import csv
import io
from pathlib import Path

import pytest

from geo.core.boundaries import DivisionBoundaries
from geo.dataset import PointRecord
from geo.geocode.offline import OfflineGeocoder
from geo.pipeline.diff import PointState, diff_points, feature_points
from geo.pipeline.ingest import read_source
from geo.pipeline.overrides import Overrides, load_overrides
from geo.pipeline.place import BuildResult, Pipeline, place_records
from geo.pipeline.report import report_json, summary_lines

CONTACT = "示例联系人"  # sample contact, never a real officer
UNIT, ADDRESS = "长沙县公安局刑事侦查大队", "长沙县星沙街道开元路1号"
ROWS = [
    ["单位名称", "地址", "负责人", "办公电话", "民警手机"],
    [UNIT, ADDRESS, "", "0731-2000001", ""],  # row 2: the office line
    [UNIT, "长沙县星沙街道开元路１号", CONTACT, "", "13000000001"],  # 3: the officer's mobile
    [UNIT, ADDRESS, CONTACT, "", "13000000001"],  # 4: row 3 again, exactly
    ["湖南省公安厅刑侦总队", "湖南省示例路1号", "", "0731-2000002", ""],  # 5: province only
    [UNIT, "长沙县另一条路9号", "", "0731-2000003", ""],  # 6: same name, another address
]


@pytest.fixture(scope="module")
def offline() -> OfflineGeocoder:
    return OfflineGeocoder()


@pytest.fixture(scope="module")
def boundaries() -> DivisionBoundaries:
    return DivisionBoundaries.load()


def build(
    tmp_path: Path,
    offline: OfflineGeocoder,
    boundaries: DivisionBoundaries,
    overrides: Overrides | None = None,
) -> BuildResult:
    source = tmp_path / "list.csv"
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(ROWS)
    source.write_text(buffer.getvalue(), encoding="utf-8")
    pipeline = Pipeline(
        placer=offline,
        offline=offline,
        divisions=offline.divisions,
        boundaries=boundaries,
        overrides=overrides or Overrides(),
    )
    return place_records(read_source(source), pipeline)


def points(result: BuildResult) -> dict[int, PointRecord]:
    records = (PointRecord.from_properties(f["properties"]) for f in result.features)
    return {record.source_row: record for record in records}


def test_rows_of_one_unit_become_one_point_with_every_contact(tmp_path, offline, boundaries):
    result = build(tmp_path, offline, boundaries)

    counts = result.counts()
    assert counts["published"] + counts["flagged"] == 3 and counts["merged"] == 2
    assert sum(counts.values()) == result.rows_read == 5
    unit = points(result)[2]
    assert unit.source_rows == (2, 3, 4)
    assert [(c.source_row, c.contact, c.phone_text) for c in unit.contacts] == [
        (2, None, "0731-2000001"),
        (3, CONTACT, "13000000001"),  # row 4 repeats it: counted, not added again
    ]
    assert unit.phones == ("0731-2000001", "13000000001")
    assert unit.phone_text == "0731-2000001 | 13000000001" and unit.contact == CONTACT
    assert points(result)[6].source_rows == (6,)  # same name, another address: its own point

    merged = {o.source_row: o for o in result.outcomes if o.status == "merged"}
    assert set(merged) == {3, 4}
    assert merged[3].point_id == unit.id and "row 2" in (merged[3].detail or "")
    assert "repeats row 3" in (merged[4].detail or "")

    summary = list(summary_lines(result))
    assert "  row 4: merged: same name and address as row 2: repeats row 3" in summary
    assert any(line.startswith("  merged                  2") for line in summary)
    report = report_json(result, {})
    assert report["counts"]["merged"] == 2
    assert {r["source_row"]: r["status"] for r in report["rows"]} == {3: "merged", 4: "merged"}


def test_the_id_of_a_point_does_not_change_when_rows_merge_into_it(tmp_path, offline, boundaries):
    merged = points(build(tmp_path, offline, boundaries))[2]
    alone = tmp_path / "alone.csv"
    alone.write_text(f"单位名称,地址,办公电话\n{UNIT},{ADDRESS},0731-2000001\n", encoding="utf-8")
    pipeline = Pipeline(offline, offline, offline.divisions, boundaries, Overrides())
    (before,) = place_records(read_source(alone), pipeline).features
    assert before["properties"]["id"] == merged.id

    old = feature_points([before])
    new = [PointState(merged, *before["geometry"]["coordinates"])]
    diff = diff_points(old, new)
    assert diff.counts()["merged"] == 1 and diff.counts()["phones_changed"] == 1
    assert diff.counts()["removed"] == 0 and diff.counts()["added"] == 0
    assert diff.to_json()["merged"] == [
        {"id": merged.id, "name": UNIT, "address": ADDRESS, "source_rows": [2, 3, 4]}
    ]


def test_a_point_known_only_to_its_province_is_listed_first_with_its_overrides_line(
    tmp_path, offline, boundaries
):
    result = build(tmp_path, offline, boundaries)
    (unlocated,) = result.needs_location()
    assert unlocated.source_row == 5 and unlocated.precision == "province"
    assert not unlocated.located and "不参与距离排序" in (unlocated.note or "")

    lines = list(summary_lines(result))
    assert lines[0].startswith("\nneeds a location: 1 points")
    blank_line = f"{unlocated.id},{unlocated.address},,,,"
    assert f"  {blank_line}" in lines
    assert lines.index(f"  {blank_line}") < next(i for i, s in enumerate(lines) if "rows read" in s)
    (listed,) = report_json(result, {})["needs_location"]
    assert listed["overrides_line"] == blank_line and listed["source_rows"] == [5]

    # Ops complete the line as printed and build again: the point now has a location.
    overrides = tmp_path / "overrides.csv"
    filled = blank_line.replace(",,,,", ",112.98,28.20,gcj02,核对：示例（测试）")
    overrides.write_text(f"id,address,lon,lat,crs,note\n{filled}\n", encoding="utf-8")
    loaded = load_overrides(overrides)
    assert loaded.problems == []
    again = build(tmp_path, offline, boundaries, loaded.overrides)
    assert again.needs_location() == []
    assert points(again)[5].precision == "exact" and points(again)[5].located


def test_later_rows_of_a_unit_that_cannot_be_placed_are_rejected_with_it(
    tmp_path, offline, boundaries
):
    path = tmp_path / "list.csv"
    path.write_text(
        "单位名称,地址,联系电话\n示例派出所,解放路1号,13000000003\n示例派出所,解放路1号,13000000004\n",
        encoding="utf-8",
    )
    pipeline = Pipeline(offline, offline, offline.divisions, boundaries, Overrides())
    result = place_records(read_source(path), pipeline)
    assert result.features == []
    by_row = {o.source_row: o for o in result.outcomes}
    assert by_row[2].status == by_row[3].status == "rejected"
    assert by_row[3].reason == "no_placement"
    assert "row 2, which is rejected" in (by_row[3].detail or "")
