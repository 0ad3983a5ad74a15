"""JSON log lines for the project's `xunqin.*` loggers, each carrying the request's id.

The id comes from a sane incoming `X-Request-ID` (so a line can be matched with the reverse
proxy's) or is made here; app.middleware sets it for the length of each request.
"""

import itertools
import logging
import os
import re
import secrets
import sys
from contextvars import ContextVar
from typing import Any, TextIO

from pythonjsonlogger.orjson import OrjsonFormatter

PROJECT_LOGGER = "xunqin"
REQUEST_ID_HEADER = b"x-request-id"

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

# Long enough for a UUID or a proxy's trace id; a charset that cannot break a log line or a
# header, and cannot smuggle a coordinate-like value of any length.
_SANE_REQUEST_ID = re.compile(rb"[A-Za-z0-9_-]{8,64}")


def _new_id_source() -> None:
    global _ID_PREFIX, _id_counter
    _ID_PREFIX = secrets.token_hex(8)
    _id_counter = itertools.count()


# A random per-process prefix and a counter: unique across workers and replicas, and a
# fraction of uuid4's cost (which reads the OS's random source for every request).
_ID_PREFIX = ""
_id_counter = itertools.count()
_new_id_source()
os.register_at_fork(after_in_child=_new_id_source)


def new_request_id() -> str:
    return f"{_ID_PREFIX}{next(_id_counter):016x}"


def accepted_request_id(header: bytes | None) -> str:
    """The caller's request id if it is sane, else a fresh one.

    >>> accepted_request_id(b"4bf92f3577b34da6a3ce929d0e0e4736")
    '4bf92f3577b34da6a3ce929d0e0e4736'
    >>> len(accepted_request_id(b"lat=43.81712;drop")), len(accepted_request_id(None))
    (32, 32)
    """
    if header is not None and _SANE_REQUEST_ID.fullmatch(header):
        return header.decode("ascii")
    return new_request_id()


class JsonFormatter(OrjsonFormatter):
    """`{"ts", "level", "logger", "message", "request_id"?, ...extra}` on one line."""

    def __init__(self) -> None:
        super().__init__(
            "{levelname}{name}{message}",
            style="{",
            timestamp="ts",
            rename_fields={"levelname": "level", "name": "logger"},
        )

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        super().add_fields(log_data, record, message_dict)
        request_id = request_id_var.get()
        if request_id is not None:
            log_data["request_id"] = request_id


def json_handler(stream: TextIO | None = None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    return handler


def configure_logging() -> None:
    """JSON lines on stderr for `xunqin.*`; uvicorn's access log off (it prints query strings)."""
    project = logging.getLogger(PROJECT_LOGGER)
    if not project.handlers:
        project.addHandler(json_handler())
        project.setLevel(logging.INFO)
        project.propagate = False
    logging.getLogger("uvicorn.access").disabled = True
