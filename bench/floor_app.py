"""The FastAPI floor: a bare app answering /nearest with a canned body of the real size."""

import os
from pathlib import Path
from typing import Any

import orjson
from fastapi import FastAPI
from fastapi.responses import Response

from app.telemetry import TELEMETRY_OFF

BODY_ENV = "BENCH_FLOOR_BODY"


def create_app() -> FastAPI:
    """For `uvicorn --factory`; BENCH_FLOOR_BODY names a file holding one real /nearest body."""
    body = Path(os.environ[BODY_ENV]).read_bytes()
    payload: dict[str, Any] = orjson.loads(body)
    # FastAPI's OpenTelemetry hooks off, as in the service: the floor must not cost more.
    app = FastAPI(telemetry=TELEMETRY_OFF)

    # Same two float parameters as the real route, so FastAPI parses and validates as much;
    # no search, no per-request serialisation: what any /nearest must cost at least.
    @app.get("/nearest")
    async def nearest(lat: float, lon: float) -> Response:
        return Response(content=body, media_type="application/json")

    # What a straightforward route does: return a dict and let FastAPI encode it. No response
    # model, so jsonable_encoder + json.dumps run (a model would take pydantic's faster path).
    @app.get("/nearest_naive", response_model=None)
    async def nearest_naive(lat: float, lon: float) -> dict[str, Any]:
        return payload

    @app.get("/readyz")
    async def readyz() -> dict[str, str]:
        return {"status": "ready"}

    return app
