"""A real uvicorn on loopback serving the bundled sample dataset, shared by the API tests."""

from collections.abc import Iterator

import httpx
import pytest

from app.main import create_app
from app.settings import Settings
from tests.support import REPO_DATA_DIR, live_server


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    app = create_app(Settings(data_dir=REPO_DATA_DIR, access_log=False))
    with live_server(app) as url:
        yield url


@pytest.fixture(scope="module")
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=30) as http:
        yield http
