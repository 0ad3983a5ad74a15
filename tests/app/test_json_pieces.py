"""The published point's fields are declared once (geo.dataset.PointRecord) and documented."""

from dataclasses import fields

from app import json_writer as jw
from app.models import Point
from app.served import POINT_FIELDS
from geo.dataset import PointRecord


def test_point_fields_come_from_the_record_in_order_and_match_the_documented_model():
    record_order = [f.name for f in fields(PointRecord)]
    assert list(POINT_FIELDS) == sorted(POINT_FIELDS, key=record_order.index)
    assert list(Point.model_fields) == [
        *POINT_FIELDS, "located", "contacts", "calls", "navigation", "lat", "lon"
    ]  # fmt: skip


def test_writer_pieces_compose_into_the_json_orjson_would_write():
    point = jw.open_object({"id": "a", "lat": 1.5})
    body = jw.obj(
        jw.members({"total": 1}),
        jw.member("results", jw.array(jw.close_each_with_number([point], "distance_m", [2.0]))),
    )
    assert body == jw.value({"total": 1, "results": [{"id": "a", "lat": 1.5, "distance_m": 2.0}]})
