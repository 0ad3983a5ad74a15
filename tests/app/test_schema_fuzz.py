"""schemathesis against the service's own OpenAPI schema: no 5xx, no schema violations.

A small, seeded, deterministic budget so CI is repeatable; `scripts/fuzz_api.py` runs the same
checks with a larger budget. GET /nearest runs on its own with schemathesis-nearest.toml: its
schema cannot say "lat and lon, or address", so there a 422 for schema-valid data is expected;
every other operation keeps the default checks.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.main import create_app
from app.settings import Settings
from tests.support import REPO_DATA_DIR, live_server

REPO = REPO_DATA_DIR.parent
RUNS = [
    # (extra options before `run`, operation filter, operations expected)
    (["--config-file", str(REPO / "schemathesis-nearest.toml")],
     ["--include-path-regex", "^/nearest$"], 1),
    ([], ["--exclude-path-regex", "^/nearest$"], 6),  # /admin/reload absent without a token
]  # fmt: skip


@pytest.mark.parametrize(("config", "operations", "expected"), RUNS)
def test_every_operation_conforms_to_its_schema(
    tmp_path: Path, config: list[str], operations: list[str], expected: int
):
    cli = Path(sys.executable).with_name("schemathesis")
    if not cli.exists() and shutil.which("schemathesis") is None:
        pytest.fail("schemathesis is not installed (it is in the test extra)")
    with live_server(create_app(Settings(data_dir=REPO_DATA_DIR))) as url:
        done = subprocess.run(
            [str(cli) if cli.exists() else "schemathesis", *config,
             "run", f"{url}/openapi.json", *operations,
             "--checks", "all", "--max-examples", "40", "--seed", "20220701",
             "--generation-deterministic", "--workers", "1"],
            capture_output=True, text=True, timeout=600, cwd=tmp_path,
        )  # fmt: skip
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert f"Tested: {expected}" in done.stdout  # every operation was exercised, not skipped
