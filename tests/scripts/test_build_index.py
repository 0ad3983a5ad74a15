"""scripts/build_index.py end to end: a messy official-style list in, every row accounted for.

Placeholder contacts and phones only: 0731 (长沙) and 0431 (长春) local numbers have 8 digits, so
the 7-digit ones below parse as landlines but reach nobody; 130 0000 0000 is a run of zeros.
"""

from pathlib import Path
from typing import Any

import openpyxl
import orjson
import pytest
from openpyxl.styles import Alignment

from geo.core.crs import wgs84_to_gcj02
from geo.dataset import load_current, published_versions, read_current_version
from tests.support import load_script

build_index = load_script("build_index")

CHANGSHA_COUNTY = "430121"  # 长沙县
JIUTAI = "220113"  # 九台区, formerly 九台市
LILING = "430281"  # 醴陵市, a county-level city


def _messy_workbook(path: Path, *, drop_hunan_rows: bool = False) -> dict[str, int]:
    """Two sheets in the shape provincial lists come in; returns row numbers by label."""
    book = openpyxl.Workbook()
    hunan = book.active
    assert hunan is not None
    hunan.title = "湖南"
    hunan.append(["湖南省公安机关免费采血点一览表"])
    hunan.merge_cells("A1:G1")
    hunan.append(["序号", "地市", "单位\n名称", "详细地址", "负责人", "办公电话", "民警手机"])
    rows = {}
    hunan_rows: list[tuple[str, list[Any]]] = [
        (
            "changsha_county",
            [
                1,
                "长沙市",
                "长沙县公安局刑事侦查大队",
                "星沙街道开元路１２３号",
                "示例联系人",
                "０７３１－２０００００１",
                13000000000,
            ],
        ),
        (
            "yuelu",
            [
                2,
                None,
                "长沙市公安局岳麓分局",
                "岳麓区麓山南路１号",
                None,
                "0731-2000002、0731-2000003",
                None,
            ],
        ),
        (
            "duplicate",
            [
                3,
                None,
                "长沙县公安局刑事侦查大队",
                "星沙街道开元路123号",
                "示例联系人",
                "0731-2000001",
                13000000000,
            ],
        ),
        ("blank", [None, None, None, None, None, None, None]),
        ("liling", [4, "株洲市", "醴陵市公安局", "醴陵市示例路８号", None, "0731-2000004", None]),
    ]
    if drop_hunan_rows:
        hunan_rows = hunan_rows[3:]
    for label, cells in hunan_rows:
        hunan.append(cells)
        rows[label] = hunan.max_row
    if not drop_hunan_rows:
        hunan.merge_cells(f"B{rows['changsha_county']}:B{rows['duplicate']}")  # 长沙市 merged down
    hunan.cell(row=2, column=3).alignment = Alignment(wrap_text=True)

    jilin = book.create_sheet("吉林")
    jilin.append(["序号", "单位名称", "地址", "联系电话"])
    for label, cells in [
        ("jiutai", [1, "九台市公安局刑事侦查大队", "长春市九台市示例街1号", "0431-2000005"]),
        ("no_address", [2, "示例派出所", None, "0431-2000006"]),
        ("unplaceable", [3, "示例派出所", "解放路1号", "13000000000"]),  # a mobile names no city
        ("dialled", [3, "示例派出所", "示例大街1号", "0431-2000007"]),  # the area code does
        ("override_bad", [4, "双阳区公安分局", "长春市双阳区示例路2号", "0431-2000008"]),
        ("override_good", [5, "农安县公安局", "长春市农安县示例路3号", "0431-2000009"]),
        ("note", ["注：以上信息如有变动，以公安机关公布为准。"]),
    ]:
        jilin.append(cells)
        rows[label] = jilin.max_row
    book.save(path)
    return rows


def _overrides(path: Path) -> tuple[float, float]:
    """One bad override (latitude out of range) and one good one given in GCJ-02."""
    wgs = (125.1600, 44.5300)  # a point inside 农安县
    gcj = wgs84_to_gcj02([wgs[0]], [wgs[1]])
    path.write_text(
        "id,address,lon,lat,crs,note\n"
        ",长春市双阳区示例路2号,125.66,95.0,wgs84,测试：纬度写错\n"
        f",长春市农安县示例路3号,{gcj[0][0]:.8f},{gcj[1][0]:.8f},gcj02,测试：人工核对（示例）\n",
        encoding="utf-8",
    )
    return wgs


def _run(*args: str | Path) -> int:
    return int(build_index.main([str(a) for a in args] + ["--no-progress"]))


@pytest.fixture
def built(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    source = tmp_path / "湖南吉林.xlsx"
    rows = _messy_workbook(source)
    data_dir = tmp_path / "data"
    override_wgs = _overrides(tmp_path / "overrides.csv")
    status = _run(source, "--data-dir", data_dir, "--overrides", tmp_path / "overrides.csv",
                  "--report", tmp_path / "report.json")  # fmt: skip
    output = capsys.readouterr().out
    assert status == 0, output
    return {
        "source": source,
        "rows": rows,
        "data_dir": data_dir,
        "output": output,
        "override_wgs": override_wgs,
        "report": orjson.loads((tmp_path / "report.json").read_bytes()),
        "overrides": tmp_path / "overrides.csv",
    }


def test_every_row_of_a_messy_list_is_published_or_reported(built: dict[str, Any]):
    report, rows = built["report"], built["rows"]
    counts = report["counts"]
    # Counted from the workbook itself, not from the build: every row under the headers
    # (湖南: title + header; 吉林: header), 5 in 湖南 and 7 in 吉林.
    book = openpyxl.load_workbook(built["source"])
    header_rows = {"湖南": 2, "吉林": 1}
    data_rows = sum(sheet.max_row - header_rows[sheet.title] for sheet in book.worksheets)
    assert data_rows == len(rows) == 12
    assert report["rows_read"] == data_rows
    assert counts["published"] + counts["flagged"] == 7 and counts["held"] == 0
    assert counts["merged"] == 1 and counts["blank"] == 1 and counts["skipped"] == 1
    assert counts["rejected"] == 2

    by_row = {(r.get("sheet"), r["source_row"]): r for r in report["rows"]}
    assert by_row[("湖南", rows["duplicate"])]["status"] == "merged"
    assert by_row[("湖南", rows["blank"])]["reason"] == "blank"
    assert by_row[("吉林", rows["no_address"])]["reason"] == "missing_address"
    assert by_row[("吉林", rows["unplaceable"])]["reason"] == "no_placement"
    assert by_row[("吉林", rows["note"])]["status"] == "skipped"
    assert [p["row"] for p in report["override_problems"]] == [2]

    dataset = load_current(built["data_dir"])
    assert dataset.manifest.sample is False and dataset.manifest.points == 7
    # Keyed by sheet and row: the two sheets' row numbers overlap.
    features = {(props["sheet"], props["source_row"]): (lon, lat, props) for lon, lat, props in
                zip(dataset.lons, dataset.lats, dataset.properties, strict=True)}  # fmt: skip

    _, _, county = features["湖南", rows["changsha_county"]]
    assert county["adcode"] == CHANGSHA_COUNTY and county["district"] == "长沙县"
    assert county["city"] == "长沙市" and county["province"] == "湖南省"  # no province column
    assert county["address"] == "星沙街道开元路123号"  # full-width digits folded
    assert county["phones"] == ["0731-2000001", "13000000000"]
    assert county["contact"] == "示例联系人" and county["precision"] == "county"

    _, _, yuelu = features["湖南", rows["yuelu"]]
    assert yuelu["phones"] == ["0731-2000002", "0731-2000003"]
    assert yuelu["phone_text"] == "0731-2000002、0731-2000003"  # as published
    assert yuelu["district"] == "岳麓区" and yuelu["city"] == "长沙市"  # merged 地市 cell

    _, _, jiutai = features["吉林", rows["jiutai"]]
    assert (jiutai["adcode"], jiutai["district"]) == (JIUTAI, "九台区")  # stale 九台市

    assert features["湖南", rows["liling"]][2]["adcode"] == LILING

    # No place name at all, but an office line of 长春 (0431): ranked at the city, and saying why
    _, _, dialled = features["吉林", rows["dialled"]]
    assert (dialled["city"], dialled["precision"]) == ("长春市", "city")
    assert "电话区号（0431）" in dialled["note"]

    lon, lat, good = features["吉林", rows["override_good"]]
    assert good["precision"] == "exact" and good["geocoder"] == "override"
    assert (lon, lat) == pytest.approx(built["override_wgs"], abs=1e-6)
    # the bad override is ignored, the geocoder places it
    bad = features["吉林", rows["override_bad"]][2]
    assert bad["geocoder"] == "offline" and bad["district"] == "双阳区"

    output = built["output"]
    assert "overrides line 2: not applied" in output and "published" in output


def test_a_rerun_of_the_same_list_publishes_nothing(built: dict[str, Any], capsys):
    before = read_current_version(built["data_dir"])
    assert _run(built["source"], "--data-dir", built["data_dir"],
                "--overrides", built["overrides"]) == 0  # fmt: skip
    assert "nothing changed" in capsys.readouterr().out
    assert read_current_version(built["data_dir"]) == before
    assert len(published_versions(built["data_dir"])) == 1


def test_a_list_that_lost_points_is_refused_unless_forced_and_can_be_rolled_back(
    built: dict[str, Any], tmp_path: Path, capsys
):
    data_dir = built["data_dir"]
    first = read_current_version(data_dir)
    shorter = tmp_path / "shorter.xlsx"
    _messy_workbook(shorter, drop_hunan_rows=True)  # 2 of 6 points gone

    assert _run(shorter, "--data-dir", data_dir, "--overrides", built["overrides"]) == 1
    output = capsys.readouterr().out
    assert "refused" in output and "would disappear" in output
    assert read_current_version(data_dir) == first

    assert _run(shorter, "--data-dir", data_dir, "--overrides", built["overrides"],
                "--dry-run", "--force") == 0  # fmt: skip
    assert "dry run" in capsys.readouterr().out
    assert read_current_version(data_dir) == first

    assert _run(shorter, "--data-dir", data_dir, "--overrides", built["overrides"],
                "--force", "--version", "second") == 0  # fmt: skip
    output = capsys.readouterr().out
    assert "removed 2" in output and read_current_version(data_dir) == "second"

    assert _run("--rollback", first, "--data-dir", data_dir) == 0
    assert "added 2" in capsys.readouterr().out
    assert read_current_version(data_dir) == first
    assert _run("--list", "--data-dir", data_dir) == 0
    listing = capsys.readouterr().out
    assert f"* {first}" in listing and "  second" in listing


def test_unreadable_input_is_a_clear_error_and_publishes_nothing(tmp_path: Path, capsys):
    broken = tmp_path / "list.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    assert _run(broken, "--data-dir", tmp_path / "data") == 2
    assert "cannot read" in capsys.readouterr().out
    assert not (tmp_path / "data" / "published" / "CURRENT").exists()
