"""HTTP routes: parse the parameters, ask geo.query one question, write the answer (json_writer)."""

import asyncio
from collections.abc import Awaitable, Mapping
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute
from starlette.datastructures import State

from app import json_writer as jw
from app.errors import NotFound, NotReady, describe_value, invalid_query_body
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
from app.params import (
    COORD_DESCRIPTION,
    LOCATED_FILTER_DESCRIPTION,
    MAX_LIST_LIMIT,
    NOT_BLANK,
    NearestParamRules,
    NearestParams,
    param_rules,
)
from app.ratelimit import charge_extra
from app.served import ServedDataset
from app.settings import Settings
from geo.core.crs import Crs
from geo.core.errors import InvalidQuery
from geo.geocode.base import Placement
from geo.query.answer import NearestAnswer, nearest_to_place
from geo.query.answer import nearest as nearest_to_point  # `nearest` names the route
from geo.query.catalogue import ADCODE_PATTERN, NAME_MAX_LENGTH

__all__ = [
    "answer_head_like_get",
    "build_router",
    "current_dataset",
    "nearest_body",
    "param_rules",
]

_ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorBody, "description": "参数错误 / Invalid parameters, with a message"},
    503: {"model": ErrorBody, "description": "数据未就绪 / No dataset loaded yet"},
}


def current_dataset(request: Request) -> ServedDataset:
    """The dataset this request is answered from: read once, so a reload cannot split it."""
    return _current(request.app.state)


def _current(state: State) -> ServedDataset:
    holder = state.holder
    served: ServedDataset | None = holder.current
    if served is None:
        raise NotReady(f"no dataset is being served: {holder.problem}")
    return served


async def _current_dataset(request: Request) -> ServedDataset:
    # async: a plain `def` dependency would send every request through the thread pool.
    return current_dataset(request)


Served = Annotated[ServedDataset, Depends(_current_dataset)]
Coord = Annotated[CoordName, Query(description=COORD_DESCRIPTION)]


def _name_filter(description: str) -> Any:
    """A /points name filter, declared with the rules geo.query.catalogue checks."""
    return Query(max_length=NAME_MAX_LENGTH, pattern=NOT_BLANK, description=description)


def _json(body: bytes, status: int = 200) -> Response:
    return Response(content=body, status_code=status, media_type="application/json")


class AddressResolver(Protocol):
    def resolve_text(self, text: str) -> Placement | None: ...


def answer_nearest(
    served: ServedDataset, params: NearestParams, resolver: AddressResolver | None
) -> NearestAnswer:
    """Ask geo.query.answer the question `params` put."""
    catalogue, crs = served.catalogue, params.coord
    if params.address is None:
        assert params.lon is not None and params.lat is not None
        return nearest_to_point(
            catalogue, params.lon, params.lat, params.n, crs=crs, radius_m=params.radius_m
        )
    placement = _resolve(resolver, params.address)
    return nearest_to_place(
        catalogue, placement, params.address, params.n, crs=crs, radius_m=params.radius_m
    )


def nearest_members(served: ServedDataset, answer: NearestAnswer) -> bytes:
    """`"query":{...},"results":[...]`: the members every /nearest answer carries."""
    query, results = _nearest_member_pieces(served, answer)
    return jw.joined(b"".join(query), b"".join(results))


def _nearest_member_pieces(
    served: ServedDataset, answer: NearestAnswer
) -> tuple[list[bytes], list[bytes]]:
    opened = served.points_open_json[answer.crs].many(answer.positions)
    results = jw.array_closing_each(opened, "distance_m", answer.distances_m)
    return jw.member_pieces("query", [jw.value(answer.query)]), jw.member_pieces("results", results)


async def address_resolver(request: Request) -> AddressResolver | None:
    """The offline geocoder, waiting for it if it is still loading; None if it failed to."""
    return await _address_resolver(request.app.state)


async def _address_resolver(state: State) -> AddressResolver | None:
    loading: Awaitable[AddressResolver | None] | None = state.address_resolver
    return None if loading is None else await asyncio.shield(loading)


async def nearest_body(
    state: State, nearest_params: NearestParamRules, query: Mapping[str, Any]
) -> bytes:
    """The whole JSON body of a /nearest answer to the query string `query`."""
    served = _current(state)
    params = nearest_params.parse(query)
    resolver = await _address_resolver(state) if params.address is not None else None
    answer = answer_nearest(served, params, resolver)
    # jw.obj(nearest_members(...), envelope), with the 15 kB of results copied once.
    return jw.obj_of_pieces(*_nearest_member_pieces(served, answer), [served.envelope_json])


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


def answer_head_like_get(router: APIRouter) -> APIRouter:
    """`router`, with every GET route answering HEAD too (probes and monitors send it, and
    RFC 9110 expects it of a GET resource): uvicorn sends the GET answer's headers, no body.

    The HEAD twins stay out of the OpenAPI document, which would otherwise list each operation
    twice under one id. They come after every GET route, so a 405 still names the GET route's
    methods in `Allow`.
    """
    for route in list(router.routes):
        if not isinstance(route, APIRoute) or not route.methods:
            continue
        if "GET" in route.methods and "HEAD" not in route.methods:
            router.add_api_route(
                route.path,
                route.endpoint,
                methods=["HEAD"],
                response_model=route.response_model,
                dependencies=route.dependencies,
                include_in_schema=False,
            )
    return router


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
        # Served by NearestShortcut once the app is built; this is its declared twin.
        return _json(await nearest_body(request.app.state, nearest_params, request.query_params))

    @router.post(
        "/nearest/batch",
        response_model=BatchResponse,
        responses=_ERRORS,
        summary="批量查询最近的采血点 / Many /nearest queries in one call",
        description=(
            f"供小程序后端使用：一次最多 {settings.max_batch} 个查询，每个的参数与 /nearest 相同；"
            "单个查询出错不影响其他查询；限流时每个查询按一次请求计。"
            f" For mini-program backends: up to {settings.max_batch} queries, each with the"
            " parameters of /nearest (lat, lon, n, radius_m, coord) as JSON; each is answered"
            " as /nearest would, and one item's error does not fail the others. Under a rate"
            " limit each query counts as one request."
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
        # Each query costs what a /nearest request costs; the request itself paid for one.
        charge_extra(request.scope, len(queries) - 1, f"this batch of {len(queries)} queries")
        served = current_dataset(request)
        wants_address = any(isinstance(q, dict) and "address" in q for q in queries)
        resolver = await address_resolver(request) if wants_address else None
        answers = []
        for query in queries:
            try:
                answer = answer_nearest(served, nearest_params.parse(query), resolver)
                item = jw.obj(jw.member("ok", jw.value(True)), nearest_members(served, answer))
            except InvalidQuery as exc:
                item = jw.value({"ok": False, "error": invalid_query_body(exc)})
            answers.append(item)
        return _json(jw.obj(served.envelope_json, jw.member("answers", jw.array(answers))))

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
        coord_json = jw.value(crs.value)
        point_json = served.point_json(position, crs)
        return _json(
            jw.obj(
                served.envelope_json, jw.member("coord", coord_json), jw.member("point", point_json)
            )
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
            str | None, _name_filter("省份，如 吉林省 或 吉林 / Province name")
        ] = None,
        city: Annotated[str | None, _name_filter("地市，如 长春市 / City name")] = None,
        adcode: Annotated[
            str | None,
            Query(
                pattern=ADCODE_PATTERN,
                description="行政区划代码，如 220000（全省）、220100（全市）/ Division code",
            ),
        ] = None,
        located: Annotated[bool | None, Query(description=LOCATED_FILTER_DESCRIPTION)] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIST_LIMIT, description="每页数量")] = 50,
        offset: Annotated[int, Query(ge=0, le=10_000_000, description="跳过前若干条")] = 0,
        coord: Coord = "wgs84",
    ) -> Response:
        matched = served.catalogue.browse(
            province=province, city=city, adcode=adcode, located=located
        )
        page = matched[offset : offset + limit].tolist()
        crs = Crs(coord)
        listing = {"coord": crs.value, "total": len(matched), "limit": limit, "offset": offset}
        results = jw.array(map(jw.close, served.points_open_json[crs].many(page)))
        return _json(
            jw.obj(served.envelope_json, jw.members(listing), jw.member("results", results))
        )

    @router.get(
        "/regions",
        response_model=RegionsResponse,
        responses=_ERRORS,
        summary="省份与地市列表 / Provinces and their areas, with point counts",
        description=(
            "供没有定位的用户先选省、再选地市；/points?adcode=…&located=… 列出某地区的点。"
            " For choosing a province, then an area: /points?adcode=A&located=L lists area A."
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
