"""schemathesis against the service's own OpenAPI schema: no 5xx, no schema violations.

A small, seeded, deterministic budget so CI is repeatable. For a longer hunt, run the same
command by hand against `make serve` with a larger --max-examples and no seed.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.main import create_app
from app.settings import Settings
from tests.support import REPO_DATA_DIR, live_server


def test_every_operation_conforms_to_its_schema(tmp_path: Path):
    cli = Path(sys.executable).with_name("schemathesis")
    if not cli.exists() and shutil.which("schemathesis") is None:
        pytest.fail("schemathesis is not installed (it is in the test extra)")
    with live_server(create_app(Settings(data_dir=REPO_DATA_DIR))) as url:
        done = subprocess.run(
            [str(cli) if cli.exists() else "schemathesis", "run", f"{url}/openapi.json",
             "--checks", "all", "--max-examples", "40", "--seed", "20220701",
             "--generation-deterministic", "--workers", "1"],
            capture_output=True, text=True, timeout=600, cwd=tmp_path,
        )  # fmt: skip
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "Tested: 7" in done.stdout  # every operation was exercised, not skipped
