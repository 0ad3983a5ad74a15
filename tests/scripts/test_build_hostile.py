"""scripts/build_index.py against hostile and careless input (issue 14).

Bombs run as real subprocesses under a 1.5 GB address-space cap and a timeout, so a regression
fails here instead of swapping the machine. Every case checks what ops see (exit status, one
clear line, no traceback) and that the served version is untouched.
"""

import os
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from geo.dataset import load_current, published_dir, read_current_version
from tests.scripts import hostile_files as hostile
from tests.support import REPO_DATA_DIR, load_script, publish_points

build_index = load_script("build_index")
SCRIPT = REPO_DATA_DIR.parent / "scripts" / "build_index.py"
MEMORY_CAP = 1536 * 1024 * 1024
DOCUMENTED_EXITS = {0, 1, 2, 3, 4, 70}


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def run_capped(*args: str | Path, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XUNQIN_")}
    # BLAS reserves address space per thread: on a many-core runner that alone would hit the cap.
    env |= {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, args), "--no-progress"],
        preexec_fn=_cap_memory, capture_output=True, text=True, timeout=timeout, env=env,
    )  # fmt: skip


def tree(data_dir: Path) -> dict[str, bytes]:
    """Every published file and its bytes (a served version must stay byte for byte)."""
    root = published_dir(data_dir)
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.name != ".build.lock"
    }


@pytest.fixture
def served(tmp_path: Path) -> Path:
    """A data directory serving a real (not sample) 4-point version 'served'."""
    data_dir = tmp_path / "data"
    publish_points(data_dir, [125.0, 125.1, 125.2, 125.3], [44.0, 44.1, 44.2, 44.3],
                   ["p-a", "p-b", "p-c", "p-d"], version="served", sample=False)  # fmt: skip
    return data_dir


BOMBS: list[tuple[str, Callable[[], bytes], str]] = [
    # (name, maker, words the message must hold)
    ("merge", hostile.merge_bomb, "merged range D3:XFD1048576"),
    ("far-corner", lambda: hostile.far_cell("XFD1048576"), "cell XFD1048576"),
    ("far-row", lambda: hostile.far_cell("Z200000"), "cell Z200000"),
    ("huge-cell", hostile.huge_cell, "cell D3 holds 10,000,000 characters"),
    ("huge-member", lambda: hostile.padded_member(200 * 1024 * 1024), "unpacks to 200 MiB"),
    ("zip-bomb", lambda: hostile.padded_member(20 * 1024 * 1024, level=9), ":1 (at most 200:1)"),
    ("million-rows", hostile.million_rows, "over 8,000,000 XML tags"),
    ("rows-over-cap", lambda: hostile.million_rows(120_000), "cell A100001"),
]


@pytest.mark.parametrize(("name", "make", "expected"), BOMBS, ids=[b[0] for b in BOMBS])
def test_spreadsheet_bombs_are_refused_fast_in_bounded_memory(
    served: Path, tmp_path: Path, name: str, make: Callable[[], bytes], expected: str
):
    source = hostile.write(tmp_path, f"{name}.xlsx", make())
    before = tree(served)
    done = run_capped(source, "--data-dir", served, timeout=60)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "MemoryError" not in done.stdout + done.stderr
    (line,) = [line for line in done.stdout.splitlines() if line.startswith("error:")]
    assert expected in line and str(source) in line and "refused" in line
    # Caps on cells name the sheet; caps on the zip container name the member.
    assert "sheet '名单'" in line or "'xl/worksheets/sheet1.xml'" in line
    assert tree(served) == before


def test_blank_formatting_far_out_does_not_stop_a_real_list(served: Path, tmp_path: Path, capsys):
    # A styled but empty cell at XFD1048576 (someone formatted whole rows): the list still reads.
    source = hostile.write(tmp_path, "list.xlsx", hostile.far_cell("XFD1048576", value=False))
    assert build_index.main([str(source), "--data-dir", str(served), "--no-progress",
                             "--force", "--version", "formatted"]) == 0  # fmt: skip
    assert "published formatted" in capsys.readouterr().out
    assert load_current(served).manifest.points == 3


def test_an_unexpected_failure_is_its_own_exit_status_with_one_line(
    served: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
):
    def exhausted(path: object) -> object:
        raise MemoryError("simulated exhaustion")

    monkeypatch.setattr(build_index, "read_source", exhausted)
    source = hostile.write(tmp_path, "list.xlsx", hostile.small_workbook())
    assert build_index.main([str(source), "--data-dir", str(served), "--no-progress"]) == 70
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    assert "unexpected failure (MemoryError: simulated exhaustion)" in captured.err
    with pytest.raises(MemoryError):
        build_index.main([str(source), "--data-dir", str(served), "--no-progress", "--debug"])
    assert read_current_version(served) == "served"


def test_a_data_dir_that_is_a_file_is_an_unexpected_failure_not_refused(tmp_path: Path):
    # A real OSError nothing expects: exit 70 and one line, where it used to be a traceback and 1.
    (tmp_path / "data").write_text("not a directory")
    source = hostile.write(tmp_path, "list.xlsx", hostile.small_workbook())
    done = run_capped(source, "--data-dir", tmp_path / "data")
    assert done.returncode == 70 and "Traceback" not in done.stderr
    assert done.stderr.startswith("error: unexpected failure (") and done.stderr.count("\n") == 1


def test_help_documents_every_exit_status():
    done = subprocess.run([sys.executable, str(SCRIPT), "--help"], capture_output=True, text=True)
    assert done.returncode == 0
    listed = {int(line.split()[0]) for line in done.stdout.split("exit status:")[1].splitlines()
              if line.strip()[:1].isdigit()}  # fmt: skip
    assert listed == DOCUMENTED_EXITS
