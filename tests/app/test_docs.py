"""`/docs` in a real headless Chromium against a real uvicorn: Swagger UI renders the
operations from this server's own files, under its policy, with nothing fetched elsewhere."""

import contextlib
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from app.docs import DOCS_CONTENT_SECURITY_POLICY
from app.main import create_app
from app.security import API_CONTENT_SECURITY_POLICY
from app.settings import Settings
from tests.browser import ARTIFACTS
from tests.support import REPO_DATA_DIR, live_server

# Without playwright the `browser` fixture skips these tests (or fails them under CI).
with contextlib.suppress(ImportError):
    from playwright.sync_api import Browser, expect

# Run before any page script: CSP violations are events, whatever the console says.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


@pytest.fixture(scope="module")
def docs_url() -> Iterator[str]:
    with live_server(create_app(Settings(data_dir=REPO_DATA_DIR, access_log=False))) as url:
        yield url


def test_docs_render_the_operations_in_chromium(browser: "Browser", docs_url: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.add_init_script(RECORD_VIOLATIONS)
    console: list[str] = []
    hosts: set[str] = set()
    try:
        page = context.new_page()
        page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: console.append(f"uncaught: {error}"))
        page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
        page.goto(f"{docs_url}/docs")
        nearest = page.locator(".opblock-get .opblock-summary-path[data-path='/nearest']")
        expect(nearest).to_be_visible(timeout=20_000)
        expect(page.locator(".opblock-post [data-path='/nearest/batch']")).to_be_visible()
        expect(page.locator(".opblock")).to_have_count(7)  # the API's operations, no admin
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "docs-operations-1280x900.png"))
        # A person can use it: open /nearest, try it out, get real results from this server.
        nearest.click()
        page.get_by_role("button", name="Try it out").click()
        page.locator("input[placeholder='lat']").fill("43.8171")
        page.locator("input[placeholder='lon']").fill("125.3235")
        page.locator("input[placeholder='address']").fill("")  # its example would clash
        page.get_by_role("button", name="Execute").click()
        body = page.locator(".live-responses-table .response-col_description pre").first
        expect(body).to_contain_text("sample-220100", timeout=20_000)
        page.screenshot(path=str(ARTIFACTS / "docs-try-nearest-1280x900.png"))
        violations = page.evaluate("window.__violations")
    finally:
        context.close()
    assert violations == []
    assert console == []
    assert hosts == {urlsplit(docs_url).netloc}  # no CDN, no validator badge, no fonts


def test_docs_page_needs_no_inline_code_and_no_other_host(docs_url: str):
    page = httpx.get(f"{docs_url}/docs")
    assert page.status_code == 200
    assert page.headers.get_list("content-security-policy") == [DOCS_CONTENT_SECURITY_POLICY]
    policy = DOCS_CONTENT_SECURITY_POLICY
    assert "unsafe" not in policy and "http" not in policy and "*" not in policy
    assert re.search(r"<script>|<style|\son\w+=", page.text) is None  # every script is a file
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert len(sources) == 4 and all(s.startswith("/docs/assets/") for s in sources)
    for source in sources:
        asset = httpx.get(f"{docs_url}{source}")
        assert asset.status_code == 200 and len(asset.content) > 300
        head = httpx.head(f"{docs_url}{source}")
        assert head.status_code == 200 and head.content == b""
    # The API itself keeps its policy; ReDoc and the OAuth2 page are not offered.
    api = httpx.get(f"{docs_url}/openapi.json")
    assert api.headers.get_list("content-security-policy") == [API_CONTENT_SECURITY_POLICY]
    unknown = httpx.get(f"{docs_url}/no/such/path")
    for path in ("/redoc", "/docs/oauth2-redirect", "/docs/assets/no-such.js"):
        response = httpx.get(f"{docs_url}{path}")
        assert response.status_code == 404, path
    assert httpx.get(f"{docs_url}/redoc").json() == unknown.json()
