"""HTTP routes: parse and validate, ask the served Catalogue, shape JSON. No logic of their own."""

import asyncio
from collections.abc import Awaitable
from typing import Annotated, Any, Protocol

import orjson
from fastapi import APIRouter, Body, Depends, Path, Query, Request
from fastapi.responses import Response

from app.errors import NotFound, NotReady, describe_value
from app.models import (
    BatchResponse,
    CoordName,
    ErrorBody,
    Health,
    NearestResponse,
    PointListResponse,
    PointResponse,
    Ready,
    RegionsResponse,
)
from app.params import COORD_DESCRIPTION, NearestParamRules, NearestParams
from app.served import ServedDataset
from app.settings import Settings
from geo.core.crs import Crs, from_wgs84, to_wgs84
from geo.core.errors import InvalidQuery
from geo.geocode.base import Placement

MAX_LIST_LIMIT = 200
# A name must hold a character that is not blank (see geo.query.catalogue.BLANK_CHARACTERS).
NOT_BLANK = r"[^ \t\n\r\f\v\u3000]"

_ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorBody, "description": "参数错误 / Invalid parameters, with a message"},
    503: {"model": ErrorBody, "description": "数据未就绪 / No dataset loaded yet"},
}


def param_rules(settings: Settings) -> dict[str, str]:
    """What each parameter accepts, in words, for error messages."""
    return {
        **NearestParamRules(settings).rules(),
        "limit": f"an integer within [1, {MAX_LIST_LIMIT}]",
        "offset": "an integer >= 0",
        "province": "a province name such as 吉林省 or 吉林 (1 to 40 characters)",
        "city": "a city name such as 长春市 or 长春 (1 to 40 characters)",
        "adcode": "2, 4 or 6 digits such as 220000",
        "point_id": "a point id such as sample-220113 (1 to 100 characters)",
        "queries": f"a list of 1 to {settings.max_batch} query objects",
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
Coord = Annotated[CoordName, Query(description=COORD_DESCRIPTION)]


def _json(body: bytes, status: int = 200) -> Response:
    return Response(content=body, status_code=status, media_type="application/json")


class AddressResolver(Protocol):
    def resolve_text(self, text: str) -> Placement | None: ...


def nearest_json(
    served: ServedDataset, params: NearestParams, resolver: AddressResolver | None
) -> bytes:
    """`"query":{...},"results":[...]` for one query, without the enclosing braces."""
    query: dict[str, Any] = {
        "n": params.n,
        "radius_m": params.radius_m,
        "coord": params.coord.value,
    }
    if params.address is None:
        assert params.lon is not None and params.lat is not None
        query_lon, query_lat = params.lon, params.lat
        lon, lat = query_lon, query_lat
        if params.coord is not Crs.WGS84:
            lon, lat = to_wgs84(lon, lat, source=params.coord)
    else:
        placement = _resolve(resolver, params.address)
        lon, lat = placement.lon, placement.lat
        query_lon, query_lat = from_wgs84(lon, lat, target=params.coord)
        query_lon, query_lat = round(query_lon, 7), round(query_lat, 7)
        query["address"] = params.address
        query["resolved"] = {
            "text": placement.resolved,
            "precision": placement.precision,
            "adcode": placement.adcode,
        }
    hits = served.catalogue.index.nearest(lon, lat, params.n, max_distance_m=params.radius_m)
    points = served.points_open_json[params.coord]
    results = b",".join(
        [
            b'%s,"distance_m":%r}' % (points[position], round(distance, 3))
            for position, distance in zip(
                hits.positions.tolist(), hits.distances_m.tolist(), strict=True
            )
        ]
    )
    query_json = orjson.dumps({"lat": query_lat, "lon": query_lon, **query})
    return b'"query":' + query_json + b',"results":[' + results + b"]"


async def address_resolver(request: Request) -> AddressResolver | None:
    """The offline geocoder, waiting for it if it is still loading; None if it failed to."""
    loading: Awaitable[AddressResolver | None] | None = request.app.state.address_resolver
    return None if loading is None else await asyncio.shield(loading)


def _resolve(resolver: AddressResolver | None, address: str) -> Placement:
    if resolver is None:
        raise NotReady("address lookup is unavailable: the division table did not load")
    placement = resolver.resolve_text(address)
    if placement is None:
        raise InvalidQuery(
            f"address {describe_value(address)} names no single province, city or county that "
            "could be found; give a city or county name such as 长沙市 or 岳麓区 (with its city "
            "where the name exists in several, e.g. 北京朝阳区), or send lat and lon",
            param="address",
        )
    return placement


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
        openapi_extra={"parameters": nearest_params.openapi()},
    )
    async def nearest(request: Request) -> Response:
        served = current_dataset(request)
        params = nearest_params.parse(request.query_params)
        resolver = await address_resolver(request) if params.address is not None else None
        body = nearest_json(served, params, resolver)
        return _json(b"{" + body + b"," + served.envelope_json + b"}")

    @router.post(
        "/nearest/batch",
        response_model=BatchResponse,
        responses=_ERRORS,
        summary="批量查询最近的采血点 / Many /nearest queries in one call",
        description=(
            f"供小程序后端使用：一次最多 {settings.max_batch} 个查询，每个的参数与 /nearest 相同；"
            "单个查询出错不影响其他查询。"
            f" For mini-program backends: up to {settings.max_batch} queries, each with the"
            " parameters of /nearest (lat, lon, n, radius_m, coord) as JSON; each is answered"
            " as /nearest would, and one item's error does not fail the others."
        ),
    )
    async def nearest_batch(
        request: Request,
        queries: Annotated[
            list[dict[str, Any]],
            Body(
                embed=True,
                min_length=1,
                max_length=settings.max_batch,
                description="查询列表 / The queries, each like /nearest's parameters",
                examples=[[{"lat": 43.8171, "lon": 125.3235, "n": 3, "coord": "wgs84"}]],
            ),
        ],
    ) -> Response:
        served = current_dataset(request)
        wants_address = any(isinstance(q, dict) and "address" in q for q in queries)
        resolver = await address_resolver(request) if wants_address else None
        answers = []
        for query in queries:
            try:
                params = nearest_params.parse(query)
                answer = b'{"ok":true,' + nearest_json(served, params, resolver) + b"}"
            except InvalidQuery as exc:
                errors = [{"param": exc.param, "message": str(exc)}] if exc.param else []
                error = {"error": "invalid_request", "message": str(exc), "errors": errors}
                answer = orjson.dumps({"ok": False, "error": error})
            answers.append(answer)
        body = b"{" + served.envelope_json + b',"answers":[' + b",".join(answers) + b"]}"
        return _json(body)

    @router.get(
        "/points/{point_id}",
        response_model=PointResponse,
        responses={404: {"model": ErrorBody, "description": "无此编号 / Unknown id"}, **_ERRORS},
        summary="按编号查询采血点 / One point by id",
    )
    async def point(
        served: Served,
        point_id: Annotated[str, Path(min_length=1, max_length=100, description="采血点编号 / id")],
        coord: Coord = "wgs84",
    ) -> Response:
        position = served.catalogue.position_of(point_id)
        if position is None:
            raise NotFound(f"no point with id {point_id!r} in dataset {served.info.version}")
        crs = Crs(coord)
        return _json(
            b"{"
            + served.envelope_json
            + b',"coord":"%s","point":%s}' % (crs.value.encode(), served.point_json(position, crs))
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
            Query(
                max_length=40,
                pattern=NOT_BLANK,
                description="省份，如 吉林省 或 吉林 / Province name",
            ),
        ] = None,
        city: Annotated[
            str | None,
            Query(max_length=40, pattern=NOT_BLANK, description="地市，如 长春市 / City name"),
        ] = None,
        adcode: Annotated[
            str | None,
            Query(
                pattern=r"^(\d\d){1,3}$",
                description="行政区划代码，如 220000（全省）、220100（全市）/ Division code",
            ),
        ] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIST_LIMIT, description="每页数量")] = 50,
        offset: Annotated[int, Query(ge=0, le=10_000_000, description="跳过前若干条")] = 0,
        coord: Coord = "wgs84",
    ) -> Response:
        matched = served.catalogue.browse(province=province, city=city, adcode=adcode)
        page = matched[offset : offset + limit].tolist()
        crs = Crs(coord)
        listing = orjson.dumps(
            {"coord": crs.value, "total": int(matched.shape[0]), "limit": limit, "offset": offset}
        )
        results = b",".join(served.point_json(position, crs) for position in page)
        return _json(
            b"{" + served.envelope_json + b"," + listing[1:-1] + b',"results":[' + results + b"]}"
        )

    @router.get(
        "/regions",
        response_model=RegionsResponse,
        responses=_ERRORS,
        summary="省份与地市列表 / Provinces and their areas, with point counts",
        description=(
            "供没有定位的用户先选省、再选地市；每个地区的 adcode 可直接用于 /points?adcode=。"
            " For choosing a province, then an area; each area's adcode works with /points."
        ),
    )
    async def region_list(served: Served) -> Response:
        return _json(served.regions_json)

    @router.get("/healthz", response_model=Health, summary="存活检查 / Liveness")
    async def healthz() -> Health:
        return Health(status="ok")

    @router.get(
        "/readyz",
        response_model=Ready,
        responses={503: {"model": ErrorBody, "description": "数据未就绪 / Not ready"}},
        summary="就绪检查 / Readiness: a dataset is loaded",
    )
    async def readyz(request: Request, served: Served) -> Ready:
        refused = request.app.state.holder.refused_version
        return Ready(status="ready", dataset=served.info, refused_version=refused)

    return router
