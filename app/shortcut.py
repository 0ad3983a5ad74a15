"""/nearest without FastAPI's per-request machinery: the same answers, for less.

`NearestShortcut` is a plain ASGI route placed first among the app's routes; `NearestFastPath`
answers the common case before Starlette's exception layer and router. Both answer through
`app.routes.nearest_body`, and every error is raised for the app's own handlers, so what a
caller sees is what the declared FastAPI route would send (tests/app/test_nearest_shortcut.py).
"""

from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send

from app.params import NearestParamRules, query_dict
from app.routes import nearest_body
from app.settings import Settings


class NearestShortcut(BaseRoute):
    """GET and HEAD /nearest answered as plain ASGI, ahead of the FastAPI route declaring it.

    The declared route keeps the OpenAPI entry, the 405 for other methods and the route
    template in scope["route"]; this only skips FastAPI's per-request machinery (request
    object, dependency solving, response object), which cost more than the search itself
    (bench/profile_nearest.py). Errors are raised as from the route, so the app's exception
    handlers answer them the same way.
    """

    METHODS = frozenset({"GET", "HEAD"})

    def __init__(self, declared: APIRoute, nearest_params: NearestParamRules) -> None:
        self.declared = declared
        self.path = declared.path
        self.path_format = declared.path_format
        self.name = declared.name
        self.include_in_schema = False
        self.nearest_params = nearest_params

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http" or scope["method"] not in self.METHODS:
            return Match.NONE, {}
        # The declared route's own matching (root_path included); it says PARTIAL for HEAD.
        match, child_scope = self.declared.matches(scope)
        return (Match.NONE, {}) if match is Match.NONE else (Match.FULL, child_scope)

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        return self.declared.url_path_for(name, **path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        query = query_dict(scope["query_string"])
        body = await nearest_body(scope["app"].state, self.nearest_params, query)
        await _send_json(send, body)


class NearestFastPath:
    """The innermost middleware: GET and HEAD /nearest answered before Starlette's exception
    layer, FastAPI's exit stack and the router look at the request (their part of a busy
    worker's CPU per request went 24 -> 6 µs, docs/benchmarks-history.md), inside every
    middleware of ours.

    Only the common case: the exact path, no root_path, and an answer that raised nothing.
    Anything else goes on as if this were not here, to NearestShortcut, which raises the same
    error for the app's handlers to answer; nothing is sent before the answer is complete,
    so a request that falls back is answered once, and exactly as without this layer.
    """

    def __init__(self, app: ASGIApp, shortcut: NearestShortcut) -> None:
        self.app = app
        self.shortcut = shortcut

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        shortcut = self.shortcut
        if (
            scope["type"] != "http"
            or scope["path"] != shortcut.path
            or scope.get("root_path")
            or scope["method"] not in shortcut.METHODS
        ):
            await self.app(scope, receive, send)
            return
        try:
            query = query_dict(scope["query_string"])
            body = await nearest_body(scope["app"].state, shortcut.nearest_params, query)
        except Exception:
            await self.app(scope, receive, send)  # the same question, asked the usual way
            return
        scope["route"] = shortcut.declared  # as the router sets it: metrics name the template
        await _send_json(send, body)


async def _send_json(send: Send, body: bytes) -> None:
    # The headers, in their order, that `_json` (starlette's Response) writes.
    headers = [(b"content-length", b"%d" % len(body)), _JSON_CONTENT_TYPE]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


_JSON_CONTENT_TYPE = (b"content-type", b"application/json")


def install_nearest_shortcut(app: FastAPI, router: APIRouter, settings: Settings) -> None:
    """Put `NearestShortcut` first among the app's routes, and `NearestFastPath` in front of
    the router; `router` is `build_router`'s, already included in `app`. Call it before any
    other middleware is added."""
    declared = next(
        route
        for route in router.routes
        if isinstance(route, APIRoute) and route.path == "/nearest" and route.methods == {"GET"}
    )
    shortcut = NearestShortcut(declared, NearestParamRules(settings))
    app.router.routes.insert(0, shortcut)
    # Added before app.middleware.install_request_pipeline's layers, hence inside all of them.
    app.add_middleware(NearestFastPath, shortcut=shortcut)
