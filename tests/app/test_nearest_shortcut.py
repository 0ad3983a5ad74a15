"""GET /nearest through NearestShortcut answers exactly as the FastAPI route it stands in for.

Two real uvicorn servers on the sample: the app as built, and the same app with the shortcut
taken out (so its declared route answers). Every request below must get the same status, the
same headers (but the per-request ones) and the same bytes from both.
"""

import random
from collections.abc import Iterator

import httpx
import pytest
from starlette.datastructures import QueryParams

from app.main import create_app
from app.params import query_dict
from app.settings import Settings
from app.shortcut import NearestFastPath, NearestShortcut
from tests.support import REPO_DATA_DIR, live_server

PER_REQUEST_HEADERS = {"date", "x-request-id", "server"}
REQUESTS = [
    ("GET", "/nearest?lat=43.8171&lon=125.3235&n=10"),
    ("GET", "/nearest?lat=22.5431&lon=114.0579&n=3&coord=gcj02"),
    ("GET", "/nearest?lat=31.23&lon=121.47&n=50&radius_m=20000"),
    ("GET", "/nearest?lat=31.23&lon=121.47&n=50"),  # large: gzipped for a client that asks
    ("GET", "/nearest?address=%E9%95%BF%E6%B2%99%E5%8E%BF&n=2"),  # 长沙县
    ("GET", "/nearest?lat=30&lat=43.8&lon=125.3&n=1"),  # a repeated name: the last one counts
    ("GET", "/nearest?lat=+30&lon=120"),  # '+' is a space: refused, as before
    ("GET", "/nearest?lat=91&lon=120"),
    ("GET", "/nearest?lat=30"),
    ("GET", "/nearest?lat=30&lon=120&n=&coord=utm"),
    ("HEAD", "/nearest?lat=43.8171&lon=125.3235&n=2"),
    ("POST", "/nearest?lat=43.8171&lon=125.3235"),  # 405 naming GET, from the declared route
    ("OPTIONS", "/nearest"),
    ("GET", "/nearest/"),  # redirected to /nearest, as before
]


def _without_shortcut(settings: Settings):  # type: ignore[no-untyped-def]
    app = create_app(settings)
    app.router.routes[:] = [r for r in app.router.routes if not isinstance(r, NearestShortcut)]
    app.user_middleware[:] = [m for m in app.user_middleware if m.cls is not NearestFastPath]
    return app


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[str, str]]:
    settings = Settings(data_dir=REPO_DATA_DIR, reload_interval_s=0)
    app = create_app(settings)
    assert isinstance(app.router.routes[0], NearestShortcut)  # first: Starlette takes it
    assert app.user_middleware[-1].cls is NearestFastPath  # the innermost layer
    with live_server(app) as fast, live_server(_without_shortcut(settings)) as declared:
        yield fast, declared


@pytest.mark.parametrize("method,path", REQUESTS)
@pytest.mark.parametrize("encoding", ["identity", "gzip"])
def test_the_shortcut_answers_as_the_declared_route(
    servers: tuple[str, str], method: str, path: str, encoding: str
):
    answers = []
    for base in servers:
        with httpx.Client(timeout=30) as client:
            response = client.request(method, base + path, headers={"Accept-Encoding": encoding})
            headers = [
                (name, value.replace(base, "<server>"))  # a redirect names the server
                for name, value in response.headers.multi_items()
                if name not in PER_REQUEST_HEADERS
            ]
            answers.append((response.status_code, headers, response.content))
    assert answers[0] == answers[1]
    status, headers, body = answers[0]
    assert dict(headers)["x-content-type-options"] == "nosniff"
    if method == "GET" and status == 200:
        assert body.startswith(b'{"query":')


def test_the_shortcut_counts_its_requests_under_the_route_template(servers: tuple[str, str]):
    fast, _ = servers
    httpx.get(f"{fast}/nearest?lat=43.8&lon=125.3&n=1", timeout=30)
    metrics = httpx.get(f"{fast}/metrics", timeout=30).text
    assert 'xunqin_http_requests_total{method="GET",route="/nearest",status="200"}' in metrics


def test_query_dict_reads_a_query_string_as_starlette_does():
    pieces = ["lat", "lon", "=", "&", "&&", "+", "%", "%2", "%2B", "%E9%95%BF", "%ZZ", ";",
              "1.5", "é".encode().decode("latin-1"), "%FF", "=="]  # fmt: skip
    chooser = random.Random(20261203)
    cases = [b"", b"lat=1&lon=2", b"a=1&a=2", b"=x", b"x", b"&"]
    for _ in range(3000):
        text = "".join(chooser.choice(pieces) for _ in range(chooser.randint(1, 10)))
        cases.append(text.encode("latin-1"))
    for raw in cases:
        params = QueryParams(raw)
        assert query_dict(raw) == {name: params[name] for name in params}, raw
