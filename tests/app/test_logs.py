"""JSON log lines with the request's id, and the X-Request-ID header, on a real uvicorn."""

import io
import json
import logging
import re
import time
from collections.abc import Iterator

import httpx
import pytest
from fastapi import APIRouter

from app.logs import json_handler
from app.main import create_app
from app.settings import Settings
from tests.support import REPO_DATA_DIR, live_server


@pytest.fixture()
def log_stream() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = json_handler(stream)
    logger = logging.getLogger("xunqin")
    logger.addHandler(handler)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)


@pytest.fixture()
def url() -> Iterator[str]:
    app = create_app(Settings(data_dir=REPO_DATA_DIR, access_log=True))
    router = APIRouter()

    @router.get("/test-logs-inside")
    async def logs_inside() -> dict[str, str]:
        # Any project logger, deep inside a request, gets the id without being handed it.
        logging.getLogger("xunqin.test").warning("inside the handler")
        return {"ok": "yes"}

    app.include_router(router)
    with live_server(app) as base_url:
        yield base_url


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def logged(stream: io.StringIO, request_id: str, logger: str = "xunqin.access") -> dict:
    """The line `logger` wrote for a request: the access line follows the response's last byte."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for record in lines(stream):
            if record.get("request_id") == request_id and record["logger"] == logger:
                return record
        time.sleep(0.01)
    raise AssertionError(f"no {logger} line for {request_id}: {stream.getvalue()}")


def test_every_line_is_one_json_object_with_the_request_id(url: str, log_stream: io.StringIO):
    response = httpx.get(f"{url}/test-logs-inside")
    request_id = response.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    inside = logged(log_stream, request_id, "xunqin.test")
    assert inside["level"] == "WARNING" and inside["message"] == "inside the handler"
    access = logged(log_stream, request_id)
    assert access["route"] == "/test-logs-inside" and access["status"] == 200
    assert "client" not in access  # no address unless the operator turns it on


@pytest.mark.parametrize(
    ("sent", "echoed"),
    [
        ("4bf92f3577b34da6a3ce929d0e0e4736", True),  # a W3C trace id
        ("req_2026-07-01_abcdef", True),  # letters, digits, _ and -
        ("short", False),  # under 8 characters
        ("x" * 65, False),  # over 64
        ('id with spaces and "quotes"', False),
        ("lat=43.8171234", False),  # '=' and '.' are outside the charset
    ],
)
def test_incoming_request_id_is_kept_only_when_sane(url: str, log_stream, sent, echoed):
    response = httpx.get(f"{url}/healthz", headers={"X-Request-ID": sent})
    returned = response.headers["x-request-id"]
    assert (returned == sent) is echoed
    assert re.fullmatch(r"[A-Za-z0-9_-]{8,64}", returned)
    logged(log_stream, returned)
    assert sent not in log_stream.getvalue() or echoed


def test_lines_outside_requests_carry_no_request_id(log_stream: io.StringIO):
    logging.getLogger("xunqin.test").info("at start-up")
    (record,) = lines(log_stream)
    assert record["message"] == "at start-up" and "request_id" not in record


def test_client_address_is_logged_only_when_enabled(log_stream: io.StringIO):
    settings = Settings(data_dir=REPO_DATA_DIR, access_log=True, log_client_address=True)
    with live_server(create_app(settings)) as base_url:
        request_id = httpx.get(f"{base_url}/healthz").headers["x-request-id"]
        assert logged(log_stream, request_id)["client"] == "127.0.0.1"
