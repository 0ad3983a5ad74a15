"""The GeoJSON form of published points: written in chunks as in one go, and read line by line
exactly as a whole-document parse reads it, whatever the text."""

import orjson
import pytest

from geo.core.errors import DatasetError
from geo.features import (
    _one_feature_per_line,
    make_feature,
    parse_feature_collection,
    serialise_feature_chunks,
    serialise_feature_collection,
)
from tests.support import point_properties


def _features(count: int) -> list[dict[str, object]]:
    features = []
    for row in range(1, count + 1):
        props = point_properties(f"p{row}", row)
        # A line break and the separator's own text inside strings must not split a feature.
        props["address"] = f"第{row}号,\n二楼 ,\\n"
        features.append(make_feature(120 + row / 1000, 30 + row / 1000, props))
    return features


def _whole(raw: bytes) -> list[object]:
    features: list[object] = orjson.loads(raw)["features"]
    return features


@pytest.mark.parametrize("count", [0, 1, 2, 7])
def test_chunks_serialise_as_one_collection_and_read_back_line_by_line(count: int) -> None:
    features = _features(count)
    raw = serialise_feature_collection(features)
    chunks = [features[:3], [], features[3:5], features[5:]]
    assert serialise_feature_chunks(chunks) == raw
    assert _one_feature_per_line(raw) == _whole(raw) == features
    lons, lats, ids, properties = parse_feature_collection(raw, where="test")
    assert list(ids) == [f"p{row}" for row in range(1, count + 1)]
    assert [dict(p) for p in properties] == [f["properties"] for f in features]
    assert lons.flags.writeable is False and len(lats) == count


def test_other_layouts_of_the_same_collection_are_parsed_whole() -> None:
    features = _features(3)
    compact = orjson.dumps({"type": "FeatureCollection", "features": features})
    indented = orjson.dumps(
        {"type": "FeatureCollection", "features": features}, option=orjson.OPT_INDENT_2
    )
    # Our head and tail, but a feature broken over lines: the pieces do not parse.
    broken = serialise_feature_collection(features).replace(b'","geometry', b'",\n"geometry', 1)
    reference = parse_feature_collection(serialise_feature_collection(features), where="test")
    for raw in (compact, indented, broken):
        if raw is not broken:
            assert _one_feature_per_line(raw) is None
        else:
            assert _one_feature_per_line(raw) is None and _whole(raw) == features
        parsed = parse_feature_collection(raw, where="test")
        assert parsed[2] == reference[2] and parsed[3] == reference[3]


def test_a_bad_feature_is_reported_with_its_position_either_way() -> None:
    features = _features(4)
    features[2]["geometry"] = {"type": "Point", "coordinates": [500.0, 30.0]}
    raw = serialise_feature_collection(features)
    with pytest.raises(DatasetError, match="feature 2: coordinates"):
        parse_feature_collection(raw, where="test")
    with pytest.raises(DatasetError, match="not valid JSON"):
        parse_feature_collection(raw[:-10] + b"\n]}\n", where="test")
