"""Error classes with their HTTP status, and the handlers that turn every failure into JSON.

Every error body is `{"error": kind, "message": text a person can act on, "errors": [...]}`.
"""

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from geo.core.errors import InvalidQuery

log = logging.getLogger("xunqin.errors")

_ECHO_LIMIT = 40  # echo at most this much of a bad value back: enough to recognise it


class ApiError(Exception):
    """An error raised by the app with a message safe to show the caller; see ERROR_STATUS."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotReady(ApiError):
    """No dataset (or no address lookup) to answer from yet."""


class NotFound(ApiError):
    """The path names nothing: an unknown point id, static file or disabled endpoint."""


class ReloadRefused(ApiError):
    """The dataset CURRENT names failed validation; the previous one keeps serving."""


class BadRequest(ApiError):
    """The request as a whole cannot be read."""


class RateLimited(ApiError):
    """The client's rate-limit bucket holds fewer tokens than the request costs."""

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


# Error class -> (HTTP status, machine-readable kind): the one place a failure gets its status.
# Anything else is a bug, answered 500 "internal" without details.
ERROR_STATUS: Mapping[type[Exception], tuple[int, str]] = {
    InvalidQuery: (422, "invalid_request"),
    BadRequest: (422, "invalid_request"),
    NotReady: (503, "not_ready"),
    NotFound: (404, "not_found"),
    ReloadRefused: (409, "reload_refused"),
    RateLimited: (429, "rate_limited"),
}
_INVALID = ERROR_STATUS[InvalidQuery]
_INTERNAL = (500, "internal")


def status_of(exc: Exception) -> tuple[int, str]:
    """The HTTP status and kind for `exc`, by the nearest class `ERROR_STATUS` names."""
    for cls in type(exc).__mro__:
        if cls in ERROR_STATUS:
            return ERROR_STATUS[cls]
    return _INTERNAL


def error_body(
    kind: str, message: str, errors: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    """The JSON body of every error answer."""
    return {"error": kind, "message": message, "errors": errors or []}


def invalid_query_body(exc: InvalidQuery) -> dict[str, Any]:
    """The error body for a rejected query, naming its parameter when it is known."""
    errors = [{"param": exc.param, "message": str(exc)}] if exc.param else []
    return error_body(_INVALID[1], str(exc), errors)


def error_response(
    status: int,
    kind: str,
    message: str,
    errors: list[dict[str, str]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(error_body(kind, message, errors), status_code=status, headers=headers)


def describe_value(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _ECHO_LIMIT else text[:_ECHO_LIMIT] + "…"


def install_error_handlers(app: FastAPI, param_rules: dict[str, str]) -> None:
    """Map every error to JSON; `param_rules` says in words what each parameter accepts."""

    async def on_validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        for error in exc.errors():
            param = str(error["loc"][-1]) if error.get("loc") else "request"
            rule = param_rules.get(param)
            if error.get("type") == "missing":
                message = f"{param} is required" + (f": {rule}" if rule else "")
            elif rule:
                message = f"{param} must be {rule}, got {describe_value(error.get('input'))}"
            else:
                message = f"{param}: {error.get('msg', 'invalid value')}"
            errors.append({"param": param, "message": message})
        return error_response(*_INVALID, "; ".join(e["message"] for e in errors), errors)

    async def on_api_error(_: Request, exc: ApiError) -> JSONResponse:
        headers = None
        if isinstance(exc, RateLimited):
            headers = {"Retry-After": str(exc.retry_after_s)}
        return error_response(*status_of(exc), exc.message, headers=headers)

    async def on_invalid_query(_: Request, exc: InvalidQuery) -> JSONResponse:
        return JSONResponse(invalid_query_body(exc), status_code=_INVALID[0])

    async def on_http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:  # FastAPI's answer to a body it cannot decode
            return error_response(
                *ERROR_STATUS[BadRequest],
                'the request body must be UTF-8 JSON, e.g. {"queries": [...]}',
            )
        kind = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        message = {
            404: "no such endpoint; see /docs for the API",
            405: "method not allowed for this endpoint; see /docs",
        }.get(exc.status_code, str(exc.detail))
        # Keeps e.g. the `Allow` header a 405 must carry (RFC 9110).
        return error_response(exc.status_code, kind, message, headers=exc.headers)

    async def on_unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error: %s", type(exc).__name__, exc_info=exc)
        return error_response(*_INTERNAL, "internal error; please retry later")

    app.add_exception_handler(RequestValidationError, on_validation)  # type: ignore[arg-type]
    app.add_exception_handler(ApiError, on_api_error)  # type: ignore[arg-type]
    app.add_exception_handler(InvalidQuery, on_invalid_query)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, on_http)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, on_unexpected)
