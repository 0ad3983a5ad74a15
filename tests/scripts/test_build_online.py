"""scripts/build_index.py through an online provider: cached, resumable after a spent quota.

The provider is bench/rebuild_sample.py's stand-in for Amap on 127.0.0.1, answering in Amap's
format; the build is the real script in-process.
"""

from pathlib import Path

import orjson
import pytest

from bench.rebuild_sample import stand_in_amap
from geo.core.divisions import load_divisions
from geo.dataset import load_current
from tests.support import REPO_DATA_DIR, load_script

build_index = load_script("build_index")
ROWS = 40


@pytest.fixture
def source(tmp_path: Path) -> Path:
    lines = (REPO_DATA_DIR / "source" / "sample-list.csv").read_text(encoding="utf-8-sig")
    path = tmp_path / "list.csv"
    path.write_text("".join(lines.splitlines(keepends=True)[: 2 + ROWS]), encoding="utf-8")
    return path


def _build(source: Path, tmp_path: Path, url: str, *extra: str) -> int:
    return int(
        build_index.main(
            [str(source), "--data-dir", str(tmp_path / "data"), "--geocoder", "amap",
             "--provider-url", url, "--min-delay", "0", "--no-progress", "--sample",
             "--report", str(tmp_path / "report.json"), *extra]
        )
    )  # fmt: skip


def test_a_spent_quota_publishes_nothing_and_the_rerun_asks_only_for_the_rest(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
):
    monkeypatch.setenv("XUNQIN_AMAP_KEY", "test-placeholder-key")
    with stand_in_amap(0.0, quota=15) as (url, served):
        assert _build(source, tmp_path, url) == 3
    output = capsys.readouterr().out
    assert "amap stopped answering after 15 of 40" in output and "cache" in output
    assert not (tmp_path / "data" / "published" / "CURRENT").exists()
    assert served[0] == 16  # the 16th was refused, and not retried: a spent quota stays spent

    with stand_in_amap(0.0) as (url, served):
        assert _build(source, tmp_path, url) == 0
        assert served[0] == ROWS - 15  # the first 15 answers came from the cache
    report = orjson.loads((tmp_path / "report.json").read_bytes())
    assert report["cache"]["hits"] == 15 and report["cache"]["misses"] == ROWS - 15

    dataset = load_current(tmp_path / "data")
    assert len(dataset) == ROWS
    divisions = load_divisions()
    for lon, lat, props in zip(dataset.lons, dataset.lats, dataset.properties, strict=True):
        assert props["geocoder"] in ("amap", "offline")
        seat = divisions[props["adcode"]]
        # The provider answered in GCJ-02; what was published is back on the WGS-84 seat.
        assert (lon, lat) == pytest.approx((seat.lon, seat.lat), abs=2e-6)

    with stand_in_amap(0.0) as (url, served):
        capsys.readouterr()
        assert _build(source, tmp_path, url) == 0
        assert served[0] == 0  # warm cache: no request at all
    assert "nothing changed" in capsys.readouterr().out
