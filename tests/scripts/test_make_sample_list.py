"""data/source/sample-list.csv is the bundled sample written back out as a source list."""

from pathlib import Path

from geo.pipeline.ingest import read_source
from tests.support import REPO_DATA_DIR, load_script

script = load_script("make_sample_list")


def test_the_committed_list_is_what_the_script_writes(tmp_path: Path):
    out = tmp_path / "list.csv"
    assert script.main(["--out", str(out)]) == 0
    assert out.read_bytes() == (REPO_DATA_DIR / "source" / "sample-list.csv").read_bytes()


def test_it_reads_back_as_one_record_per_sample_point_marked_as_sample():
    result = read_source(REPO_DATA_DIR / "source" / "sample-list.csv")
    assert len(result.records) == result.rows_read == 3182
    assert all("样例" in record.address for record in result.records)
    assert not any(record.phones or record.contact for record in result.records)
