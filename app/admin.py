"""Guard for operator endpoints: a bearer token compared in constant time, or no endpoint at all.

Without XUNQIN_ADMIN_TOKEN the admin routes answer exactly like an unknown path (404), so a
scan cannot tell that they exist.
"""

import hmac

from fastapi import Request
from starlette.exceptions import HTTPException

from app.settings import Settings

_BEARER = "bearer "


def presented_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header (scheme case-insensitive).

    >>> presented_token("Bearer abc")
    'abc'
    >>> presented_token("Basic abc") is None, presented_token(None) is None
    (True, True)
    """
    if authorization is None or authorization[: len(_BEARER)].lower() != _BEARER:
        return None
    return authorization[len(_BEARER) :].strip() or None


async def require_admin(request: Request) -> None:
    """FastAPI dependency: 404 when admin is disabled, 401 unless the bearer token matches."""
    settings: Settings = request.app.state.settings
    if settings.admin_token is None:
        raise HTTPException(404)  # rendered like any unknown path by app.errors
    expected = settings.admin_token.get_secret_value().encode()
    presented = presented_token(request.headers.get("authorization"))
    # compare_digest takes the same time wherever the first difference is.
    if presented is None or not hmac.compare_digest(presented.encode(), expected):
        raise HTTPException(
            401,
            detail="a valid admin bearer token is required (Authorization: Bearer <token>)",
            headers={"WWW-Authenticate": 'Bearer realm="xunqin-admin"'},
        )
