"""App factory: `uvicorn --factory app.main:create_app`."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.errors import install_error_handlers
from app.middleware import RequestGuard
from app.page import build_page_router
from app.routes import build_router, param_rules
from app.served import DatasetHolder
from app.settings import Settings

DESCRIPTION = """
寻亲采血点查询：按手机定位找到最近的公安机关免费采血点（不受户籍地域限制，带身份证即可）。

Find the nearest of China's free police DNA blood-collection points (免费采血点) for families
looking for missing relatives. Coordinates are WGS-84 (what GPS gives); distances are exact
geodesic metres on the WGS-84 ellipsoid. When the dataset is sample data, every data response
says so in `dataset.sample` and `notice`.
"""


def _configure_logging() -> None:
    project = logging.getLogger("xunqin")
    if not project.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        project.addHandler(handler)
        project.setLevel(logging.INFO)
        project.propagate = False
    # uvicorn's own access log prints full query strings, i.e. precise locations.
    logging.getLogger("uvicorn.access").disabled = True


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the service; the published dataset is loaded when the app starts."""
    settings = settings or Settings()
    _configure_logging()
    holder = DatasetHolder(settings.data_dir)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        holder.load()
        follower = None
        if settings.reload_interval_s > 0:
            follower = asyncio.create_task(holder.follow(settings.reload_interval_s))
        try:
            yield
        finally:
            if follower is not None:
                follower.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await follower

    app = FastAPI(
        title="xunqin-locator 寻亲采血点查询",
        description=DESCRIPTION,
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.holder = holder
    app.state.address_resolver = None  # wired to the offline geocoder below when it loads
    install_error_handlers(app, param_rules(settings))
    app.include_router(build_router(settings))
    app.include_router(build_page_router())
    app.add_middleware(
        RequestGuard,
        max_query_length=settings.max_query_length,
        log_requests=settings.access_log,
    )
    return app
