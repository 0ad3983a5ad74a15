"""Test-wide fixtures: a clean environment for settings."""

import os
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Settings come from XUNQIN_* variables; a stray one on the machine must not leak in."""
    for name in list(os.environ):
        if name.startswith("XUNQIN_"):
            monkeypatch.delenv(name)
    yield
