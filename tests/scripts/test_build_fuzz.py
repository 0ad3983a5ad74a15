"""Fuzzing scripts/build_index.py with mutated real lists (issue 14, "Done when").

Seeds: the first 40 lines of data/source/sample-list.csv, and the two-sheet workbook of
test_build_index.py (merged cells, a title row, a note). Mutations: byte flips, truncation,
edits inside one zip member (re-zipped), and cell text replaced by arbitrary text. Whatever
comes in, the build must end with a documented status, print no traceback, publish nothing or a
whole version that loads, and never touch the version being served.
"""

import contextlib
import io
import re
import shutil
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.dataset import CURRENT_NAME, load_current, published_dir, read_current_version
from tests.scripts.test_build_index import _messy_workbook
from tests.support import REPO_DATA_DIR, load_script, publish_points

build_index = load_script("build_index")
EXPECTED_EXITS = {0, 1, 2}  # offline: no geocoder stop (3); publishing (4) or a crash (70) is a bug
FUZZ = settings(
    max_examples=25,
    deadline=None,  # each example is a whole build (~0.5 s); the total stays under a minute
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("fuzz")
    lines = (REPO_DATA_DIR / "source" / "sample-list.csv").read_bytes().splitlines(True)[:40]
    workbook = root / "seed.xlsx"
    _messy_workbook(workbook)
    template = root / "data"
    publish_points(template, [125.0, 125.1], [44.0, 44.1], ["p-a", "p-b"], version="served",
                   sample=False)  # fmt: skip
    return {"csv": b"".join(lines), "xlsx": workbook.read_bytes(), "template": template}


def _flip(raw: bytes, data: st.DataObject) -> bytes:
    mutated = bytearray(raw)
    for _ in range(data.draw(st.integers(1, 8), label="flips")):
        at = data.draw(st.integers(0, len(mutated) - 1), label="at")
        mutated[at] ^= data.draw(st.integers(1, 255), label="xor")
    return bytes(mutated)


def _truncate(raw: bytes, data: st.DataObject) -> bytes:
    return raw[: data.draw(st.integers(0, len(raw) - 1), label="cut")]


def _text_edit(text: str, data: st.DataObject, pattern: str) -> str:
    """Replace one cell's text (a regex match in the CSV or sheet XML) with arbitrary text."""
    matches = list(re.finditer(pattern, text))
    if not matches:
        return text
    chosen = matches[data.draw(st.integers(0, len(matches) - 1), label="cell")]
    new = data.draw(st.text(max_size=40) | st.sampled_from(["", "\x00", "0" * 400, '"', "&#0;"]))
    return text[: chosen.start(1)] + new + text[chosen.end(1) :]


def mutate_csv(raw: bytes, data: st.DataObject) -> bytes:
    how = data.draw(st.sampled_from(["flip", "truncate", "cell"]), label="how")
    if how == "flip":
        return _flip(raw, data)
    if how == "truncate":
        return _truncate(raw, data)
    text = _text_edit(raw.decode("utf-8-sig"), data, r"(?m)(?<=,)([^,\n]*)")
    encoding = data.draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]), label="encoding")
    return text.encode(encoding, errors="replace")


def mutate_xlsx(raw: bytes, data: st.DataObject) -> bytes:
    how = data.draw(st.sampled_from(["flip", "truncate", "member", "cell"]), label="how")
    if how == "flip":
        return _flip(raw, data)
    if how == "truncate":
        return _truncate(raw, data)
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    if how == "member":
        name = data.draw(st.sampled_from(sorted(files)), label="member")
        edit = data.draw(st.sampled_from([_flip, _truncate]), label="edit")
        files[name] = edit(files[name], data) if files[name] else files[name]
    else:
        name = "xl/worksheets/sheet1.xml"
        files[name] = _text_edit(files[name].decode(), data, r"<t[^>]*>([^<]*)</t>").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, content in files.items():
            archive.writestr(member, content)
    return buffer.getvalue()


def _build_and_check(template: Path, name: str, raw: bytes, force: bool) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = Path(scratch) / "data"
        shutil.copytree(template, data_dir)
        served_dir = published_dir(data_dir) / "served"
        served_before = {p.name: p.read_bytes() for p in served_dir.iterdir()}
        source = Path(scratch) / name
        source.write_bytes(raw)
        args = [str(source), "--data-dir", str(data_dir), "--no-progress", "--version", "fuzzed"]
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = build_index.main(args + (["--force"] if force else []))
        said = out.getvalue() + err.getvalue()
        assert status in EXPECTED_EXITS, said
        assert "Traceback" not in said, said
        assert {p.name: p.read_bytes() for p in served_dir.iterdir()} == served_before
        root = published_dir(data_dir)
        versions = sorted(p.name for p in root.iterdir() if p.is_dir())
        if status == 0 and read_current_version(data_dir) == "fuzzed":
            assert versions == ["fuzzed", "served"]
            dataset = load_current(data_dir)  # whole and valid: checksums, every field
            assert dataset.manifest.points == len(dataset) > 0
        else:
            assert (root / CURRENT_NAME).read_text() == "served\n", said
            assert versions == ["served"], said


@FUZZ
@given(data=st.data(), force=st.booleans())
def test_mutated_csv_lists_never_crash_or_half_publish(seeds: dict[str, object], data, force):
    raw = mutate_csv(seeds["csv"], data)  # type: ignore[arg-type]
    _build_and_check(seeds["template"], "list.csv", raw, force)  # type: ignore[arg-type]


@FUZZ
@given(data=st.data(), force=st.booleans())
def test_mutated_workbooks_never_crash_or_half_publish(seeds: dict[str, object], data, force):
    raw = mutate_xlsx(seeds["xlsx"], data)  # type: ignore[arg-type]
    _build_and_check(seeds["template"], "list.xlsx", raw, force)  # type: ignore[arg-type]
