"""HTTP routes: parse and validate, ask the served Catalogue, shape JSON. No logic of their own."""

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from app.errors import NotFound, NotReady
from app.models import (
    ErrorBody,
    Health,
    NearestResponse,
    PointListResponse,
    PointResponse,
    Ready,
)
from app.params import NearestParamRules
from app.served import ServedDataset
from app.settings import Settings

MAX_LIST_LIMIT = 200

_ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorBody, "description": "参数错误 / Invalid parameters, with a message"},
    503: {"model": ErrorBody, "description": "数据未就绪 / No dataset loaded yet"},
}


def param_rules(settings: Settings) -> dict[str, str]:
    """What each query parameter accepts, in words, for error messages."""
    return {
        **NearestParamRules(settings).rules(),
        "limit": f"an integer within [1, {MAX_LIST_LIMIT}]",
        "offset": "an integer >= 0",
        "province": "a province name such as 吉林省 or 吉林 (1 to 40 characters)",
        "city": "a city name such as 长春市 or 长春 (1 to 40 characters)",
        "adcode": "2, 4 or 6 digits such as 220000",
        "point_id": "a point id such as sample-220113 (1 to 100 characters)",
    }


def current_dataset(request: Request) -> ServedDataset:
    """The dataset this request is answered from: read once, so a reload cannot split it."""
    holder = request.app.state.holder
    served: ServedDataset | None = holder.current
    if served is None:
        raise NotReady(f"no dataset is being served: {holder.problem}")
    return served


async def _current_dataset(request: Request) -> ServedDataset:
    # async: a plain `def` dependency would send every request through the thread pool.
    return current_dataset(request)


Served = Annotated[ServedDataset, Depends(_current_dataset)]


def _json(body: bytes, status: int = 200) -> Response:
    return Response(content=body, status_code=status, media_type="application/json")


def build_router(settings: Settings) -> APIRouter:
    router = APIRouter()

    nearest_params = NearestParamRules(settings)

    @router.get(
        "/nearest",
        response_model=NearestResponse,
        responses=_ERRORS,
        summary="最近的采血点 / Nearest blood-collection points",
        description=(
            "按 WGS-84 椭球面大地线距离由近及远返回最近的采血点（精确排序）。"
            " Nearest points by exact geodesic distance on the WGS-84 ellipsoid, nearest first;"
            " equal distances are ordered by id."
        ),
        openapi_extra={"parameters": [param.openapi() for param in nearest_params.all]},
    )
    async def nearest(request: Request) -> Response:
        served = current_dataset(request)
        params = nearest_params.parse(request.query_params)
        lat, lon, n, radius_m = params.lat, params.lon, params.n, params.radius_m
        hits = served.catalogue.index.nearest(lon, lat, n, max_distance_m=radius_m)
        points = served.points_open_json
        results = b",".join(
            [
                b'%s,"distance_m":%r}' % (points[position], round(distance, 3))
                for position, distance in zip(
                    hits.positions.tolist(), hits.distances_m.tolist(), strict=True
                )
            ]
        )
        query = orjson.dumps(
            {"lat": lat, "lon": lon, "n": n, "radius_m": radius_m, "coord": "wgs84"}
        )
        return _json(
            b'{"query":' + query + b"," + served.envelope_json + b',"results":[' + results + b"]}"
        )

    @router.get(
        "/points/{point_id}",
        response_model=PointResponse,
        responses={404: {"model": ErrorBody, "description": "无此编号 / Unknown id"}, **_ERRORS},
        summary="按编号查询采血点 / One point by id",
    )
    async def point(
        served: Served,
        point_id: Annotated[str, Path(min_length=1, max_length=100, description="采血点编号 / id")],
    ) -> Response:
        position = served.catalogue.position_of(point_id)
        if position is None:
            raise NotFound(f"no point with id {point_id!r} in dataset {served.info.version}")
        return _json(
            b"{" + served.envelope_json + b',"point":' + served.point_json(position) + b"}"
        )

    @router.get(
        "/points",
        response_model=PointListResponse,
        responses=_ERRORS,
        summary="按地区浏览采血点 / Browse points by region",
        description=(
            "没有定位时按省、市或行政区划代码浏览；顺序稳定（区划代码、编号）。"
            " For people without GPS: filter by province, city or adcode; stable order."
        ),
    )
    async def points(
        served: Served,
        province: Annotated[
            str | None,
            Query(max_length=40, description="省份，如 吉林省 或 吉林 / Province name"),
        ] = None,
        city: Annotated[
            str | None, Query(max_length=40, description="地市，如 长春市 / City name")
        ] = None,
        adcode: Annotated[
            str | None,
            Query(
                max_length=6,
                description="行政区划代码，如 220000（全省）、220100（全市）/ Division code",
            ),
        ] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIST_LIMIT, description="每页数量")] = 50,
        offset: Annotated[int, Query(ge=0, le=10_000_000, description="跳过前若干条")] = 0,
    ) -> Response:
        matched = served.catalogue.browse(province=province, city=city, adcode=adcode)
        page = matched[offset : offset + limit].tolist()
        listing = orjson.dumps({"total": int(matched.shape[0]), "limit": limit, "offset": offset})
        results = b",".join(served.point_json(position) for position in page)
        return _json(
            b"{" + served.envelope_json + b"," + listing[1:-1] + b',"results":[' + results + b"]}"
        )

    @router.get("/healthz", response_model=Health, summary="存活检查 / Liveness")
    async def healthz() -> Health:
        return Health(status="ok")

    @router.get(
        "/readyz",
        response_model=Ready,
        responses={503: {"model": ErrorBody, "description": "数据未就绪 / Not ready"}},
        summary="就绪检查 / Readiness: a dataset is loaded",
    )
    async def readyz(served: Served) -> Ready:
        return Ready(status="ready", dataset=served.info)

    return router
