"""scripts/make_synthetic_dataset.py: N made-up points, marked as sample data everywhere."""

from pathlib import Path

import numpy as np
import orjson

from geo.dataset import COORDINATE_DECIMALS, MANIFEST_NAME, load_current, published_dir
from geo.packed import PACKED_NAME
from scripts import make_synthetic_dataset as synthetic
from tests.support import publish_points


def test_publishes_n_sample_points_with_their_sidecar(tmp_path: Path, capsys) -> None:
    assert synthetic.main(["--points", "500", "--data-dir", str(tmp_path), "--seed", "7"]) == 0
    assert "published synthetic-500-7: 500 synthetic SAMPLE points" in capsys.readouterr().out
    dataset = load_current(tmp_path)
    assert dataset.packed is not None and len(dataset) == 500
    manifest = dataset.manifest
    assert manifest.sample is True and manifest.packed == PACKED_NAME
    assert "SAMPLE" in manifest.notes and "样例" in manifest.source
    for props in dataset.properties:
        assert "样例数据" in props["name"] and "样例数据" in props["address"]
        assert props["contact"] is None and props["phones"] == [] and props["phone_text"] == ""
    # The benchmarks' distribution (bench/ imports it from the script), point for point,
    # rounded as every published point is.
    lons, lats = synthetic.china_like_points(500, 7)
    assert dataset.lons.tolist() == np.round(lons, COORDINATE_DECIMALS).tolist()
    assert dataset.lats.tolist() == np.round(lats, COORDINATE_DECIMALS).tolist()
    assert len(set(dataset.ids)) == 500


def test_without_sidecar_publishes_the_geojson_only(tmp_path: Path) -> None:
    argv = ["--points", "20", "--data-dir", str(tmp_path), "--without-sidecar", "--version", "g"]
    assert synthetic.main(argv) == 0
    directory = published_dir(tmp_path) / "g"
    assert not (directory / PACKED_NAME).exists()
    assert "packed" not in orjson.loads((directory / MANIFEST_NAME).read_bytes())
    assert load_current(tmp_path).packed is None


def test_never_displaces_a_real_dataset(tmp_path: Path, capsys) -> None:
    publish_points(tmp_path, [125.3], [43.8], ["real"], version="official-1", sample=False)
    assert synthetic.main(["--points", "10", "--data-dir", str(tmp_path)]) == 1
    assert "which is not sample data" in capsys.readouterr().err
    assert load_current(tmp_path).manifest.version == "official-1"
    assert sorted(p.name for p in published_dir(tmp_path).iterdir()) == ["CURRENT", "official-1"]


def test_refuses_an_existing_version_and_replaces_an_older_sample(tmp_path: Path, capsys) -> None:
    argv = ["--points", "10", "--data-dir", str(tmp_path), "--version", "s"]
    assert synthetic.main(argv) == 0
    assert synthetic.main(argv) == 1
    assert "already published" in capsys.readouterr().err
    assert synthetic.main(["--points", "12", "--data-dir", str(tmp_path)]) == 0
    assert len(load_current(tmp_path)) == 12  # a sample may follow a sample
