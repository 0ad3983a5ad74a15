"""Test-wide fixtures: a clean environment for settings, one headless Chromium per module."""

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.browser import launched_chromium

if TYPE_CHECKING:
    from playwright.sync_api import Browser


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Settings come from XUNQIN_* variables; a stray one on the machine must not leak in."""
    for name in list(os.environ):
        if name.startswith("XUNQIN_"):
            monkeypatch.delenv(name)
    yield


@pytest.fixture(scope="module")
def browser() -> Iterator["Browser"]:
    """Real headless Chromium (tests/browser.py): skipped without one, failed under CI."""
    with launched_chromium() as launched:
        yield launched
