"""The mobile web page at `/`, driven in a real headless Chromium against a real uvicorn.

Needs Debian's `chromium` (/usr/bin/chromium, or CHROMIUM_PATH) and the `playwright` package;
without them the browser tests are skipped, unless CI is set, where they fail instead.
"""

import contextlib
import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.main import create_app
from app.page import CONTENT_SECURITY_POLICY, build_page_router
from app.settings import Settings
from geo.dataset import make_feature, publish_dataset
from tests.browser import ARTIFACTS
from tests.support import live_server, point_properties

# Without playwright the `browser` fixture skips these tests (or fails them under CI).
with contextlib.suppress(ImportError):
    from playwright.sync_api import Browser, BrowserContext, Page, expect

VIEWPORT = {"width": 390, "height": 844}

# Where the phone "is": central 长春 (WGS-84).
HERE_LAT, HERE_LON = 43.8171, 125.3235

HTML_NAME = "测试单位 <b>不应加粗</b> &amp; <img src=x>"

# Placeholder phones: 010 is Beijing, whose local numbers have had 8 digits since 1996, so a
# 7-digit 010 number parses as a landline but cannot reach anyone.
# (lon, lat, properties overrides): a made-up dataset, marked sample, with no real contacts.
TEST_POINTS: list[tuple[float, float, dict[str, Any]]] = [
    # ~0.5 km: "… 米", two phones as separate entries
    (125.3290, 43.8190, {"id": "t-near", "district": "南关区", "adcode": "220102",
                         "phones": ["010-6000001", "010-6000002"],
                         "phone_text": "010-6000001、010-6000002", "precision": "exact",
                         "contact": "测试联系人（占位）"}),
    # ~0.6 km; an older list's raw phone cell only
    (125.3170, 43.8148, {"id": "t-city", "district": None, "adcode": "220100",
                         "phone_text": "010-6000003", "precision": "city"}),
    # ~3.4 km
    (125.2880, 43.8330, {"id": "t-chaoyang", "district": "朝阳区", "adcode": "220104"}),
    # ~6 km; its name must show as text, never as markup
    (125.3400, 43.8700, {"id": "t-html", "name": HTML_NAME, "district": "南关区",
                         "adcode": "220102", "note": "<script>bad()</script>"}),
    # ~54 km
    (125.8390, 44.1510, {"id": "t-jiutai", "district": "九台区", "adcode": "220113"}),
    # ~103 km: whole kilometres
    (126.6000, 43.8378, {"id": "t-jilin", "city": "吉林市", "district": "船营区",
                         "adcode": "220204"}),
    # ~2,000 km, another province
    (112.9388, 28.2282, {"id": "t-changsha", "province": "湖南省", "city": "长沙市",
                         "district": "芙蓉区", "adcode": "430102"}),
]  # fmt: skip


def format_distance(metres: float, lang: str = "zh") -> str:
    """What app.js's formatDistance shows (Math.round is floor(x + 0.5) for positives)."""
    units = {"zh": ("{} 米", "{} 公里", "{} 米以内"), "en": ("{} m", "{} km", "within {} m")}
    metre_unit, km_unit, within = units[lang]
    if metres < 50:
        return within.format(50)
    rounded = math.floor(metres / 10 + 0.5) * 10
    if rounded < 1000:
        return metre_unit.format(rounded)
    tenths = math.floor(metres / 100 + 0.5)
    if tenths < 1000:
        return km_unit.format(f"{tenths / 10:.1f}")
    return km_unit.format(math.floor(metres / 1000 + 0.5))


def publish_test_points(data_dir: Path) -> None:
    features = [
        make_feature(lon, lat, point_properties(str(overrides["id"]), row, **overrides))
        for row, (lon, lat, overrides) in enumerate(TEST_POINTS, start=1)
    ]
    publish_dataset(
        data_dir, features, version="page-test-1", source="tests", sample=True, builder="tests"
    )


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("page-data")
    publish_test_points(data_dir)
    app = create_app(Settings(data_dir=data_dir, access_log=False))
    app.include_router(build_page_router())
    with live_server(app) as url:
        yield url


@pytest.fixture(scope="module")
def api(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=30) as client:
        yield client


def new_context(browser: "Browser", **options: Any) -> "BrowserContext":
    settings: dict[str, Any] = {
        "viewport": VIEWPORT,
        "is_mobile": True,
        "has_touch": True,
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
    }
    settings.update(options)
    return browser.new_context(**settings)


@contextmanager
def open_page(browser: "Browser", **options: Any) -> Iterator["Page"]:
    """A page in a fresh context; fails if the page's script throws or logs an error."""
    context = new_context(browser, **options)
    problems: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
        page.on(
            "console",
            lambda message: (
                problems.append(f"console: {message.text}")
                # An HTTP error status is logged by the browser itself; the page shows those.
                if message.type == "error" and "Failed to load resource" not in message.text
                else None
            ),
        )
        yield page
    finally:
        context.close()
    assert problems == []


@pytest.fixture
def granted(browser: "Browser") -> Iterator["Page"]:
    with open_page(
        browser,
        permissions=["geolocation"],
        geolocation={"latitude": HERE_LAT, "longitude": HERE_LON, "accuracy": 30},
    ) as page:
        yield page


@pytest.fixture
def denied(browser: "Browser") -> Iterator["Page"]:
    # No permission granted: headless Chromium answers the prompt with PERMISSION_DENIED.
    with open_page(browser) as page:
        yield page


def screenshot(page: "Page", name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-390x844.png"))


def nearest_from_api(api: httpx.Client) -> dict[str, Any]:
    response = api.get(
        "/nearest", params={"lat": HERE_LAT, "lon": HERE_LON, "n": 10, "coord": "wgs84"}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_nearest_list_matches_the_api(granted: "Page", base_url: str, api: httpx.Client) -> None:
    expected = nearest_from_api(api)
    assert expected["dataset"]["sample"] is True
    results = expected["results"]
    assert len(results) == len(TEST_POINTS)

    granted.goto(base_url + "/")
    items = granted.locator("#results > li.point")
    expect(items).to_have_count(len(results))
    expect(granted.locator("#results-title")).to_have_text(f"离你最近的 {len(results)} 个采血点")
    expect(granted.locator("#region")).to_be_hidden()

    for item, result in zip(items.all(), results, strict=True):
        assert item.get_attribute("data-id") == result["id"]
        expect(item.locator("h3")).to_have_text(result["name"])
        expect(item.locator(".distance-value")).to_have_text(format_distance(result["distance_m"]))
        expect(item.locator(".address")).to_have_text(result["address"])
        calls = item.locator("a.call")
        expect(calls).to_have_count(len(result["calls"]))
        for link, call in zip(calls.all(), result["calls"], strict=True):
            assert link.get_attribute("href") == call["uri"]
            assert call["uri"].startswith("tel:")
            expect(link).to_contain_text(call["number"])
        for app_name in ("amap", "baidu", "tencent"):
            link = item.locator(f"a.nav-{app_name}")
            assert link.get_attribute("href") == result["navigation"][app_name]
            assert (link.bounding_box() or {"height": 0})["height"] >= 44

    # The placeholders above: two numbers given as entries, one found in a raw cell.
    assert [r["id"] for r in results][:2] == ["t-near", "t-city"]
    assert len(results[0]["calls"]) == 2
    assert len(results[1]["calls"]) == 1
    # A city-level point is ranked, and says how rough its place is.
    assert results[1]["precision"] == "city" and results[1]["located"] is True
    expect(items.nth(1).locator(".precision")).to_have_text("大致位置（地市驻地附近），仅供参考")

    banner = granted.locator("#sample-banner")
    expect(banner).to_have_text("样例数据，并非官方名单")
    expect(granted.locator("#sample-notice")).to_have_text(expected["notice"])
    expect(granted.locator("#error")).to_be_hidden()
    screenshot(granted, "page-nearest")
    # It stays on screen (sticky) however far the list is scrolled.
    items.last.scroll_into_view_if_needed()
    expect(banner).to_be_in_viewport()


def test_denied_location_falls_back_to_province_and_area(
    denied: "Page", base_url: str, api: httpx.Client
) -> None:
    regions = api.get("/regions").json()
    province = next(p for p in regions["provinces"] if p["name"] == "吉林省")
    area = next(a for a in province["areas"] if a["name"] == "长春市")
    expected = api.get("/points", params={"adcode": area["adcode"], "limit": 200}).json()
    assert expected["total"] == len(expected["results"]) == 5

    denied.goto(base_url + "/")
    expect(denied.locator("#status")).to_contain_text("没有获得定位权限")
    expect(denied.locator("#region")).to_be_visible()
    expect(denied.locator("#sample-banner")).to_be_visible()
    expect(denied.locator("#results-section")).to_be_hidden()
    expect(denied.get_by_label("地区", exact=True)).to_be_disabled()

    denied.get_by_label("省份", exact=True).select_option(province["adcode"])
    denied.get_by_label("地区", exact=True).select_option(area["adcode"])

    items = denied.locator("#results > li.point")
    expect(items).to_have_count(len(expected["results"]))
    expect(denied.locator("#results-title")).to_have_text("吉林省长春市：共 5 个采血点")
    for item, result in zip(items.all(), expected["results"], strict=True):
        assert item.get_attribute("data-id") == result["id"]
        expect(item.locator("h3")).to_have_text(result["name"])
        expect(item.locator(".distance")).to_have_count(0)
        hrefs = [link.get_attribute("href") for link in item.locator("a.call").all()]
        assert hrefs == [call["uri"] for call in result["calls"]]
    expect(denied.locator("#more")).to_be_hidden()
    # The list was scrolled into view for the person who chose the area.
    expect(denied.locator("#results-title")).to_be_in_viewport()
    screenshot(denied, "page-fallback")

    # A province with a single area lists it at once, with no second choice to make.
    hunan = next(p for p in regions["provinces"] if p["name"] == "湖南省")
    assert len(hunan["areas"]) == 1
    denied.get_by_label("省份", exact=True).select_option(hunan["adcode"])
    expect(denied.locator("#results-title")).to_have_text("湖南省长沙市：共 1 个采血点")
    expect(denied.locator("#results > li.point")).to_have_count(1)
    assert denied.locator("#results > li.point").get_attribute("data-id") == "t-changsha"


def test_without_location_a_typed_place_lists_the_points_nearest_its_seat(
    denied: "Page", base_url: str, api: httpx.Client
) -> None:
    expected = api.get("/nearest", params={"address": "岳麓区", "n": 10}).json()
    assert expected["query"]["resolved"]["text"] == "湖南省 长沙市 岳麓区"
    assert expected["results"][0]["id"] == "t-changsha"

    denied.goto(base_url + "/")
    expect(denied.locator("#region")).to_be_visible()
    expect(denied.locator("#place")).to_have_attribute("placeholder", "如：长沙市、岳麓区")
    denied.get_by_label("或输入省、市、区县名称").fill("岳麓区")
    denied.get_by_role("button", name="查找", exact=True).click()

    items = denied.locator("#results > li.point")
    expect(items).to_have_count(len(expected["results"]))
    count = len(expected["results"])
    expect(denied.locator("#results-title")).to_have_text(
        f"离“湖南省 长沙市 岳麓区”最近的 {count} 个采血点（距离从当地政府驻地算起）"
    )
    ids = [item.get_attribute("data-id") for item in items.all()]
    assert ids == [result["id"] for result in expected["results"]]
    expect(denied.locator("#error")).to_be_hidden()

    # A name that exists in two cities, or nothing at all: say what to type instead.
    for text in ("朝阳区", "不存在的地方"):
        denied.get_by_label("或输入省、市、区县名称").fill(text)
        denied.get_by_label("或输入省、市、区县名称").press("Enter")
        expect(denied.locator("#error")).to_contain_text("没有找到这个地名")
        expect(denied.locator("#error")).to_be_in_viewport()
        expect(denied.locator("#results-section")).to_be_hidden()  # no stale answer below
    screenshot(denied, "page-place")


@pytest.mark.parametrize(
    ("stub", "message"),
    [
        # the position cannot be determined (no GPS fix, location services off)
        ("(ok, fail) => fail({code: 2, message: 'unavailable'})", "暂时无法确定你的位置"),
        # some in-app browsers never call back at all: the page's own watchdog gives up
        ("() => {}", "定位超时"),
    ],
)
def test_unusable_location_falls_back(
    browser: "Browser", base_url: str, stub: str, message: str
) -> None:
    with open_page(browser) as page:
        page.add_init_script(
            "window.XUNQIN_LOCATE_TIMEOUT_MS = 300;"
            f"navigator.geolocation.getCurrentPosition = {stub};"
        )
        page.goto(base_url + "/")
        expect(page.locator("#status")).to_contain_text(message)
        expect(page.locator("#region")).to_be_visible()
        expect(page.get_by_label("省份", exact=True)).to_be_enabled()


def test_a_late_position_still_finds_the_nearest(browser: "Browser", base_url: str) -> None:
    # The person answered the permission prompt after the page's watchdog had given up.
    coords = json.dumps({"latitude": HERE_LAT, "longitude": HERE_LON, "accuracy": 30})
    late = f"(ok) => setTimeout(() => ok({{coords: {coords}}}), 800)"
    with open_page(browser) as page:
        page.add_init_script(
            "window.XUNQIN_LOCATE_TIMEOUT_MS = 200;"
            f"navigator.geolocation.getCurrentPosition = {late};"
        )
        page.goto(base_url + "/")
        expect(page.locator("#status")).to_contain_text("定位超时")
        expect(page.locator("#results > li.point")).to_have_count(len(TEST_POINTS))
        assert page.locator("#results > li.point").first.get_attribute("data-id") == "t-near"


def test_english_toggle_switches_text_and_is_remembered(granted: "Page", base_url: str) -> None:
    granted.goto(base_url + "/")
    expect(granted.locator("#results > li.point")).to_have_count(len(TEST_POINTS))
    assert granted.locator("html").get_attribute("lang") == "zh-CN"
    toggle = granted.get_by_role("button", name="English")

    toggle.click()
    expect(granted.locator("html")).to_have_attribute("lang", "en")
    expect(granted.locator("h1")).to_have_text("Free DNA blood-collection points")
    expect(granted.locator("#notice-title")).to_have_text("Free, with just your ID card")
    expect(granted.get_by_role("button", name="Find nearest")).to_be_visible()
    expect(granted.locator("#sample-banner strong")).to_have_text(
        "Sample data — not the official list"
    )
    expect(granted.locator("#results-title")).to_have_text(f"The {len(TEST_POINTS)} nearest points")
    first = granted.locator("#results > li.point").first
    expect(first.locator("a.nav-amap")).to_have_text("Amap")
    expect(first.locator("a.call").first).to_contain_text("Call ")
    assert granted.evaluate("localStorage.getItem('xunqin.lang')") == "en"
    screenshot(granted, "page-english")

    granted.reload()
    expect(granted.locator("html")).to_have_attribute("lang", "en")
    expect(granted.locator("#results-title")).to_have_text(f"The {len(TEST_POINTS)} nearest points")
    granted.get_by_role("button", name="中文").click()
    expect(granted.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(granted.locator("h1")).to_have_text("寻亲免费采血点查询")
    assert granted.evaluate("localStorage.getItem('xunqin.lang')") == "zh"


def test_text_from_the_api_is_never_markup(granted: "Page", base_url: str) -> None:
    granted.goto(base_url + "/")
    item = granted.locator('#results > li[data-id="t-html"]')
    expect(item.locator("h3")).to_have_text(HTML_NAME)
    expect(item.locator(".note")).to_have_text("<script>bad()</script>")
    expect(granted.locator("#results b, #results img, #results script")).to_have_count(0)


def test_api_errors_are_shown_as_text(browser: "Browser", tmp_path: Path) -> None:
    # No dataset published here: every data endpoint answers 503 with a JSON message.
    app = create_app(Settings(data_dir=tmp_path, access_log=False))
    app.include_router(build_page_router())
    with (
        live_server(app) as url,
        open_page(
            browser,
            permissions=["geolocation"],
            geolocation={"latitude": HERE_LAT, "longitude": HERE_LON},
        ) as page,
    ):
        message = httpx.get(f"{url}/nearest?lat=1&lon=1").json()["message"]
        page.goto(url + "/")
        error = page.locator("#error")
        expect(error).to_be_visible()
        expect(error).to_have_text("出错了：" + message)
        page.get_by_role("button", name="按地区选择").click()
        expect(error).to_have_text("出错了：" + message)
        expect(page.get_by_label("省份", exact=True)).to_have_text("地区列表加载失败")
        expect(page.locator("#results-section")).to_be_hidden()


@pytest.mark.parametrize("width", [320, 360, 390, 430])
def test_fits_small_phones(browser: "Browser", base_url: str, width: int) -> None:
    with open_page(
        browser,
        viewport={"width": width, "height": 568},
        permissions=["geolocation"],
        geolocation={"latitude": HERE_LAT, "longitude": HERE_LON},
    ) as page:
        page.goto(base_url + "/")
        expect(page.locator("#results > li.point")).to_have_count(len(TEST_POINTS))
        # The list starts below a short screen's fold; the page brings its start into view.
        expect(page.locator("#results-title")).to_be_in_viewport()
        expect(page.locator("#results > li.point").first).to_be_in_viewport()
        page.get_by_role("button", name="按地区选择").click()
        expect(page.get_by_label("省份", exact=True)).to_be_enabled()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        small = page.evaluate(
            """() => [...document.querySelectorAll('button, a, select')]
                .filter((node) => node.offsetParent !== null)
                .map((node) => [node.textContent.trim(), node.getBoundingClientRect().height])
                .filter(([, height]) => height < 44)"""
        )
        assert small == []


@pytest.mark.parametrize(
    "metres",
    [
        0.0,  # at the door
        49.9,  # still "within 50 m"
        851.0,  # metres, to the nearest ten
        994.9,  # rounds to 990 m
        995.0,  # would round to 1000 m: shown as kilometres
        12_345.0,  # one decimal
        99_949.0,  # 99.9 km
        99_950.0,  # 100 km: whole kilometres from here
        2_034_567.8,
    ],
)
def test_distance_format(granted: "Page", base_url: str, metres: float) -> None:
    granted.goto(base_url + "/")
    for lang in ("zh", "en"):
        shown = granted.evaluate(f"window.xunqin.formatDistance({metres!r}, {lang!r})")
        assert shown == format_distance(metres, lang)


def test_page_and_assets_over_http(api: httpx.Client) -> None:
    page = api.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["cache-control"] == "no-cache"
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert page.headers["x-content-type-options"] == "nosniff"
    assert '<html lang="zh-CN">' in page.text
    assert "不受户籍地域限制" in page.text
    for url in ("http://", "https://", "//cdn"):
        assert f'src="{url}' not in page.text and f'href="{url}' not in page.text

    for name, content_type in [
        ("app.js", "text/javascript; charset=utf-8"),
        ("style.css", "text/css; charset=utf-8"),
    ]:
        assert f"/static/{name}?v=" in page.text
        plain = api.get(f"/static/{name}", headers={"Accept-Encoding": "identity"})
        assert plain.status_code == 200
        assert plain.headers["content-type"] == content_type
        assert plain.headers["cache-control"] == "public, max-age=86400"
        assert "content-encoding" not in plain.headers
        zipped = api.get(f"/static/{name}", headers={"Accept-Encoding": "gzip, br"})
        assert zipped.headers["content-encoding"] == "gzip"
        assert zipped.headers["vary"] == "Accept-Encoding"
        assert zipped.content == plain.content  # httpx decodes it
        assert int(zipped.headers["content-length"]) < len(plain.content) / 2
        assert zipped.headers["etag"] != plain.headers["etag"]
        for response in (plain, zipped):
            again = api.get(
                f"/static/{name}",
                headers={
                    "If-None-Match": response.headers["etag"],
                    "Accept-Encoding": response.request.headers["accept-encoding"],
                },
            )
            assert again.status_code == 304
            assert again.content == b""
        head = api.head(f"/static/{name}", headers={"Accept-Encoding": "identity"})
        assert head.status_code == 200
        assert head.content == b""
        assert head.headers["content-length"] == str(len(plain.content))

    assert api.get("/static/..%2Fpage.py").status_code == 404  # only names found at build time
    unknown = api.get("/static/nothing.js")
    assert unknown.status_code == 404
    assert unknown.json()["error"] == "not_found"
    assert "/" not in api.get("/openapi.json").json()["paths"]


def test_large_area_pages_with_more_button(browser: "Browser", tmp_path: Path) -> None:
    # 205 points in one area: the page asks for 200 at a time.
    features = [
        make_feature(
            125.0 + i * 0.001, 43.5, point_properties(f"t-many-{i:03d}", i + 1, adcode="220102")
        )
        for i in range(205)
    ]
    publish_dataset(
        tmp_path, features, version="page-many", source="tests", sample=True, builder="tests"
    )
    app = create_app(Settings(data_dir=tmp_path, access_log=False))
    app.include_router(build_page_router())
    with live_server(app) as url, open_page(browser) as page:
        province = httpx.get(f"{url}/regions").json()["provinces"][0]
        page.goto(url + "/")
        page.get_by_label("省份", exact=True).select_option(province["adcode"])
        page.get_by_label("地区", exact=True).select_option(province["areas"][0]["adcode"])
        items = page.locator("#results > li.point")
        expect(items).to_have_count(200)
        expect(page.locator("#shown-of")).to_have_text("已显示 200 个，共 205 个")
        page.get_by_role("button", name="加载更多").click()
        expect(items).to_have_count(205)
        expect(page.locator("#more")).to_be_hidden()
        expect(page.locator("#shown-of")).to_be_hidden()
        assert items.last.get_attribute("data-id") == "t-many-204"


def test_every_officer_and_number_shows_and_a_point_without_location_says_so(
    browser: "Browser", tmp_path: Path
) -> None:
    # One unit listed on two rows (an office line, then an officer's mobile), and one unit known
    # only to its province, placed at the province's seat right where the phone is.
    merged = point_properties(
        "t-merged", 2, district="南关区", adcode="220102", contact="测试联系人（占位）",
        phones=["010-6000001", "010-6000002"], phone_text="010-6000001 | 010-6000002",
        source_rows=[2, 7],
        contacts=[
            {"contact": None, "phones": ["010-6000001"], "phone_text": "010-6000001",
             "source_row": 2},
            {"contact": "测试联系人（占位）", "phones": ["010-6000002"],
             "phone_text": "010-6000002", "source_row": 7},
        ],
    )  # fmt: skip
    unlocated = point_properties(
        "t-unlocated", 3, city=None, district=None, adcode="220000", precision="province",
        phone_text="010-6000003",
    )  # fmt: skip
    features = [
        make_feature(125.3290, 43.8190, merged),
        make_feature(HERE_LON, HERE_LAT, unlocated),
    ]
    publish_dataset(
        tmp_path, features, version="page-merged", source="tests", sample=True, builder="tests"
    )
    app = create_app(Settings(data_dir=tmp_path, access_log=False))
    app.include_router(build_page_router())
    here = {"latitude": HERE_LAT, "longitude": HERE_LON, "accuracy": 30}
    with (
        live_server(app) as url,
        open_page(browser, permissions=["geolocation"], geolocation=here) as page,
    ):
        page.goto(url + "/")
        items = page.locator("#results > li.point")
        expect(page.locator("#results-title")).to_have_text("离你最近的 1 个采血点")
        expect(items).to_have_count(1)  # the province-level point is never "nearest"
        item = items.first
        assert item.get_attribute("data-id") == "t-merged"
        groups = item.locator(".contact-group")
        expect(groups).to_have_count(2)
        expect(groups.nth(1).locator(".contact")).to_have_text("负责人：测试联系人（占位）")
        hrefs = [link.get_attribute("href") for link in item.locator("a.call").all()]
        assert hrefs == ["tel:0106000001", "tel:0106000002"]
        expect(item.locator(".precision")).to_have_text("大致位置（区县驻地附近），仅供参考")

        page.get_by_role("button", name="按地区选择").click()
        page.get_by_label("省份", exact=True).select_option("220000")
        area = page.get_by_label("地区", exact=True)
        expect(area.locator("option")).to_have_text(
            ["请选择地区", "长春市（1）", "尚无位置，只知道所在省份（1）"]
        )
        area.select_option(label="长春市（1）")
        expect(page.locator("#results-title")).to_have_text("吉林省长春市：共 1 个采血点")
        expect(items).to_have_count(1)
        expect(items.first).to_have_attribute("data-id", "t-merged")
        area.select_option(label="尚无位置，只知道所在省份（1）")
        expect(page.locator("#results-title")).to_have_text(
            "吉林省：1 个采血点尚无位置，只知道所在省份，请先打电话询问地址"
        )
        expect(items).to_have_count(1)  # only the point with no location
        item = page.locator('#results > li.point[data-id="t-unlocated"]')
        expect(item.locator(".no-location")).to_have_text(
            "尚无位置：只知道所在省份，请先打电话询问地址"
        )
        expect(item.locator(".precision")).to_have_count(0)
        expect(item.locator(".distance")).to_have_count(0)
        expect(item.locator(".nav a")).to_have_count(0)  # no directions to the province's seat
        expect(item.locator("a.call")).to_have_count(1)
        screenshot(page, "page-no-location")
        page.locator("#lang-toggle").click()
        expect(item.locator(".no-location")).to_contain_text("No location yet")


def test_points_with_no_location_are_an_area_of_their_own(
    browser: "Browser", tmp_path: Path
) -> None:
    # 湖北省 runs 仙桃市 and 天门市 itself (no city); two of its units are known only to the
    # province. 北京市's one area has the province's own code, as its unlocated point does.
    hubei = {"province": "湖北省", "city": None}
    unlocated = {"district": None, "precision": "province", "phone_text": "010-6000003"}
    points = [
        (114.30, 30.59, "h-wuhan", {**hubei, "city": "武汉市", "district": "江岸区",
                                    "adcode": "420102"}),
        (113.45, 30.36, "h-xiantao", {**hubei, "district": "仙桃市", "adcode": "429004"}),
        (113.17, 30.66, "h-tianmen", {**hubei, "district": "天门市", "adcode": "429006"}),
        (114.34, 30.55, "h-unlocated-a", {**hubei, **unlocated, "adcode": "420000"}),
        (114.34, 30.55, "h-unlocated-b", {**hubei, **unlocated, "adcode": "420000"}),
        (116.40, 39.90, "b-city", {"province": "北京市", "city": "北京市", "district": None,
                                   "adcode": "110000", "precision": "city"}),
        (116.40, 39.90, "b-unlocated", {"province": "北京市", "city": None, **unlocated,
                                        "adcode": "110000"}),
    ]  # fmt: skip
    features = [
        make_feature(lon, lat, point_properties(pid, row, **changes))
        for row, (lon, lat, pid, changes) in enumerate(points, start=1)
    ]
    publish_dataset(
        tmp_path, features, version="page-unlocated", source="tests", sample=True, builder="tests"
    )
    app = create_app(Settings(data_dir=tmp_path, access_log=False))
    app.include_router(build_page_router())
    with live_server(app) as url, open_page(browser) as page:
        regions = httpx.get(f"{url}/regions").json()["provinces"]
        nowhere = "尚无位置，只知道所在省份"  # what the page shows, word for word
        areas = {p["name"]: [(a["name"], a["adcode"], a["points"], a["located"])
                             for a in p["areas"]] for p in regions}  # fmt: skip
        assert areas == {
            "北京市": [("北京市", "110000", 1, True), (nowhere, "110000", 1, False)],
            "湖北省": [
                ("武汉市", "420102", 1, True),  # its one point's code
                ("省直辖县级行政区划", "429000", 2, True),
                (nowhere, "420000", 2, False),
            ],
        }  # fmt: skip
        for province in regions:
            for a in province["areas"]:
                query = {"adcode": a["adcode"], "located": str(a["located"]).lower()}
                listing = httpx.get(f"{url}/points", params=query).json()
                assert listing["total"] == a["points"], a
                assert {r["located"] for r in listing["results"]} == {a["located"]}

        page.goto(url + "/")
        expect(page.locator("#status")).to_contain_text("没有获得定位权限")
        page.get_by_label("省份", exact=True).select_option("420000")
        area = page.get_by_label("地区", exact=True)
        expect(area.locator("option")).to_have_text(
            ["请选择地区", "武汉市（1）", "省直辖县级行政区划（2）", f"{nowhere}（2）"]
        )
        items = page.locator("#results > li.point")
        area.select_option(label="省直辖县级行政区划（2）")
        expect(page.locator("#results-title")).to_have_text(
            "湖北省省直辖县级行政区划：共 2 个采血点"
        )
        expect(items).to_have_count(2)
        assert [i.get_attribute("data-id") for i in items.all()] == ["h-xiantao", "h-tianmen"]
        expect(page.locator("#results .no-location")).to_have_count(0)

        area.select_option(label="尚无位置，只知道所在省份（2）")
        title = "湖北省：2 个采血点尚无位置，只知道所在省份，请先打电话询问地址"
        expect(page.locator("#results-title")).to_have_text(title)
        expect(items).to_have_count(2)
        assert [i.get_attribute("data-id") for i in items.all()] == [
            "h-unlocated-a", "h-unlocated-b"
        ]  # fmt: skip
        for item in items.all():
            expect(item.locator(".no-location")).to_have_text(
                "尚无位置：只知道所在省份，请先打电话询问地址"
            )
            expect(item.locator(".nav a")).to_have_count(0)
            expect(item.locator(".distance")).to_have_count(0)
            expect(item.locator("a.call")).to_have_count(1)  # a number to ask for the address
        screenshot(page, "page-unlocated-area")

        # Two areas share 110000 in 北京市: each lists its own point only.
        page.get_by_label("省份", exact=True).select_option("110000")
        expect(area.locator("option")).to_have_text(
            ["请选择地区", "北京市（1）", "尚无位置，只知道所在省份（1）"]
        )
        area.select_option(label="北京市（1）")
        expect(page.locator("#results-title")).to_have_text("北京市：共 1 个采血点")
        expect(items).to_have_count(1)
        expect(items.first).to_have_attribute("data-id", "b-city")
        area.select_option(label="尚无位置，只知道所在省份（1）")
        expect(page.locator("#results-title")).to_contain_text("北京市：1 个采血点尚无位置")
        expect(items).to_have_count(1)
        expect(items.first).to_have_attribute("data-id", "b-unlocated")

        page.locator("#lang-toggle").click()
        expect(page.locator("#area option").nth(2)).to_have_text(
            "No location yet (province only)（1）"
        )
        expect(page.locator("#results-title")).to_have_text(
            "北京市: 1 points with no location yet, only the province is known."
            " Phone to ask for the address"
        )
