"""The /nearest contract served from PostGIS or Redis GEO: the store locator most people build.

Each app reuses the service's parameter parsing, error bodies and pre-serialised per-point JSON
(app/served.py), so bytes and fields match /nearest and only the search differs: the database
ranks, the app joins bytes. Keeping the point JSON in memory instead of fetching rows is the
best shot these apps can get. Run with `uvicorn --factory bench.peer_apps:create_postgis_app`
(or `create_redis_app`) and the environment variables below.
"""

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.responses import Response

from app.errors import install_error_handlers
from app.params import NearestParamRules, NearestParams
from app.routes import param_rules
from app.served import ServedDataset, serve
from app.settings import Settings
from app.telemetry import TELEMETRY_OFF
from bench import peers
from geo.core.crs import Crs, to_wgs84
from geo.core.errors import InvalidQuery
from geo.dataset import load_current

PG_SOCKET_ENV = "BENCH_PG_SOCKET_DIR"
PG_PORT_ENV = "BENCH_PG_PORT"
PG_POOL_ENV = "BENCH_PG_POOL"
REDIS_SOCKET_ENV = "BENCH_REDIS_SOCKET"
REDIS_POOL_ENV = "BENCH_REDIS_POOL"
REDIS_RADIUS_ENV = "BENCH_REDIS_START_RADIUS_M"

# (lon, lat, n, radius_m) -> (positions, distances in metres), nearest first.
Search = Callable[[float, float, int, float | None], Awaitable[tuple[list[int], list[float]]]]


def nearest_body(
    served: ServedDataset,
    params: NearestParams,
    positions: Sequence[int],
    distances_m: Sequence[float],
) -> bytes:
    """The /nearest body for these hits, laid out byte for byte as app/routes.py lays it out."""
    points = served.points_open_json[params.coord]
    results = b",".join(
        [
            b'%s,"distance_m":%r}' % (points[position], round(distance, 3))
            for position, distance in zip(positions, distances_m, strict=True)
        ]
    )
    query = orjson.dumps(
        {
            "lat": params.lat,
            "lon": params.lon,
            "n": params.n,
            "radius_m": params.radius_m,
            "coord": params.coord.value,
        }
    )
    return b'{"query":' + query + b',"results":[' + results + b"]," + served.envelope_json + b"}"


def _app(
    title: str, open_search: Callable[[], Awaitable[tuple[Search, Callable[[], Awaitable[None]]]]]
) -> FastAPI:
    settings = Settings()
    rules = NearestParamRules(settings)
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        state["served"] = serve(load_current(settings.data_dir))
        state["search"], close = await open_search()
        try:
            yield
        finally:
            await close()

    # FastAPI's OpenTelemetry hooks off, as in the service (app.telemetry.TELEMETRY_OFF).
    app = FastAPI(title=title, lifespan=lifespan, telemetry=TELEMETRY_OFF)
    install_error_handlers(app, param_rules(settings))

    @app.get("/nearest")
    async def nearest(request: Request) -> Response:
        served: ServedDataset = state["served"]
        params = rules.parse(request.query_params)
        if params.lon is None or params.lat is None:
            raise InvalidQuery("this benchmark app takes lat and lon only", param="address")
        lon, lat = params.lon, params.lat
        if params.coord is not Crs.WGS84:
            lon, lat = to_wgs84(lon, lat, source=params.coord)
        positions, distances = await state["search"](lon, lat, params.n, params.radius_m)
        body = nearest_body(served, params, positions, distances)
        return Response(content=body, media_type="application/json")

    @app.get("/readyz")
    async def readyz() -> Response:
        return Response(content=b'{"status":"ready"}', media_type="application/json")

    return app


def create_postgis_app() -> FastAPI:
    """PostGIS through an asyncpg pool; statements are prepared once per connection."""
    import asyncpg

    async def open_search() -> tuple[Search, Callable[[], Awaitable[None]]]:
        size = int(os.environ.get(PG_POOL_ENV, "8"))
        pool = await asyncpg.create_pool(
            host=os.environ[PG_SOCKET_ENV],
            port=int(os.environ[PG_PORT_ENV]),
            user=peers.PG_USER,
            database=peers.PG_DATABASE,
            min_size=size,
            max_size=size,
        )

        async def search(
            lon: float, lat: float, n: int, radius_m: float | None
        ) -> tuple[list[int], list[float]]:
            # asyncpg caches the prepared statement per connection after the first use.
            if radius_m is None:
                rows = await pool.fetch(peers.POSTGIS_NEAREST_SQL, lon, lat, n)
            else:
                rows = await pool.fetch(peers.POSTGIS_WITHIN_SQL, lon, lat, n, radius_m)
            return [row[0] for row in rows], [row[1] for row in rows]

        async def close() -> None:
            await pool.close()

        return search, close

    return _app("PostGIS-backed /nearest (benchmark peer)", open_search)


def create_redis_app() -> FastAPI:
    """Redis through redis-py's asyncio client (hiredis parser), one EVALSHA per query."""
    import redis.asyncio as aioredis

    async def open_search() -> tuple[Search, Callable[[], Awaitable[None]]]:
        pool = aioredis.BlockingConnectionPool.from_url(
            f"unix://{os.environ[REDIS_SOCKET_ENV]}",
            max_connections=int(os.environ.get(REDIS_POOL_ENV, "16")),
        )
        client = aioredis.Redis(connection_pool=pool)
        script = client.register_script(peers.REDIS_NEAREST_LUA)
        start_radius_m = float(os.environ[REDIS_RADIUS_ENV])

        async def search(
            lon: float, lat: float, n: int, radius_m: float | None
        ) -> tuple[list[int], list[float]]:
            # With a radius, one GEOSEARCH at that radius answers (the script stops there).
            first, last = (start_radius_m, peers.WHOLE_EARTH_RADIUS_M) if radius_m is None else (
                max(radius_m, 1e-3), max(radius_m, 1e-3)
            )  # fmt: skip
            reply = await script(keys=[peers.REDIS_KEY], args=[lon, lat, first, n, last])
            answer = peers.parse_redis_reply(reply)
            return answer.ids, answer.distances_m

        async def close() -> None:
            await client.aclose()
            await pool.aclose()

        return search, close

    return _app("Redis-backed /nearest (benchmark peer)", open_search)
