"""Security headers on every response, the optional CORS allow-list, and the body size limit,
on a real uvicorn."""

import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from app.main import create_app
from app.page import CONTENT_SECURITY_POLICY as PAGE_CSP
from app.security import API_CONTENT_SECURITY_POLICY
from app.settings import Settings
from tests.support import REPO_DATA_DIR, live_server

ORIGIN = "https://mini.example"


@pytest.fixture(scope="module")
def cors_url() -> Iterator[str]:
    settings = Settings(data_dir=REPO_DATA_DIR, cors_origins=(ORIGIN,), max_body_bytes=2048)
    with live_server(create_app(settings)) as url:
        yield url


@pytest.mark.parametrize(
    "path",
    [
        "/nearest?lat=43.8&lon=125.3",  # an answer
        "/nearest?lat=91&lon=0",  # a 422
        "/no/such/path",  # a 404
        "/static/app.js",  # an asset
    ],
)
def test_json_and_asset_responses_carry_the_security_headers(base_url: str, path: str):
    headers = httpx.get(f"{base_url}{path}").headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "DENY"
    assert "geolocation=(self)" in headers["permissions-policy"]
    assert headers.get_list("content-security-policy") == [API_CONTENT_SECURITY_POLICY]


def test_page_keeps_its_own_policy_and_may_ask_for_location(base_url: str):
    headers = httpx.get(f"{base_url}/").headers
    # One policy, the page's (it lets the page load its own script); not weakened, not doubled.
    assert headers.get_list("content-security-policy") == [PAGE_CSP]
    assert headers.get_list("x-content-type-options") == ["nosniff"]
    assert headers["permissions-policy"].startswith("geolocation=(self)")
    assert headers["x-frame-options"] == "DENY"


def test_cors_is_off_without_origins(base_url: str):
    response = httpx.get(f"{base_url}/healthz", headers={"Origin": ORIGIN})
    assert "access-control-allow-origin" not in response.headers


def test_cors_allows_listed_origins_only(cors_url: str):
    allowed = httpx.get(f"{cors_url}/healthz", headers={"Origin": ORIGIN})
    assert allowed.headers["access-control-allow-origin"] == ORIGIN
    assert "x-request-id" in allowed.headers["access-control-expose-headers"]
    other = httpx.get(f"{cors_url}/healthz", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    preflight = httpx.options(
        f"{cors_url}/nearest/batch",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["access-control-allow-methods"]


def test_body_over_the_limit_is_413_in_the_error_shape(cors_url: str):
    queries = [{"lat": 43.8, "lon": 125.3, "n": 1}] * 90  # about 2.7 kB of JSON
    response = httpx.post(f"{cors_url}/nearest/batch", json={"queries": queries})
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"
    assert response.headers["x-request-id"]
    small = httpx.post(f"{cors_url}/nearest/batch", json={"queries": queries[:5]})
    assert small.status_code == 200 and len(small.json()["answers"]) == 5


def raw_chunked_post(url: str, chunks: list[bytes]) -> bytes:
    """POST with Transfer-Encoding: chunked (no Content-Length), as some clients send it."""
    parts = urlsplit(url)
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in chunks) + b"0\r\n\r\n"
    request = (
        b"POST /nearest/batch HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" % parts.netloc.encode()
    ) + body
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


def test_chunked_bodies_are_held_to_the_same_limit(cors_url: str):
    item = b'{"lat": 43.8, "lon": 125.3, "n": 1},'
    big = [b'{"queries": ['] + [item] * 60 + [b'{"lat": 43.8, "lon": 125.3}]}']
    small = [b'{"queries": ['] + [item] * 3 + [b'{"lat": 43.8, "lon": 125.3}]}']
    assert raw_chunked_post(cors_url, big).startswith(b"HTTP/1.1 413 ")
    answer = raw_chunked_post(cors_url, small)
    assert answer.startswith(b"HTTP/1.1 200 ") and answer.count(b'"ok":true') == 4
