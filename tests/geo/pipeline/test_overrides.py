"""Manual overrides: valid rows applied in WGS-84, every bad row reported with its line number."""

import math
from pathlib import Path

import pytest

from geo.core.crs import Crs, wgs84_to_bd09, wgs84_to_gcj02
from geo.core.errors import SourceError
from geo.geocode.base import GeocodeQuery
from geo.pipeline.overrides import load_overrides

REPO_OVERRIDES = Path(__file__).resolve().parents[3] / "data" / "overrides.csv"
WGS_LON, WGS_LAT = 125.3235, 43.8171  # 长春市
GCJ_LON, GCJ_LAT = (float(value) for value in wgs84_to_gcj02(WGS_LON, WGS_LAT))
BD_LON, BD_LAT = (float(value) for value in wgs84_to_bd09(WGS_LON, WGS_LAT))


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "overrides.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_file_loads_empty_without_problems() -> None:
    loaded = load_overrides(REPO_OVERRIDES)
    assert loaded.problems == [] and len(loaded.overrides) == 0


def test_valid_rows_in_each_crs_become_wgs84_exact_placements(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "\ufeff# sample overrides (样例)\n"
        "id,address,lon,lat,crs,note\n"
        f"sample-1,,{WGS_LON},{WGS_LAT},wgs84,样例：GPS 实地核对\n"
        f",吉林省长春市朝阳区示例街2号,{GCJ_LON!r},{GCJ_LAT!r},GCJ02,样例：高德地图取点\n"
        f"sample-3,吉林省长春市示例路3号,{BD_LON!r},{BD_LAT!r},bd09,样例：百度地图取点\n",
    )
    loaded = load_overrides(path)
    assert loaded.problems == []
    assert len(loaded.overrides) == 3
    for point_id, address in (
        ("sample-1", None),
        (None, "吉林省长春市朝阳区示例街2号"),
        ("sample-3", None),
        (None, "吉林省长春市示例路3号"),
    ):
        found = loaded.overrides.find(point_id, address)
        assert found is not None
        assert math.isclose(found.lon, WGS_LON, abs_tol=1e-9)
        assert math.isclose(found.lat, WGS_LAT, abs_tol=1e-9)
    placement = loaded.overrides.find(address="吉林省长春市朝阳区示例街2号")
    assert placement is not None and placement.crs is Crs.GCJ02 and placement.row == 4
    answer = placement.placement()
    assert (answer.precision, answer.source, answer.resolved) == (
        "exact",
        "override",
        "样例：高德地图取点",
    )


def test_lookup_by_normalised_address_and_query(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f"id,address,lon,lat,crs,note\n,吉林省长春市朝阳区示例街2号,{WGS_LON},{WGS_LAT},wgs84,\n",
    )
    overrides = load_overrides(path).overrides
    # Full-width digits and stray spaces, as official lists write them.
    assert overrides.find(address=" 吉林省长春市朝阳区示例街２号") is not None
    query = GeocodeQuery("朝阳区示例街2号", province="吉林省", city="长春市")
    placement = overrides.place(query)
    assert placement is not None and placement.source == "override"
    assert overrides.place(GeocodeQuery("朝阳区别的街9号", city="长春市")) is None
    assert overrides.find("no-such-id") is None


def test_bad_rows_are_reported_with_line_numbers_and_never_applied(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "id,address,lon,lat,crs,note\n"  # line 1
        f"ok-1,,{WGS_LON},{WGS_LAT},wgs84,样例\n"  # 2: good
        "bad-number,,125.3a,43.8,wgs84,\n"  # 3
        "bad-range,,125.3,93.8,wgs84,\n"  # 4
        "bad-crs,,125.3,43.8,utm,\n"  # 5
        ",,125.3,43.8,wgs84,nobody\n"  # 6: neither id nor address
        "# a comment line\n"  # 7
        "abroad,,139.69,35.69,wgs84,东京\n"  # 8: outside mainland China
        "hong-kong,,114.17,22.28,wgs84,香港\n"  # 9: outside mainland China
        f"ok-1,,{WGS_LON},{WGS_LAT},wgs84,again\n"  # 10: duplicate id
        "nan,,nan,43.8,wgs84,\n"  # 11
        "\n"  # 12: blank
        "short-row,,125.3\n",  # 13: missing lat and crs
    )
    loaded = load_overrides(path)
    assert [problem.row for problem in loaded.problems] == [3, 4, 5, 6, 8, 9, 10, 11, 13]
    messages = {problem.row: problem.message for problem in loaded.problems}
    assert "lon must be a number" in messages[3]
    assert "lat must be within [-90, 90]" in messages[4]
    assert "crs must be one of wgs84, gcj02, bd09" in messages[5]
    assert "neither id nor address" in messages[6]
    assert "outside mainland China" in messages[8] and "outside mainland China" in messages[9]
    assert "row 2" in messages[10]
    assert list(loaded.overrides.by_id) == ["ok-1"]
    assert loaded.overrides.by_id["ok-1"].note == "样例"


def test_a_file_without_the_columns_is_one_problem(tmp_path: Path) -> None:
    loaded = load_overrides(write(tmp_path, "编号,经度,纬度\nx,1,2\n"))
    assert len(loaded.overrides) == 0
    assert [problem.row for problem in loaded.problems] == [1]
    assert "id, address, lon, lat, crs, note" in loaded.problems[0].message


def test_a_gbk_file_with_a_bad_line_loads_the_rest_and_reports_the_line(tmp_path: Path) -> None:
    # What Excel on Chinese Windows writes: GBK, no BOM; one note over the csv field limit.
    path = tmp_path / "overrides.csv"
    path.write_bytes(
        (
            "id,address,lon,lat,crs,note\n"
            f'too-long,,{WGS_LON},{WGS_LAT},wgs84,"{"注" * 140_000}"\n'
            f",吉林省长春市朝阳区示例街2号,{WGS_LON},{WGS_LAT},wgs84,样例：GPS 实地核对\n"
        ).encode("gbk")
    )
    loaded = load_overrides(path)
    assert [(p.row, p.message) for p in loaded.problems] == [
        (2, "not valid CSV (field larger than field limit (131072))")
    ]
    found = loaded.overrides.find(address="吉林省长春市朝阳区示例街2号")
    assert found is not None and found.note == "样例：GPS 实地核对"


def test_an_unreadable_overrides_file_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="is a directory"):
        load_overrides(tmp_path)
    with pytest.raises(SourceError, match="no such file"):
        load_overrides(tmp_path / "missing.csv")
    (path := tmp_path / "nul.csv").write_bytes(b"id,address,lon,lat,crs,note\n" * 200 + b"\x00")
    with pytest.raises(SourceError, match="NUL byte"):
        load_overrides(path)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert [p.message for p in load_overrides(empty).problems] == [
        "no header line; expected the columns id, address, lon, lat, crs, note"
    ]
