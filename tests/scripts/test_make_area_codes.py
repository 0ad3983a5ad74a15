"""scripts/make_area_codes.py: data/divisions/area_codes.csv from its two published sources."""

import csv
from pathlib import Path

import pytest

from geo.geocode.area_codes import AREA_CODES_PATH
from tests.support import installed, load_script

make_area_codes = load_script("make_area_codes")


def test_rules_on_rows_in_the_sources_shape() -> None:
    registry = [
        ("0731", "湖南", "长沙"),
        ("0731", "湖南", "株洲"),
        ("0914", "陕西", "商州"),  # a district: counts for its city, which has no other code
        ("0914", "陕西", "商洛"),
        ("027", "湖北", "武汉"),
        ("0728", "湖北", "江汉"),  # reads as 武汉's 江汉区, but 武汉 dials 027
        ("0728", "湖北", "天门"),
        ("0431", "吉林", "长春"),
        ("00479", "内蒙古", "锡林郭勒"),  # the registry's own typo
    ]
    listed = [
        ("0431", "吉林", "吉林"),  # disagrees with the registry, which is kept
        ("0852", "贵州", "遵义"),  # a code the registry no longer has
        ("0634", "山东", "莱芜"),  # a former city, today two districts of 济南
    ]
    rows, notes = make_area_codes.derive(registry, listed)
    assert [(code, name) for code, _, name, _ in rows] == [
        ("027", "武汉市"),
        ("0431", "长春市"),
        ("0634", "济南市"),
        ("0728", "天门市"),
        ("0731", "长沙市"),
        ("0731", "株洲市"),
        ("0852", "遵义市"),
        ("0914", "商洛市"),
    ]
    said = dict(((code, name), sources) for code, _, name, sources in rows)
    assert said["0914", "商洛市"] == "phone 商州、商洛"
    assert said["0431", "长春市"] == "phone 长春"
    assert any("0728: 江汉 reads as a county of 武汉市" in n for n in notes)
    assert any("0431: jionlp also names 吉林市" in n for n in notes)
    assert any("00479" in n and "not an area code" in n for n in notes)


@pytest.mark.skipif(
    not (installed("phone") and installed("jionlp")),
    reason="the sources are installed by `make test` (the Makefile's DIVISION_SOURCES)",
)
def test_the_committed_table_is_reproduced(tmp_path: Path) -> None:
    output = tmp_path / "area_codes.csv"
    assert make_area_codes.main(["--output", str(output)]) == 0
    assert output.read_bytes() == AREA_CODES_PATH.read_bytes()
    with output.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len({r["area_code"] for r in rows}) > 300
    assert all(r["sources"] for r in rows)  # every row says which list named it
