"""Admin endpoints on a real uvicorn: absent without a token, bearer-only with one."""

from collections.abc import Iterator

import httpx
import pytest
from fastapi import APIRouter, Depends
from pydantic import ValidationError

from app.admin import require_admin
from app.main import create_app
from app.settings import Settings
from tests.support import REPO_DATA_DIR, live_server

TOKEN = "example-admin-token-0000000000"  # a test value, long enough for the settings check


def app_with_probe(settings: Settings) -> Iterator[str]:
    app = create_app(settings)
    router = APIRouter(dependencies=[Depends(require_admin)])

    @router.get("/admin/probe")
    async def probe() -> dict[str, bool]:
        return {"admin": True}

    app.include_router(router)
    with live_server(app) as url:
        yield url


@pytest.fixture(scope="module")
def enabled_url() -> Iterator[str]:
    yield from app_with_probe(Settings(data_dir=REPO_DATA_DIR, admin_token=TOKEN))


@pytest.fixture(scope="module")
def disabled_url() -> Iterator[str]:
    yield from app_with_probe(Settings(data_dir=REPO_DATA_DIR))


def test_without_a_token_admin_routes_look_like_unknown_paths(disabled_url: str):
    unknown = httpx.get(f"{disabled_url}/admin/no-such-thing")
    for response in (
        httpx.get(f"{disabled_url}/admin/probe", headers={"Authorization": f"Bearer {TOKEN}"}),
        httpx.get(f"{disabled_url}/admin/probe"),
        httpx.post(f"{disabled_url}/admin/reload", headers={"Authorization": "Bearer x"}),
    ):
        assert response.status_code == 404
        assert response.json() == unknown.json()
        assert "www-authenticate" not in response.headers


@pytest.mark.parametrize(
    "authorization",
    [
        None,  # no header
        "Bearer wrong-token-0000000000000000",  # wrong token, same length class
        f"Bearer {TOKEN}x",  # the right token plus one character
        f"Bearer {TOKEN[:-1]}",  # the right token less one character
        f"Basic {TOKEN}",  # another scheme
        "Bearer",  # the scheme without a token
    ],
)
def test_missing_or_wrong_token_is_401_with_a_bearer_challenge(enabled_url: str, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = httpx.get(f"{enabled_url}/admin/probe", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    body = response.json()
    assert set(body) == {"error", "message", "errors"} and "Bearer" in body["message"]
    assert TOKEN not in response.text


def test_the_right_token_passes(enabled_url: str):
    for scheme in ("Bearer", "bearer"):
        response = httpx.get(
            f"{enabled_url}/admin/probe", headers={"Authorization": f"{scheme} {TOKEN}"}
        )
        assert response.status_code == 200 and response.json() == {"admin": True}


def test_the_real_reload_endpoint_is_guarded(enabled_url: str):
    assert httpx.post(f"{enabled_url}/admin/reload").status_code == 401
    ok = httpx.post(f"{enabled_url}/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200, ok.text


@pytest.mark.parametrize("weak", ["changethis", "x" * 15])
def test_short_tokens_are_refused_at_start(weak: str):
    with pytest.raises(ValidationError, match="at least 16 characters"):
        Settings(admin_token=weak)


def test_empty_token_means_disabled(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("XUNQIN_ADMIN_TOKEN", "")
    assert Settings().admin_token is None
    monkeypatch.setenv("XUNQIN_ADMIN_TOKEN", TOKEN)
    token = Settings().admin_token
    assert token is not None and TOKEN not in repr(Settings())


def comparable(response: httpx.Response) -> tuple[int, bytes, dict[str, str]]:
    """Status, body and every header but the two that differ per request."""
    headers = {k: v for k, v in response.headers.items() if k not in ("date", "x-request-id")}
    return response.status_code, response.content, headers


@pytest.mark.parametrize("method", ["GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS"])
def test_without_a_token_reload_is_indistinguishable_from_an_unknown_path(
    disabled_url: str, method: str
):
    unknown = httpx.request(method, f"{disabled_url}/admin/nothing")
    reload = httpx.request(method, f"{disabled_url}/admin/reload")
    assert comparable(reload) == comparable(unknown)
    assert reload.status_code == 404 and "allow" not in reload.headers


def test_the_openapi_document_lists_admin_only_with_a_token(disabled_url: str, enabled_url: str):
    without = httpx.get(f"{disabled_url}/openapi.json").json()
    assert "/admin/reload" not in without["paths"]  # (/admin/probe is this test's own)
    assert "/nearest" in without["paths"]
    with_token = httpx.get(f"{enabled_url}/openapi.json").json()
    assert "post" in with_token["paths"]["/admin/reload"]
    assert httpx.get(f"{enabled_url}/admin/reload").status_code == 405  # exists: POST only
