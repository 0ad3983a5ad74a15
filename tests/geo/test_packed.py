"""The packed sidecar: what it holds, that it is mapped read-only, and that a sidecar which
cannot be trusted (altered, truncated, of another format, missing) is never served."""

import hashlib
import logging
import mmap
from pathlib import Path

import numpy as np
import orjson
import pytest

from geo.core.errors import PublishError
from geo.dataset import (
    GEOJSON_NAME,
    MANIFEST_NAME,
    load_version,
    make_feature,
    parse_feature_collection,
    publish_dataset,
    published_dir,
)
from geo.packed import FORMAT_VERSION, MAGIC, PACKED_NAME, Packed, PackError, pack
from tests.support import REPO_DATA_DIR, point_properties

# Ids chosen so byte order, code point order and numpy's fixed-width padding all matter.
IDS = ["长春-2", "b", "a", "长春-10", "é", "Z", "ａ", "ab"]
SAMPLE_VERSION = "sample-20251231"


def _features(ids: list[str]) -> list[dict[str, object]]:
    rng = np.random.default_rng(5)
    features = []
    for row, point_id in enumerate(ids, start=1):
        unlocated = row % 3 == 0
        props = point_properties(
            point_id,
            row,
            precision="province" if unlocated else "county",
            city=None if row % 4 == 0 else "长春市",
            adcode=f"2201{row:02d}",
        )
        features.append(make_feature(rng.uniform(120, 130), rng.uniform(40, 46), props))
    return features


def _publish(data_dir: Path, version: str = "v1", *, ids: list[str] = IDS) -> Path:
    publish_dataset(
        data_dir, _features(ids), version=version, source="tests", sample=True,
        builder="tests", packed=True,
    )  # fmt: skip
    return published_dir(data_dir) / version


def _rewrite_sidecar(directory: Path, data: bytes) -> None:
    """Replace the sidecar and make the manifest's checksum agree, as a buggy writer might."""
    (directory / PACKED_NAME).write_bytes(data)
    manifest = orjson.loads((directory / MANIFEST_NAME).read_bytes())
    manifest["packed_sha256"] = hashlib.sha256(data).hexdigest()
    (directory / MANIFEST_NAME).write_bytes(orjson.dumps(manifest))


def test_the_sidecar_holds_what_the_geojson_says(tmp_path: Path) -> None:
    directory = _publish(tmp_path)
    raw = (directory / GEOJSON_NAME).read_bytes()
    lons, lats, ids, properties = parse_feature_collection(raw, where="test")
    dataset = load_version(tmp_path, "v1")
    assert dataset.packed is not None
    packed = dataset.packed
    assert packed.lons.tolist() == lons.tolist() and packed.lats.tolist() == lats.tolist()
    assert list(dataset.ids) == list(ids) == IDS
    assert [dict(p) for p in dataset.properties] == [dict(p) for p in properties]
    assert dataset.records() == tuple(type(r).from_properties(p) for r, p in
                                      zip(dataset.records(), properties, strict=True))  # fmt: skip
    assert packed.located.tolist() == [p["precision"] != "province" for p in properties]
    # Ids sort by code point, as Python sorts str.
    assert [IDS[i] for i in packed.id_order.tolist()] == sorted(IDS)
    assert [packed.position_of(point_id) for point_id in IDS] == list(range(len(IDS)))
    assert packed.position_of("长春") is None and packed.position_of("ab\x00") is None
    assert packed.position_of("长春-100") is None  # longer than any id: never cut to fit
    assert [s.decode() for s in packed.cities.tolist()] == [p["city"] or "" for p in properties]
    browse = sorted(range(len(IDS)), key=lambda i: (properties[i]["adcode"], IDS[i]))
    assert packed.browse_order.tolist() == browse


def test_the_sidecar_is_mapped_read_only(tmp_path: Path) -> None:
    _publish(tmp_path)
    packed = load_version(tmp_path, "v1").packed
    assert packed is not None
    assert isinstance(packed._buffer, mmap.mmap)  # pages of the file, shared between workers
    with pytest.raises(ValueError, match="read-only"):
        packed.lons[0] = 0.0
    with pytest.raises(TypeError):
        packed._buffer[0] = 0  # the map itself refuses writes


def test_an_id_ending_in_nul_cannot_be_packed_and_is_refused_at_publish(tmp_path: Path) -> None:
    with pytest.raises(PublishError, match="NUL"):
        _publish(tmp_path, ids=["a", "b\x00"])
    assert not published_dir(tmp_path).joinpath("v1").exists()


def test_a_version_without_a_sidecar_still_loads_and_keeps_its_manifest(tmp_path, caplog):
    """The committed sample predates the sidecar; its manifest is written as it always was."""
    caplog.set_level(logging.INFO, logger="xunqin.dataset")
    dataset = load_version(REPO_DATA_DIR, SAMPLE_VERSION)
    assert dataset.packed is None and len(dataset) == 3182
    assert "has no sidecar" in caplog.text
    committed = orjson.loads((published_dir(REPO_DATA_DIR) / SAMPLE_VERSION / MANIFEST_NAME)
                             .read_bytes())  # fmt: skip
    assert dataset.manifest.to_json() == committed
    assert "packed" not in committed


def _altered(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        ("flipped byte", "sha256 is"),
        ("truncated", "sha256 is"),
        ("deleted", "cannot read"),
    ],
)
def test_a_damaged_sidecar_is_never_served_the_geojson_is(tmp_path, caplog, damage, reason):
    directory = _publish(tmp_path)
    expected = load_version(tmp_path, "v1")
    sidecar = directory / PACKED_NAME
    data = sidecar.read_bytes()
    if damage == "flipped byte":
        sidecar.write_bytes(_altered(data))
    elif damage == "truncated":
        sidecar.write_bytes(data[: len(data) // 3])
    else:
        sidecar.unlink()
    caplog.set_level(logging.WARNING, logger="xunqin.dataset")
    dataset = load_version(tmp_path, "v1")
    assert dataset.packed is None  # read from points.geojson
    assert list(dataset.ids) == list(expected.ids)
    assert dataset.lons.tolist() == expected.lons.tolist()
    [record] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert reason in record.getMessage() and "reading points.geojson instead" in record.getMessage()


def test_a_sidecar_that_passes_the_checksum_but_is_wrong_is_still_refused(tmp_path, caplog):
    """A writer's bug, not a disk's: the checksum agrees, the structure does not."""
    directory = _publish(tmp_path)
    data = (directory / PACKED_NAME).read_bytes()
    newer = MAGIC + (FORMAT_VERSION + 1).to_bytes(4, "little") + data[len(MAGIC) + 4 :]
    cases = {
        "format version": (newer, f"format version {FORMAT_VERSION + 1}"),
        "truncated": (data[: len(data) - 100], "runs past the end"),
        "not a sidecar": (b"PK\x03\x04" + data[4:], "bad magic"),
        "another dataset": (
            pack([1.0], [2.0], ["x"], [{"id": "x"}], geojson_sha256="0" * 64),
            "another points.geojson",
        ),
    }
    caplog.set_level(logging.WARNING, logger="xunqin.dataset")
    for name, (bad, reason) in cases.items():
        _rewrite_sidecar(directory, bad)
        caplog.clear()
        dataset = load_version(tmp_path, "v1")
        assert dataset.packed is None, name
        assert list(dataset.ids) == IDS, name
        assert reason in caplog.text, name


def test_a_sidecar_whose_offsets_disagree_with_its_blob_is_refused() -> None:
    data = bytearray(pack([1.0, 2.0], [3.0, 4.0], ["a", "b"], [{"id": "a"}, {"id": "b"}],
                          geojson_sha256=""))  # fmt: skip
    header_length = int.from_bytes(data[len(MAGIC) + 4 : len(MAGIC) + 8], "little")
    header = orjson.loads(bytes(data[len(MAGIC) + 8 : len(MAGIC) + 8 + header_length]))
    offsets_at = len(MAGIC) + 8 + header_length + header["sections"]["props_offsets"]["offset"]
    data[offsets_at + 16 : offsets_at + 24] = (10**6).to_bytes(8, "little")  # the end offset
    with pytest.raises(PackError, match="does not match its offsets"):
        Packed(bytes(data), where="test")


def test_the_manifest_covers_the_sidecar_and_the_geojson_is_unchanged(tmp_path: Path) -> None:
    with_sidecar = _publish(tmp_path / "a")
    publish_dataset(tmp_path / "b", _features(IDS), version="v1", source="tests", sample=True,
                    builder="tests")  # fmt: skip
    without = published_dir(tmp_path / "b") / "v1"
    manifest = orjson.loads((with_sidecar / MANIFEST_NAME).read_bytes())
    sidecar = (with_sidecar / PACKED_NAME).read_bytes()
    assert manifest["packed"] == PACKED_NAME
    assert manifest["packed_sha256"] == hashlib.sha256(sidecar).hexdigest()
    assert (with_sidecar / GEOJSON_NAME).read_bytes() == (without / GEOJSON_NAME).read_bytes()
    assert sorted(p.name for p in without.iterdir()) == [MANIFEST_NAME, GEOJSON_NAME]
    # Packing is deterministic: the same points give the same sidecar.
    lons, lats, ids, properties = parse_feature_collection(
        (with_sidecar / GEOJSON_NAME).read_bytes(), where="test"
    )
    assert pack(lons, lats, ids, properties, geojson_sha256=manifest["sha256"]) == sidecar
