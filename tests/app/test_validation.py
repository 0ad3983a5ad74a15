"""Bad input gets 422 with a message naming the parameter; no input gives a 500."""

import math

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.models import ErrorBody, NearestResponse


@pytest.mark.parametrize(
    ("query", "param", "fragment"),
    [
        ("lat=91&lon=116", "lat", "within [-90, 90]"),  # beyond the pole
        ("lat=-90.0001&lon=116", "lat", "within [-90, 90]"),
        ("lat=30&lon=180.5", "lon", "within [-180, 180]"),
        ("lat=nan&lon=116", "lat", "finite"),  # NaN slips past naive range checks
        ("lat=30&lon=inf", "lon", "finite"),
        ("lat=30&lon=-Infinity", "lon", "finite"),
        ("lon=116", "lat", "is required"),  # missing parameter
        ("lat=30", "lon", "is required"),
        ("lat=北京&lon=116", "lat", "got '北京'"),  # not a number; echoed back
        ("lat=30&lon=116&n=0", "n", "within [1, 50]"),
        ("lat=30&lon=116&n=10000", "n", "within [1, 50]"),
        ("lat=30&lon=116&n=2.5", "n", "integer"),
        ("lat=30&lon=116&n=１２", "n", "integer"),  # full-width digits are not a plain number
        ("lat=%2030&lon=116", "lat", "got ' 30'"),  # padded numbers are refused, not guessed
        ("lat=3_0&lon=116", "lat", "got '3_0'"),  # Python would read this as 30
        ("lat=30&lon=116&coord=WGS84", "coord", "one of wgs84, gcj02, bd09"),
        ("lat=30&lon=116&radius_m=-1", "radius_m", "within [0, 2000000]"),
        ("lat=30&lon=116&radius_m=2000001", "radius_m", "within [0, 2000000]"),
        ("lat=30&lon=116&radius_m=nan", "radius_m", "within [0, 2000000]"),
        ("lat=" + "9" * 500 + "&lon=116", "lat", "within [-90, 90]"),  # long number, echo cut
    ],
)
def test_bad_nearest_parameters(client, query, param, fragment):
    response = client.get(f"/nearest?{query}")
    assert response.status_code == 422
    body = ErrorBody.model_validate_json(response.content)
    assert body.error == "invalid_request"
    assert param in [e.param for e in body.errors]
    assert fragment in body.message
    assert len(body.message) < 400


def test_absurdly_long_query_string_is_refused_before_parsing(client):
    response = client.get("/nearest?lat=30&lon=116&pad=" + "x" * 5000)
    assert response.status_code == 422
    assert "at most 1024" in response.json()["message"]


@pytest.mark.parametrize(
    ("path", "status", "fragment"),
    [
        ("/points/no-such-id", 404, "no point with id 'no-such-id'"),
        ("/points?adcode=12345", 422, "adcode must be"),
        ("/points?province=%20", 422, "province must be"),  # blank is not a name
        ("/points?limit=0", 422, "limit must be"),
        ("/points?offset=-1", 422, "offset must be"),
        ("/no-such-endpoint", 404, "/docs"),
    ],
)
def test_other_errors_are_json_with_a_message(client, path, status, fragment):
    response = client.get(path)
    assert response.status_code == status
    assert fragment in response.json()["message"]


def test_wrong_method_is_json_and_says_what_is_allowed(client):
    response = client.post("/nearest?lat=1&lon=1")
    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"
    assert response.headers["allow"] == "GET"


values = st.one_of(
    st.text(max_size=30),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**20), 10**20).map(str),
    st.sampled_from(["", "1e308", "-0", "0x10", "１２", "30.5.1", " 30", "NaN", "+inf"]),
)


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lat=values, lon=values, n=st.one_of(st.none(), values), radius=st.one_of(st.none(), values))
def test_no_input_breaks_nearest(client: httpx.Client, lat, lon, n, radius):
    params = {"lat": lat, "lon": lon}
    if n is not None:
        params["n"] = n
    if radius is not None:
        params["radius_m"] = radius
    response = client.get("/nearest", params=params)
    assert response.status_code in (200, 422), response.text
    if response.status_code == 200:
        body = NearestResponse.model_validate_json(response.content)
        assert math.isfinite(body.query.lat) and -90 <= body.query.lat <= 90
        assert len(body.results) <= body.query.n <= 50
        if body.query.radius_m is None:
            assert len(body.results) == body.query.n  # the sample has more than 50 points
    else:
        assert ErrorBody.model_validate_json(response.content).message
