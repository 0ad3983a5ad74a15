"""Real headless Chromium for the tests that look at a page: Debian's `chromium`, driven by
playwright (which never downloads a browser here).

Without playwright or a chromium binary (/usr/bin/chromium, or CHROMIUM_PATH) the browser tests
are skipped, unless CI is set, where they fail instead. The `browser` fixture of tests/conftest.py
is the one way tests get a browser.
"""

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - reported by `launched_chromium`
    sync_playwright = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from playwright.sync_api import Browser

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"  # screenshots for people
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # running as root in CI
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Chromium must not reach out on its own (updates, sync, field trials): on a closed CI
    # network those connections fail, and the browser's networking misbehaves with them.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    return shutil.which(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))


@contextmanager
def launched_chromium() -> Iterator["Browser"]:
    """A headless Chromium, closed afterwards; skips (fails under CI) when none can run."""
    executable = chromium_path()
    if sync_playwright is None or executable is None:
        missing = "the playwright package" if sync_playwright is None else "a chromium binary"
        reason = f"browser tests need {missing} (pip install playwright; apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()
