"""Gzip on a real uvicorn: large JSON answers compressed for clients that accept it, small
ones and clients that do not left byte for byte as they were, the page's own gzip untouched."""

import gzip
from collections.abc import Iterator

import httpx
import pytest

from app.main import create_app
from app.settings import Settings
from tests.support import REPO_DATA_DIR, live_server

GZIP = {"Accept-Encoding": "gzip"}
PLAIN = {"Accept-Encoding": "identity"}  # httpx asks for gzip unless told otherwise
BATCH = {"queries": [{"lat": 30.0 + i * 0.05, "lon": 114.3, "n": 50} for i in range(100)]}
SMALL = "/nearest?lat=43.8171&lon=125.3235&n=10"


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with live_server(create_app(Settings(data_dir=REPO_DATA_DIR, reload_interval_s=0))) as base:
        yield base


def raw(method: str, url: str, headers: dict[str, str], **kwargs: object) -> httpx.Response:
    """The answer with its body as sent on the wire (not decoded)."""
    with httpx.Client(timeout=60) as client:
        response = client.request(method, url, headers=headers, **kwargs)  # type: ignore[arg-type]
        response.read()
    return response


def wire_bytes(method: str, url: str, headers: dict[str, str], **kwargs: object) -> bytes:
    with (
        httpx.Client(timeout=60) as client,
        client.stream(method, url, headers=headers, **kwargs) as response,  # type: ignore[arg-type]
    ):
        return b"".join(response.iter_raw())


def test_a_large_batch_is_gzipped_and_decodes_to_the_plain_answer(url: str):
    plain = raw("POST", f"{url}/nearest/batch", PLAIN, json=BATCH)
    packed = raw("POST", f"{url}/nearest/batch", GZIP, json=BATCH)
    assert plain.status_code == packed.status_code == 200
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.headers.get_list("vary") == ["Accept-Encoding"]
    assert plain.headers.get_list("vary") == ["Accept-Encoding"]  # a cache must keep both
    sent = wire_bytes("POST", f"{url}/nearest/batch", GZIP, json=BATCH)
    assert int(packed.headers["content-length"]) == len(sent)
    assert len(plain.content) > 5_000_000 and len(sent) < len(plain.content) / 5
    assert gzip.decompress(sent) == plain.content  # the same answer, byte for byte
    assert plain.headers["x-content-type-options"] == packed.headers["x-content-type-options"]


def test_small_answers_stay_plain_whatever_the_client_accepts(url: str):
    plain = raw("GET", f"{url}{SMALL}", PLAIN)
    offered = raw("GET", f"{url}{SMALL}", GZIP)
    for response in (plain, offered):
        assert response.status_code == 200
        assert "content-encoding" not in response.headers and "vary" not in response.headers
    assert wire_bytes("GET", f"{url}{SMALL}", GZIP) == plain.content
    assert int(offered.headers["content-length"]) == len(plain.content)


def test_head_of_a_compressed_answer_announces_the_gzipped_length(url: str):
    path = f"{url}/nearest?lat=31.23&lon=121.47&n=50"
    get = wire_bytes("GET", path, GZIP)
    head = raw("HEAD", path, GZIP)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-encoding"] == "gzip"
    assert int(head.headers["content-length"]) == len(get)


def test_the_page_and_its_assets_keep_their_own_gzip_and_one_vary(url: str):
    for path in ("/", "/static/app.js"):
        plain = raw("GET", f"{url}{path}", PLAIN)
        packed = raw("GET", f"{url}{path}", GZIP)
        assert plain.headers.get_list("vary") == packed.headers.get_list("vary")
        assert plain.headers.get_list("vary") == ["Accept-Encoding"]
        assert packed.headers["content-encoding"] == "gzip"
        assert packed.headers["etag"] == plain.headers["etag"][:-1] + '-gz"'  # app/page.py's
        sent = wire_bytes("GET", f"{url}{path}", GZIP)
        assert gzip.decompress(sent) == plain.content


def test_zero_turns_compression_off():
    settings = Settings(data_dir=REPO_DATA_DIR, reload_interval_s=0, gzip_minimum_bytes=0)
    with live_server(create_app(settings)) as base:
        answer = raw("GET", f"{base}/nearest?lat=31.23&lon=121.47&n=50", GZIP)
    assert answer.status_code == 200
    assert "content-encoding" not in answer.headers and "vary" not in answer.headers
    assert len(answer.content) > 50_000
