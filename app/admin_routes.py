"""Operator endpoints: only with the bearer token from XUNQIN_ADMIN_TOKEN (see app.admin)."""

from fastapi import APIRouter, Depends, Request

from app.admin import require_admin
from app.errors import ReloadRefused
from app.models import ErrorBody, ReloadAnswer

RELOAD_SCOPE = "this worker; the others follow within reload_interval_s"


def build_admin_router() -> APIRouter:
    router = APIRouter()

    @router.post(
        "/admin/reload",
        response_model=ReloadAnswer,
        responses={
            401: {"model": ErrorBody, "description": "令牌错误 / Missing or wrong bearer token"},
            404: {"model": ErrorBody, "description": "未配置管理令牌 / Admin disabled"},
            409: {"model": ErrorBody, "description": "新版本被拒绝 / New version refused"},
        },
        summary="重新加载已发布数据集 / Load the version published/CURRENT names",
        description=(
            "运维用：需 Bearer 令牌（XUNQIN_ADMIN_TOKEN）。新版本在旁加载、建索引后整体替换；"
            "校验失败则拒绝并继续使用旧版本。"
            " For operators, with the bearer token from XUNQIN_ADMIN_TOKEN: loads and indexes"
            " the version CURRENT names aside, then swaps it in; in-flight requests finish on the"
            " old one. A corrupt or partial version is refused (409) and the old one keeps"
            " serving. Other workers follow within reload_interval_s."
        ),
        dependencies=[Depends(require_admin)],
    )
    async def admin_reload(request: Request) -> ReloadAnswer:
        holder = request.app.state.holder
        outcome = await holder.reload(force=True)
        if outcome.status == "refused":
            serving = outcome.version or "nothing"
            raise ReloadRefused(
                f"version {outcome.attempted} was refused, still serving {serving}: "
                f"{outcome.detail}"
            )
        return ReloadAnswer(
            status=outcome.status,
            version=outcome.version,
            previous=outcome.previous,
            seconds=round(outcome.seconds, 3),
            scope=RELOAD_SCOPE,
        )

    return router
