"""App factory: `uvicorn --factory app.main:create_app`."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.admin_routes import build_admin_router
from app.docs import build_docs_router
from app.errors import install_error_handlers
from app.logs import configure_logging
from app.metrics import build_metrics_router
from app.middleware import install_request_pipeline
from app.page import build_page_router
from app.routes import answer_head_like_get, build_router, param_rules
from app.served import DatasetHolder
from app.settings import Settings
from app.shortcut import install_nearest_shortcut
from app.telemetry import TELEMETRY_OFF
from geo.geocode.offline import OfflineGeocoder

DESCRIPTION = """
寻亲采血点查询：按手机定位找到最近的公安机关免费采血点（不受户籍地域限制，带身份证即可）。

Find the nearest of China's free police DNA blood-collection points (免费采血点) for families
looking for missing relatives. Coordinates are WGS-84 (what GPS gives); distances are exact
geodesic metres on the WGS-84 ellipsoid. When the dataset is sample data, every data response
says so in `dataset.sample` and `notice`.
"""


def _load_address_resolver() -> OfflineGeocoder | None:
    """The division table behind `address=`; without it /nearest still answers lat/lon."""
    try:
        # Everything loaded here, in its thread, not on the event loop at the first address.
        return OfflineGeocoder().preload()
    except Exception as exc:  # a broken table must not stop the service
        logging.getLogger("xunqin.dataset").error("address lookup unavailable: %s", exc)
        return None


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the service; the published dataset is loaded when the app starts."""
    settings = settings or Settings()
    configure_logging()  # JSON lines; uvicorn's access log (full query strings) stays off
    holder = DatasetHolder(settings.data_dir)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        holder.load()
        # Loaded beside the first requests rather than before /readyz: only address= needs it.
        app.state.address_resolver = asyncio.ensure_future(
            asyncio.to_thread(_load_address_resolver)
        )
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
        # /docs is app.docs (Swagger UI from this server); no ReDoc, no OAuth2 redirect page.
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        telemetry=None if settings.opentelemetry else TELEMETRY_OFF,
    )
    app.state.settings = settings
    app.state.holder = holder
    app.state.address_resolver = None  # a task giving the offline geocoder (see lifespan)
    install_error_handlers(app, param_rules(settings))
    api_router = answer_head_like_get(build_router(settings))
    app.include_router(api_router)
    install_nearest_shortcut(app, api_router, settings)
    app.include_router(build_page_router())
    app.include_router(build_docs_router(app.title, app.openapi_url or "/openapi.json"))
    if settings.admin_token is not None:
        # Without a token the routes do not exist: every method answers like an unknown path.
        app.include_router(build_admin_router())
    app.include_router(answer_head_like_get(build_metrics_router()))
    install_request_pipeline(app, settings)
    return app
