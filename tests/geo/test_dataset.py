"""Published dataset format: round trip, validation, atomic publishing, clear errors."""

import hashlib
import json
from pathlib import Path

import pytest

from geo.core.errors import DatasetError, PublishError
from geo.dataset import (
    CURRENT_NAME,
    GEOJSON_NAME,
    MANIFEST_NAME,
    PROPERTY_TYPES,
    PointRecord,
    load_current,
    load_version,
    make_feature,
    publish_dataset,
    published_dir,
    read_current_version,
)
from tests.support import point_properties, publish_points


def test_round_trip_keeps_every_property_and_coordinate(tmp_path: Path):
    publish_points(tmp_path, [125.3, 126.1], [43.8, 44.2], ["b", "a"], version="v1")
    dataset = load_current(tmp_path)
    assert dataset.manifest.version == "v1"
    assert dataset.manifest.points == 2
    assert dataset.manifest.sample is True
    assert dataset.ids == ("b", "a")
    assert dataset.lons.tolist() == [125.3, 126.1]
    assert dataset.properties[1] == point_properties("a", 2)
    raw = (published_dir(tmp_path) / "v1" / GEOJSON_NAME).read_bytes()
    assert dataset.manifest.sha256 == hashlib.sha256(raw).hexdigest()
    assert json.loads(raw)["type"] == "FeatureCollection"


def test_publishing_flips_current_and_keeps_older_versions(tmp_path: Path):
    publish_points(tmp_path, [125.3], [43.8], ["a"], version="v1")
    publish_points(tmp_path, [125.3, 126.0], [43.8, 44.0], ["a", "b"], version="v2")
    assert read_current_version(tmp_path) == "v2"
    assert len(load_version(tmp_path, "v1")) == 1
    leftovers = [p.name for p in published_dir(tmp_path).iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_an_invalid_dataset_is_never_published(tmp_path: Path):
    publish_points(tmp_path, [125.3], [43.8], ["a"], version="v1")
    bad = make_feature(125.3, 95.0, point_properties("b", 1))  # latitude beyond the pole
    with pytest.raises(PublishError, match=r"out of range"):
        publish_dataset(tmp_path, [bad], version="v2", source="t", sample=True, builder="t")
    assert read_current_version(tmp_path) == "v1"
    assert not (published_dir(tmp_path) / "v2").exists()


def test_republishing_a_version_is_refused(tmp_path: Path):
    publish_points(tmp_path, [125.3], [43.8], ["a"], version="v1")
    with pytest.raises(PublishError, match="already published"):
        publish_points(tmp_path, [125.3], [43.8], ["a"], version="v1")


def corrupt_geojson(version_dir: Path) -> None:
    path = version_dir / GEOJSON_NAME
    path.write_bytes(path.read_bytes().replace(b"125.3", b"125.4"))


def truncate_geojson(version_dir: Path) -> None:
    path = version_dir / GEOJSON_NAME
    path.write_bytes(path.read_bytes()[:40])


def drop_manifest(version_dir: Path) -> None:
    (version_dir / MANIFEST_NAME).unlink()


def garble_manifest(version_dir: Path) -> None:
    (version_dir / MANIFEST_NAME).write_text("{not json")


def miscount_manifest(version_dir: Path) -> None:
    path = version_dir / MANIFEST_NAME
    manifest = json.loads(path.read_text())
    manifest["points"] = 3
    path.write_text(json.dumps(manifest))


def point_current_nowhere(version_dir: Path) -> None:
    (version_dir.parent / CURRENT_NAME).write_text("v9\n")


def point_current_outside(version_dir: Path) -> None:
    (version_dir.parent / CURRENT_NAME).write_text("../../etc\n")


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (corrupt_geojson, "sha256"),  # one digit changed after publishing
        (truncate_geojson, "sha256"),  # a half-copied file
        (drop_manifest, "manifest.json does not exist"),
        (garble_manifest, "not valid JSON"),
        (miscount_manifest, "manifest says 3"),
        (point_current_nowhere, "does not exist"),  # CURRENT names a missing version
        (point_current_outside, "not a valid version name"),  # no path traversal
    ],
)
def test_damaged_datasets_fail_with_a_message_naming_the_problem(tmp_path: Path, damage, message):
    publish_points(tmp_path, [125.3, 126.0], [43.8, 44.0], ["a", "b"], version="v1")
    damage(published_dir(tmp_path) / "v1")
    with pytest.raises(DatasetError, match=message):
        load_current(tmp_path)


def test_missing_current_says_how_to_publish(tmp_path: Path):
    with pytest.raises(DatasetError, match="no published dataset"):
        load_current(tmp_path)


def test_a_point_record_round_trips_through_its_properties():
    props = point_properties("a", 2, phones=["0431-1"], sheet="吉林", warnings=["w"])
    record = PointRecord.from_properties(props)
    assert record.phones == ("0431-1",) and record.sheet == "吉林"
    assert record.to_properties() == props
    assert list(record.to_properties()) == list(props)  # key order: the bytes published
    assert "sheet" not in PointRecord.from_properties(point_properties("b", 1)).to_properties()
    assert set(PROPERTY_TYPES) < set(props)  # required ones; note, geocoder, ... are optional


MERGED = {
    "contact": "测试联系人（占位）",
    "phones": ["010-6000001", "010-6000002"],
    "phone_text": "010-6000001 | 010-6000002",
    "source_rows": [4, 9],
    "contacts": [
        {"contact": None, "phones": ["010-6000001"], "phone_text": "010-6000001", "source_row": 4},
        {
            "contact": "测试联系人（占位）",
            "phones": ["010-6000002"],
            "phone_text": "010-6000002",
            "source_row": 9,
            "sheet": "吉林",
        },
    ],
}


def test_a_merged_point_keeps_every_rows_contact_through_publishing(tmp_path: Path):
    props = point_properties("a", 4, **MERGED)
    publish_dataset(
        tmp_path, [make_feature(125.3, 43.8, props)], version="v1", source="t", sample=True,
        builder="t",
    )  # fmt: skip
    (record,) = load_current(tmp_path).records()
    assert record.source_rows == (4, 9)
    assert [(c.source_row, c.sheet, c.phone_text) for c in record.contacts] == [
        (4, None, "010-6000001"),
        (9, "吉林", "010-6000002"),
    ]
    assert record.to_properties() == props and record.contact_rows() == record.contacts
    # A list without `contacts` still has its one row's contact, from the flat fields.
    (plain,) = PointRecord.from_properties(point_properties("b", 3, phone_text="x")).contact_rows()
    assert (plain.source_row, plain.phone_text) == (3, "x")
    assert PointRecord.from_properties(point_properties("c", 1)).contact_rows() == ()


@pytest.mark.parametrize(
    ("changed", "message"),
    [
        ({"contacts": {"contact": None}}, "'contacts' must be a list"),
        ({"contacts": [{**MERGED["contacts"][0], "phones": "010"}]}, "item 0: 'phones'"),
        ({"contacts": [{**MERGED["contacts"][0], "source_row": "4"}]}, "'source_row'"),
        ({"contacts": [{**MERGED["contacts"][0], "phone_text": None}]}, "'phone_text'"),
        ({"source_rows": [4, "9"]}, "'source_rows' must be a list of row numbers"),
    ],
)
def test_malformed_contacts_are_never_published(tmp_path: Path, changed, message):
    feature = make_feature(125.3, 43.8, point_properties("a", 4, **{**MERGED, **changed}))
    with pytest.raises(PublishError, match=message):
        publish_dataset(tmp_path, [feature], version="v1", source="t", sample=True, builder="t")
