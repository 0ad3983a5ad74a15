"""One published point as a GeoJSON feature: how it is written, and how it is checked on read.

A point's properties are `geo.record.PointRecord`'s fields; every required one must be
present with its JSON type, and the optional ones are checked when present.
"""

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import MISSING, fields
from types import UnionType
from typing import Any, get_args, get_origin

import numpy as np
import orjson

from geo.core.errors import DatasetError
from geo.core.geodesy import FloatArray
from geo.record import PointRecord, check_contacts, check_source_rows

COORDINATE_DECIMALS = 7  # ~1 cm; more would claim a precision no source has


def _json_types(annotation: Any) -> tuple[type, ...]:
    """The JSON value types a field's annotation admits: `str | None` -> (str, NoneType)."""
    members = get_args(annotation) if isinstance(annotation, UnionType) else (annotation,)
    return tuple(list if get_origin(member) is tuple else member for member in members)


# Property name -> allowed JSON types. Every feature carries all of them.
PROPERTY_TYPES: Mapping[str, tuple[type, ...]] = {
    f.name: _json_types(f.type) for f in fields(PointRecord) if f.default is MISSING
}
# Properties a feature may lack, checked when present: name -> what is wrong, or None.
OPTIONAL_CHECKS: Mapping[str, Callable[[Any], str | None]] = {
    "contacts": check_contacts,
    "source_rows": check_source_rows,
}


def parse_feature_collection(
    raw: bytes, *, where: str
) -> tuple[FloatArray, FloatArray, tuple[str, ...], tuple[Mapping[str, Any], ...]]:
    """Validate GeoJSON text and split it into coordinate arrays, ids and properties."""
    features: Iterable[Any] | None = _one_feature_per_line(raw)
    if features is None:
        try:
            document = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise DatasetError(f"{where}: not valid JSON ({exc})") from None
        if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
            raise DatasetError(f"{where}: not a GeoJSON FeatureCollection")
        features = document.get("features")
        if not isinstance(features, list):
            raise DatasetError(f"{where}: 'features' must be a list")

    lons_list: list[float] = []
    lats_list: list[float] = []
    ids: list[str] = []
    properties: list[Mapping[str, Any]] = []
    for position, feature in enumerate(features):
        lon, lat, props = _check_feature(feature, where=f"{where}: feature {position}")
        lons_list.append(lon)
        lats_list.append(lat)
        ids.append(props["id"])
        properties.append(props)
    lons = np.array(lons_list, dtype=np.float64)
    lats = np.array(lats_list, dtype=np.float64)
    duplicated = [key for key, seen in Counter(ids).items() if seen > 1]
    if duplicated:
        raise DatasetError(f"{where}: duplicate ids {sorted(duplicated)[:5]}")
    lons.flags.writeable = False
    lats.flags.writeable = False
    return lons, lats, tuple(ids), tuple(properties)


_HEAD = b'{"type":"FeatureCollection","features":[\n'
_SEPARATOR = b",\n"
_TAIL = b"\n]}\n"


def _one_feature_per_line(raw: bytes) -> list[Any] | None:
    """The features of a collection written by `serialise_feature_chunks`, parsed one line at
    a time, or None if `raw` is not in that form (then it is parsed whole).

    Parsing millions of features whole needs the document tree of all of them at once (orjson
    refused 2 GB of them for memory); line by line, only the features themselves are kept.
    JSON strings cannot hold a raw line break, so a ",\n" inside a feature would leave both
    pieces unbalanced: if every piece parses, the pieces are exactly the features.
    """
    if not (raw.startswith(_HEAD) and raw.endswith(_TAIL)) or len(raw) < len(_HEAD + _TAIL):
        return None
    view, end = memoryview(raw), len(raw) - len(_TAIL)
    features: list[Any] = []
    start = len(_HEAD)
    if start == end:  # no features
        return features
    try:
        while True:
            cut = raw.find(_SEPARATOR, start, end)
            features.append(orjson.loads(view[start : end if cut < 0 else cut]))
            if cut < 0:
                return features
            start = cut + len(_SEPARATOR)
    except orjson.JSONDecodeError:
        return None


def _check_feature(feature: Any, *, where: str) -> tuple[float, float, Mapping[str, Any]]:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise DatasetError(f"{where}: not a GeoJSON Feature")
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        raise DatasetError(f"{where}: geometry must be a Point")
    coordinates = geometry.get("coordinates")
    if (
        not isinstance(coordinates, list)
        or len(coordinates) != 2
        or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in coordinates)
    ):
        raise DatasetError(f"{where}: coordinates must be [lon, lat] numbers")
    lon, lat = float(coordinates[0]), float(coordinates[1])
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise DatasetError(f"{where}: coordinates [{lon}, {lat}] out of range")
    props = feature.get("properties")
    if not isinstance(props, dict):
        raise DatasetError(f"{where}: properties must be an object")
    for name, types in PROPERTY_TYPES.items():
        if name not in props:
            raise DatasetError(f"{where}: property {name!r} is missing")
        value = props[name]
        if not isinstance(value, types) or isinstance(value, bool):
            raise DatasetError(f"{where}: property {name!r} has the wrong type")
    if not props["id"]:
        raise DatasetError(f"{where}: property 'id' is empty")
    if not all(isinstance(phone, str) for phone in props["phones"]):
        raise DatasetError(f"{where}: property 'phones' must be a list of strings")
    for name, check in OPTIONAL_CHECKS.items():
        problem = check(props[name]) if name in props else None
        if problem is not None:
            raise DatasetError(f"{where}: property {name!r} {problem}")
    if feature.get("id", props["id"]) != props["id"]:
        raise DatasetError(f"{where}: feature id and properties.id differ")
    return lon, lat, props


def make_feature(lon: float, lat: float, properties: Mapping[str, Any]) -> dict[str, Any]:
    """A GeoJSON Point feature with coordinates rounded to `COORDINATE_DECIMALS`.

    >>> make_feature(116.123456789, 39.9, {"id": "a"})["geometry"]["coordinates"]
    [116.1234568, 39.9]
    """
    return {
        "type": "Feature",
        "id": properties["id"],
        "geometry": {
            "type": "Point",
            "coordinates": [round(lon, COORDINATE_DECIMALS), round(lat, COORDINATE_DECIMALS)],
        },
        "properties": dict(properties),
    }


def serialise_feature_collection(features: Sequence[Mapping[str, Any]]) -> bytes:
    """GeoJSON bytes with one feature per line, so published versions diff line by line."""
    return serialise_feature_chunks([features])


def serialise_feature_chunks(chunks: Iterable[Sequence[Mapping[str, Any]]]) -> bytes:
    """`serialise_feature_collection` of the chunks' features in order, holding one chunk of
    features at a time (for datasets of millions of points)."""
    parts = [b",\n".join(orjson.dumps(feature) for feature in chunk) for chunk in chunks]
    lines = b",\n".join(part for part in parts if part)
    return b'{"type":"FeatureCollection","features":[\n' + lines + b"\n]}\n"
