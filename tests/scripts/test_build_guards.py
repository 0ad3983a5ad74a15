"""The guards of scripts/build_index.py that a hurried operator leans on (issue 14): strict
version names, the loss guard when CURRENT does not load, and the overrides file."""

from pathlib import Path

import orjson
import pytest

from geo.core.errors import DatasetError
from geo.dataset import (
    CURRENT_NAME,
    GEOJSON_NAME,
    MANIFEST_NAME,
    load_current,
    load_version,
    published_dir,
    read_current_version,
)
from geo.pipeline.versions import prune_versions
from tests.scripts.test_build_hostile import tree
from tests.support import load_script, publish_points

build_index = load_script("build_index")

ONE_POINT = "单位名称,地址,联系电话\n九台区公安分局,长春市九台区示例街1号,0431-2000005\n"
CONTROL_CHARACTERS = [chr(code) for code in (*range(0x20), 0x7F)]


def _run(*args: str | Path) -> int:
    return int(build_index.main([str(a) for a in args] + ["--no-progress"]))


@pytest.fixture
def served(tmp_path: Path) -> Path:
    """Three real versions, 'v3' (4 points) current; a one-point list beside it."""
    data_dir = tmp_path / "data"
    lons, lats = [125.0, 125.1, 125.2, 125.3], [44.0, 44.1, 44.2, 44.3]
    for version in ("v1", "v2", "v3"):
        ids = [f"{version}-{n}" for n in range(4)]
        publish_points(data_dir, lons, lats, ids, version=version, sample=False)
    (tmp_path / "one.csv").write_text(ONE_POINT, encoding="utf-8")
    return data_dir


# ---- version names ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [f"v9{c}" for c in CONTROL_CHARACTERS] + [f"v{c}9" for c in CONTROL_CHARACTERS] + ["v9\n"],
    ids=lambda name: repr(name),
)
def test_a_version_name_with_a_control_character_is_refused_and_writes_nothing(
    served: Path, name: str, capsys
):
    before = tree(served)
    reports = served / "reports"
    assert _run(served.parent / "one.csv", "--data-dir", served, "--version", name,
                "--force", "--keep", "1") == 2  # fmt: skip
    output = capsys.readouterr().out
    assert f"{name!r} is not a valid version name" in output and "nothing was written" in output
    assert "published" not in output.replace("published/", "")
    assert tree(served) == before  # no version written, none pruned, CURRENT unchanged
    assert not reports.exists() or not any(reports.iterdir())
    with pytest.raises(DatasetError, match="not a valid version name"):
        load_version(served, name)
    assert _run("--rollback", name, "--data-dir", served) == 2
    assert read_current_version(served) == "v3"


def test_pruning_leaves_alone_a_directory_that_is_not_a_valid_version(served: Path):
    # What a build before the fix left behind: a version stored as "v0\n", oldest of all.
    root = published_dir(served)
    stray = root / "v0\n"
    stray.mkdir()
    manifest = orjson.loads((root / "v1" / MANIFEST_NAME).read_bytes())
    manifest.update(version="v0\n", built_at="2000-01-01T00:00:00+00:00")
    (stray / MANIFEST_NAME).write_bytes(orjson.dumps(manifest))
    (stray / GEOJSON_NAME).write_bytes((root / "v1" / GEOJSON_NAME).read_bytes())

    assert prune_versions(served, keep=1) == ["v1", "v2"]
    assert stray.is_dir() and sorted(p.name for p in root.iterdir() if p.is_dir()) == [
        "v0\n",
        "v3",
    ]


# ---- the loss guard -----------------------------------------------------------------------


def test_a_broken_current_is_compared_with_the_newest_version_that_loads(served: Path, capsys):
    points = published_dir(served) / "v3" / GEOJSON_NAME
    points.write_bytes(points.read_bytes().replace(b"125.3", b"125.4"))  # sha256 no longer fits
    assert _run(served.parent / "one.csv", "--data-dir", served) == 1
    output = capsys.readouterr().out
    assert "published/CURRENT does not load" in output and "comparing with v2" in output
    assert "refused: 4 of 4 current points (100%) would disappear" in output
    assert read_current_version(served) == "v3"

    assert _run(served.parent / "one.csv", "--data-dir", served, "--force",
                "--version", "mended") == 0  # fmt: skip
    assert load_current(served).manifest.points == 1


def test_when_no_version_loads_only_force_publishes(served: Path, capsys):
    root = published_dir(served)
    for version in ("v1", "v2", "v3"):
        (root / version / GEOJSON_NAME).write_bytes(b"{}")
    (root / CURRENT_NAME).write_text("v3\n")
    assert _run(served.parent / "one.csv", "--data-dir", served) == 1
    output = capsys.readouterr().out
    assert "no other published version loads" in output and "--force" in output
    assert read_current_version(served) == "v3"
    assert _run(served.parent / "one.csv", "--data-dir", served, "--force") == 0


def test_current_naming_a_missing_version_still_guards(served: Path, capsys):
    (published_dir(served) / CURRENT_NAME).write_text("gone\n")
    assert _run(served.parent / "one.csv", "--data-dir", served) == 1
    assert "comparing with v3" in capsys.readouterr().out


# ---- the overrides file -------------------------------------------------------------------

OVERRIDE = ",长春市九台区示例街1号,125.9,44.2,wgs84,测试：人工核对（示例）\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_overrides_in_the_encodings_excel_writes_are_applied(tmp_path: Path, encoding: str, capsys):
    overrides = tmp_path / "overrides.csv"
    overrides.write_bytes(("id,address,lon,lat,crs,note\n" + OVERRIDE).encode(encoding))
    (tmp_path / "one.csv").write_text(ONE_POINT, encoding="utf-8")
    assert _run(tmp_path / "one.csv", "--data-dir", tmp_path / "data",
                "--overrides", overrides) == 0  # fmt: skip
    (props,) = load_current(tmp_path / "data").properties
    assert props["geocoder"] == "override" and props["precision"] == "exact"


def test_a_bad_overrides_line_is_reported_by_line_and_the_rest_applies(tmp_path: Path, capsys):
    overrides = tmp_path / "overrides.csv"
    long_note = "长" * 200_000
    overrides.write_text(
        f'id,address,lon,lat,crs,note\nx-1,,125.1,44.1,wgs84,"{long_note}"\n' + OVERRIDE,
        encoding="gbk",
    )
    (tmp_path / "one.csv").write_text(ONE_POINT, encoding="utf-8")
    assert _run(tmp_path / "one.csv", "--data-dir", tmp_path / "data",
                "--overrides", overrides) == 0  # fmt: skip
    output = capsys.readouterr().out
    assert "overrides line 2: not applied" in output and "field larger than field limit" in output
    assert load_current(tmp_path / "data").properties[0]["geocoder"] == "override"


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda path: path.mkdir(), "is a directory"),
        (lambda path: None, "no such file"),
        (lambda path: path.write_bytes(b"id,address,lon,lat,crs,note\n\x80\xff\n"), "GB18030"),
        (lambda path: path.write_bytes(b"id,address,lon,lat,crs,note\n" + b"x\x00" * 5000), "NUL"),
    ],
    ids=["directory", "missing", "undecodable", "nul"],
)
def test_an_explicit_overrides_path_that_cannot_be_read_is_an_input_error(
    tmp_path: Path, make, expected: str, capsys
):
    overrides = tmp_path / "fixes.csv"
    make(overrides)
    (tmp_path / "one.csv").write_text(ONE_POINT, encoding="utf-8")
    assert _run(tmp_path / "one.csv", "--data-dir", tmp_path / "data",
                "--overrides", overrides) == 2  # fmt: skip
    output = capsys.readouterr().out
    assert "error: cannot read the overrides" in output and expected in output
    assert not (tmp_path / "data" / "published" / CURRENT_NAME).exists()


def test_the_default_overrides_file_may_be_absent(tmp_path: Path):
    (tmp_path / "one.csv").write_text(ONE_POINT, encoding="utf-8")
    assert _run(tmp_path / "one.csv", "--data-dir", tmp_path / "data") == 0
    assert load_current(tmp_path / "data").properties[0]["geocoder"] == "offline"
