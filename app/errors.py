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
    """An error with its HTTP status and a message safe to show the caller."""

    status = 500
    kind = "internal"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotReady(ApiError):
    status = 503
    kind = "not_ready"


class NotFound(ApiError):
    status = 404
    kind = "not_found"


class ReloadRefused(ApiError):
    status = 409
    kind = "reload_refused"


class BadRequest(ApiError):
    status = 422
    kind = "invalid_request"


def error_response(
    status: int,
    kind: str,
    message: str,
    errors: list[dict[str, str]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(
        {"error": kind, "message": message, "errors": errors or []},
        status_code=status,
        headers=headers,
    )


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
        return error_response(422, BadRequest.kind, "; ".join(e["message"] for e in errors), errors)

    async def on_api_error(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.kind, exc.message)

    async def on_invalid_query(_: Request, exc: InvalidQuery) -> JSONResponse:
        errors = [{"param": exc.param, "message": str(exc)}] if exc.param else []
        return error_response(422, BadRequest.kind, str(exc), errors)

    async def on_http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:  # FastAPI's answer to a body it cannot decode
            return error_response(
                422, BadRequest.kind, 'the request body must be UTF-8 JSON, e.g. {"queries": [...]}'
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
        return error_response(500, "internal", "internal error; please retry later")

    app.add_exception_handler(RequestValidationError, on_validation)  # type: ignore[arg-type]
    app.add_exception_handler(ApiError, on_api_error)  # type: ignore[arg-type]
    app.add_exception_handler(InvalidQuery, on_invalid_query)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, on_http)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, on_unexpected)
