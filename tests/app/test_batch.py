"""POST /nearest/batch: each item answered as /nearest would; one bad item fails alone."""

import pytest

from app.models import BatchResponse


def test_batch_items_equal_single_queries(client):
    queries = [
        {"lat": 43.8171, "lon": 125.3235, "n": 3},
        {"lat": 22.54, "lon": 114.06, "n": 5, "coord": "gcj02"},
        {"lat": 30.0, "lon": 114.0, "radius_m": 40000},
        {"lat": "39.9", "lon": "116.4"},  # strings, as a query string would carry them
    ]
    response = client.post("/nearest/batch", json={"queries": queries})
    assert response.status_code == 200, response.text
    body = BatchResponse.model_validate_json(response.content)
    assert body.dataset.sample is True and body.notice
    assert len(body.answers) == len(queries)
    for query, answer in zip(queries, body.answers, strict=True):
        single = client.get("/nearest", params=query).json()
        assert answer.ok and answer.query is not None and answer.results is not None
        assert [r.id for r in answer.results] == [r["id"] for r in single["results"]]
        assert [r.distance_m for r in answer.results] == [
            r["distance_m"] for r in single["results"]
        ]


def test_bad_items_fail_alone_with_their_own_message(client):
    queries = [
        {"lat": 91, "lon": 116},  # beyond the pole
        {"lat": 30, "lon": 114},
        {"lon": 114},  # missing lat
        {"lat": 30, "lon": 114, "n": 2.5},  # not an integer
        {"lat": True, "lon": 114},  # JSON true is not a number
        {"lat": 30, "lon": 114, "coord": "mars"},
    ]
    body = BatchResponse.model_validate_json(
        client.post("/nearest/batch", json={"queries": queries}).content
    )
    oks = [answer.ok for answer in body.answers]
    assert oks == [False, True, False, False, False, False]
    params = [a.error.errors[0].param for a in body.answers if a.error is not None]
    assert params == ["lat", "lat", "n", "lat", "coord"]
    assert "within [-90, 90]" in body.answers[0].error.message


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({"queries": []}, "queries"),  # nothing to do
        ({"queries": [{"lat": 1, "lon": 1}] * 101}, "queries"),  # over the batch limit
        ({"items": []}, "queries is required"),
        ([1, 2], "queries"),  # not an object
    ],
)
def test_malformed_batches_are_422(client, payload, fragment):
    response = client.post("/nearest/batch", json=payload)
    assert response.status_code == 422
    assert fragment in response.json()["message"]


@pytest.mark.parametrize("body", [b"lat=1", b"/\xff(\xd9\xa6"])  # not JSON; not even UTF-8
def test_batch_body_that_is_not_json_is_422(client, body):
    response = client.post(
        "/nearest/batch", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"
