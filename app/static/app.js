// Nearest free police blood-collection point: locate, ask the API, list the answer.
// Plain script, no framework, no build step. Text from the API is only ever set with
// textContent / attributes on created elements, never parsed as HTML.
(function () {
  "use strict";

  var LANG_KEY = "xunqin.lang";
  var NEAREST_N = 10;
  var PAGE_LIMIT = 200;
  // Some in-app browsers never call back at all when location is unavailable; give up on our
  // own after this long. Tests may shorten it by setting window.XUNQIN_LOCATE_TIMEOUT_MS first.
  var LOCATE_TIMEOUT_MS = window.XUNQIN_LOCATE_TIMEOUT_MS || 20000;

  var TEXT = {
    zh: {
      htmlLang: "zh-CN",
      title: "寻亲免费采血点查询",
      pageTitle: "寻亲免费采血点查询",
      toggle: "English",
      toggleLang: "en",
      sampleTitle: "样例数据，并非官方名单",
      noticeTitle: "凭身份证即可免费采血",
      noticeId: "带上身份证，到任一公安机关采血点即可，不受户籍地域限制，不必是本地人。",
      noticeFree: "采血免费。",
      noticeDna: "血样的 DNA 信息将与全国打拐 DNA 数据库比对。",
      locate: "查找附近采血点",
      chooseRegion: "按地区选择",
      regionTitle: "按地区选择",
      provinceLabel: "省份",
      areaLabel: "地区",
      chooseProvince: "请选择省份",
      chooseArea: "请选择地区",
      chooseProvinceFirst: "请先选择省份",
      regionsFailed: "地区列表加载失败",
      placeLabel: "或输入省、市、区县名称",
      placeHint: "如：长沙市、岳麓区",
      placeSearch: "查找",
      placeTitle: function (n, place) {
        return "离“" + place + "”最近的 " + n + " 个采血点（距离从当地政府驻地算起）";
      },
      placeNotFound: "没有找到这个地名。请输入省、市或区县名称，如“长沙市”“岳麓区”；同名的区县请带上所在城市，如“北京朝阳区”。",
      more: "加载更多",
      callAhead: "出发前建议先打电话确认采血时间。",
      emergency: "遇到紧急情况请拨打 110。",
      locating: "正在获取你的位置……",
      searching: "正在查找附近的采血点……",
      loading: "正在加载……",
      denied: "没有获得定位权限。没关系，请在下面选择省份和地区。",
      unavailable: "暂时无法确定你的位置。没关系，请在下面选择省份和地区。",
      timeout: "定位超时。没关系，请在下面选择省份和地区。",
      unsupported: "此浏览器无法定位。没关系，请在下面选择省份和地区。",
      nearestTitle: function (n) { return "离你最近的 " + n + " 个采血点"; },
      noneNearby: "附近没有找到采血点。请按地区选择。",
      areaTitle: function (place, total) { return place + "：共 " + total + " 个采血点"; },
      unlocatedArea: "尚无位置，只知道所在省份",
      unlocatedTitle: function (province, total) {
        return province + "：" + total + " 个采血点尚无位置，只知道所在省份，请先打电话询问地址";
      },
      shownOf: function (shown, total) { return "已显示 " + shown + " 个，共 " + total + " 个"; },
      noneInArea: "这个地区没有采血点记录。",
      distance: "直线距离",
      within: function (m) { return m + " 米以内"; },
      metres: function (m) { return m + " 米"; },
      kilometres: function (km) { return km + " 公里"; },
      contact: "负责人：",
      phoneText: "电话：",
      call: "拨打 ",
      navigate: "导航：",
      navLabel: "用地图导航",
      amap: "高德地图",
      baidu: "百度地图",
      tencent: "腾讯地图",
      precision: {
        street: "位置精确到街道，仅供参考",
        township: "大致位置（乡镇或街道附近），仅供参考",
        county: "大致位置（区县驻地附近），仅供参考",
        city: "大致位置（地市驻地附近），仅供参考"
      },
      noLocation: "尚无位置：只知道所在省份，请先打电话询问地址",
      errorPrefix: "出错了：",
      networkError: "网络连接失败，请检查网络后重试。",
      httpError: function (status) { return "服务器返回错误（" + status + "），请稍后重试。"; }
    },
    en: {
      htmlLang: "en",
      title: "Free DNA blood-collection points",
      pageTitle: "Free DNA blood-collection points for families of missing children",
      toggle: "中文",
      toggleLang: "zh-CN",
      sampleTitle: "Sample data — not the official list",
      noticeTitle: "Free, with just your ID card",
      noticeId: "Bring your ID card to any police blood-collection point. You do not need to be a local resident: household registration does not matter.",
      noticeFree: "Giving a blood sample is free.",
      noticeDna: "The DNA from the sample is compared with the national anti-trafficking DNA database.",
      locate: "Find nearest",
      chooseRegion: "Choose by region",
      regionTitle: "Choose by region",
      provinceLabel: "Province",
      areaLabel: "Area",
      chooseProvince: "Choose a province",
      chooseArea: "Choose an area",
      chooseProvinceFirst: "Choose a province first",
      regionsFailed: "Could not load the regions",
      placeLabel: "Or type a province, city or county (in Chinese)",
      placeHint: "e.g. 长沙市, 岳麓区",
      placeSearch: "Search",
      placeTitle: function (n, place) {
        return "The " + n + " points nearest to " + place + " (distances from its government seat)";
      },
      placeNotFound: "That place was not found. Type a province, city or county in Chinese, such as 长沙市 or 岳麓区; where several share a name, add the city, such as 北京朝阳区.",
      more: "Show more",
      callAhead: "Before you go, phone to check when samples are taken.",
      emergency: "In an emergency, call 110.",
      locating: "Finding your location…",
      searching: "Looking for the nearest points…",
      loading: "Loading…",
      denied: "We could not use your location (permission was not given). That is fine: choose your province and area below.",
      unavailable: "Your location is not available right now. That is fine: choose your province and area below.",
      timeout: "Finding your location took too long. That is fine: choose your province and area below.",
      unsupported: "This browser cannot share your location. That is fine: choose your province and area below.",
      nearestTitle: function (n) { return "The " + n + " nearest points"; },
      noneNearby: "No points found nearby. Please choose by region.",
      areaTitle: function (place, total) { return place + ": " + total + " points"; },
      unlocatedArea: "No location yet (province only)",
      unlocatedTitle: function (province, total) {
        return province + ": " + total + " points with no location yet, only the province is known. Phone to ask for the address";
      },
      shownOf: function (shown, total) { return "Showing " + shown + " of " + total; },
      noneInArea: "No points are listed for this area.",
      distance: "Straight-line distance:",
      within: function (m) { return "within " + m + " m"; },
      metres: function (m) { return m + " m"; },
      kilometres: function (km) { return km + " km"; },
      contact: "Officer in charge: ",
      phoneText: "Phone: ",
      call: "Call ",
      navigate: "Directions: ",
      navLabel: "Directions in a map app",
      amap: "Amap",
      baidu: "Baidu Maps",
      tencent: "Tencent Maps",
      precision: {
        street: "Located to the street; check before you go",
        township: "Approximate location (township); check before you go",
        county: "Approximate location (county seat); check before you go",
        city: "Approximate location (city seat); check before you go"
      },
      noLocation: "No location yet: only the province is known. Phone to ask for the address",
      errorPrefix: "Something went wrong: ",
      networkError: "Could not reach the server. Check your connection and try again.",
      httpError: function (status) { return "The server answered with an error (" + status + "). Please try again later."; }
    }
  };

  var NAV_APPS = ["amap", "baidu", "tencent"];

  var state = {
    lang: "zh",
    generation: 0,     // bumps on every new list request, so a late answer cannot overwrite
    locating: false,
    status: null,      // [key, ...args] of the status line, re-rendered on language switch
    error: null,       // message text, or [key, ...args]
    view: null,        // what the result list shows: {kind: "nearest"|"area", ...}
    regions: null,     // GET /regions body
    regionsRequest: null,
    regionsFailed: false
  };

  function byId(id) { return document.getElementById(id); }

  function t(key) {
    var value = TEXT[state.lang][key];
    if (typeof value === "function") {
      return value.apply(null, Array.prototype.slice.call(arguments, 1));
    }
    return value;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  // "850 米", "12.3 公里": GPS is rarely better than tens of metres, so neither is the display.
  function formatDistance(metres, lang) {
    var texts = TEXT[lang || state.lang];
    if (metres < 50) { return texts.within(50); }
    var rounded = Math.round(metres / 10) * 10;
    if (rounded < 1000) { return texts.metres(rounded); }
    var tenths = Math.round(metres / 100);
    if (tenths < 1000) { return texts.kilometres((tenths / 10).toFixed(1)); }
    return texts.kilometres(String(Math.round(metres / 1000)));
  }

  function readStoredLang() {
    try {
      var stored = window.localStorage.getItem(LANG_KEY);
      return stored === "en" || stored === "zh" ? stored : null;
    } catch (e) {
      return null;  // storage can be disabled in in-app browsers and private windows
    }
  }

  function storeLang(lang) {
    try { window.localStorage.setItem(LANG_KEY, lang); } catch (e) { /* not remembered */ }
  }

  function applyLanguage() {
    var texts = TEXT[state.lang];
    document.documentElement.lang = texts.htmlLang;
    document.title = texts.pageTitle;
    var nodes = document.querySelectorAll("[data-i18n]");
    for (var i = 0; i < nodes.length; i++) {
      nodes[i].textContent = t(nodes[i].getAttribute("data-i18n"));
    }
    byId("place").placeholder = texts.placeHint;
    var toggle = byId("lang-toggle");
    toggle.textContent = texts.toggle;
    toggle.lang = texts.toggleLang;
    renderStatus();
    renderError();
    renderRegionChoices();
    renderView();
  }

  function setStatus(key) {
    state.status = key ? Array.prototype.slice.call(arguments) : null;
    renderStatus();
  }

  function renderStatus() {
    byId("status").textContent = state.status ? t.apply(null, state.status) : "";
  }

  function setError(error) {
    state.error = error;
    renderError();
  }

  function renderError() {
    var box = byId("error");
    if (!state.error) {
      box.hidden = true;
      box.textContent = "";
      return;
    }
    var message = typeof state.error === "string" ? state.error : t.apply(null, state.error);
    box.textContent = t("errorPrefix") + message;
    box.hidden = false;
  }

  function noteDataset(body) {
    if (!body || !body.dataset || !body.dataset.sample) { return; }
    var notice = byId("sample-notice");
    notice.textContent = body.notice || "";
    notice.hidden = !body.notice;
    byId("sample-banner").hidden = false;
  }

  // Resolves with the JSON body; rejects with {message} or {key} for the error line.
  function getJson(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(
        function (response) {
          return response.json().then(
            function (body) { return { response: response, body: body }; },
            function () { return { response: response, body: null }; }
          );
        },
        function () { throw { key: ["networkError"] }; }
      )
      .then(function (answer) {
        var body = answer.body;
        if (!answer.response.ok || body === null || typeof body !== "object") {
          if (body && typeof body.message === "string" && body.message) {
            throw { message: body.message, status: answer.response.status };
          }
          throw { key: ["httpError", answer.response.status], status: answer.response.status };
        }
        noteDataset(body);
        return body;
      });
  }

  // `keepStatus`: the status line explains something else (why location failed) worth keeping.
  function showFailure(problem, keepStatus) {
    if (!keepStatus) { setStatus(null); }
    if (problem && problem.message) {
      setError(problem.message);
    } else if (problem && problem.key) {
      setError(problem.key);
    } else {
      setError(["networkError"]);
    }
  }

  // ---- nearest -------------------------------------------------------------------------

  function locate() {
    if (state.locating) { return; }
    if (!navigator.geolocation) {
      fallBack("unsupported");
      return;
    }
    state.locating = true;
    setError(null);
    setStatus("locating");
    var finished = false;
    var watchdog = window.setTimeout(function () { finish(null, { code: 3 }); }, LOCATE_TIMEOUT_MS);

    function finish(position, problem) {
      if (finished) {
        // A position after our watchdog gave up (someone slow to answer the permission
        // prompt) is still welcome, unless they have meanwhile chosen an area themselves.
        if (position && !state.locating && !(state.view && state.view.kind === "area")) {
          searchNearest(position.coords.latitude, position.coords.longitude);
        }
        return;
      }
      finished = true;
      window.clearTimeout(watchdog);
      state.locating = false;
      if (position) {
        searchNearest(position.coords.latitude, position.coords.longitude);
      } else {
        fallBack(problem && problem.code === 1 ? "denied"
          : problem && problem.code === 3 ? "timeout" : "unavailable");
      }
    }

    try {
      navigator.geolocation.getCurrentPosition(
        function (position) { finish(position, null); },
        function (problem) { finish(null, problem); },
        { enableHighAccuracy: false, timeout: 15000, maximumAge: 600000 }
      );
    } catch (e) {
      finish(null, { code: 2 });
    }
  }

  function searchNearest(lat, lon) {
    var generation = ++state.generation;
    setStatus("searching");
    // The browser's Geolocation API reports WGS-84; five decimals (~1 m) is all a list needs.
    var url = "/nearest?lat=" + encodeURIComponent(lat.toFixed(5)) +
      "&lon=" + encodeURIComponent(lon.toFixed(5)) + "&n=" + NEAREST_N + "&coord=wgs84";
    getJson(url).then(
      function (body) {
        if (generation !== state.generation) { return; }
        setStatus(null);
        state.view = { kind: "nearest", results: body.results || [] };
        renderView();
        // On a small phone the list can start below the screen: bring its start up.
        var title = byId("results-title");
        if (title.getBoundingClientRect().top > window.innerHeight - 120) {
          title.scrollIntoView({ block: "start" });
        }
      },
      function (problem) {
        if (generation !== state.generation) { return; }
        showFailure(problem);
      }
    );
  }

  // ---- by place name (no GPS) -----------------------------------------------------------

  function searchPlace(event) {
    event.preventDefault();
    var text = byId("place").value.trim();
    if (!text) { return; }
    var generation = ++state.generation;
    setError(null);
    setStatus("searching");
    // Resolved by the server to the seat of the county, city or province the text names.
    var url = "/nearest?address=" + encodeURIComponent(text) + "&n=" + NEAREST_N + "&coord=wgs84";
    getJson(url).then(
      function (body) {
        if (generation !== state.generation) { return; }
        setStatus(null);
        var resolved = (body.query && body.query.resolved) || {};
        state.view = { kind: "place", place: resolved.text || text, results: body.results || [] };
        renderView();
        byId("results-title").scrollIntoView({ block: "start" });
      },
      function (problem) {
        if (generation !== state.generation) { return; }
        // An old list under a new error would answer the wrong question: clear it.
        state.view = null;
        renderView();
        showFailure(problem && problem.status === 422 ? { key: ["placeNotFound"] } : problem);
        byId("error").scrollIntoView({ block: "center" });
      }
    );
  }

  // ---- by region -----------------------------------------------------------------------

  function fallBack(reason) {
    setStatus(reason);
    openRegions();
  }

  function loadRegions() {
    if (!state.regionsRequest) {
      state.regionsFailed = false;
      renderRegionChoices();
      state.regionsRequest = getJson("/regions").then(
        function (body) {
          state.regions = body;
          renderRegionChoices();
          return body;
        },
        function (problem) {
          state.regionsRequest = null;  // "choose by region" tries again
          state.regionsFailed = true;
          renderRegionChoices();
          throw problem;
        }
      );
    }
    return state.regionsRequest;
  }

  function openRegions() {
    var section = byId("region");
    section.hidden = false;
    loadRegions().catch(function (problem) {
      if (!section.hidden) { showFailure(problem, true); }
    });
  }

  function selectedProvince() {
    var code = byId("province").value;
    var provinces = (state.regions && state.regions.provinces) || [];
    for (var i = 0; i < provinces.length; i++) {
      if (provinces[i].adcode === code) { return provinces[i]; }
    }
    return null;
  }

  // A province's points with no location yet form an area with the province's own code
  // (located: false), which a municipality's one area also has: the option value tells them apart.
  function choiceValue(item) {
    return item.located === false ? item.adcode + "-unlocated" : item.adcode;
  }

  function choiceName(item) {
    return item.located === false ? t("unlocatedArea") : item.name;
  }

  function selectedArea() {
    var province = selectedProvince();
    var value = byId("area").value;
    var areas = (province && province.areas) || [];
    for (var i = 0; i < areas.length; i++) {
      if (choiceValue(areas[i]) === value) { return areas[i]; }
    }
    return null;
  }

  function fillSelect(select, placeholder, items) {
    var previous = select.value;
    while (select.firstChild) { select.removeChild(select.firstChild); }
    select.appendChild(new Option(placeholder, ""));
    for (var i = 0; i < items.length; i++) {
      var label = choiceName(items[i]) + (typeof items[i].points === "number" ? "（" + items[i].points + "）" : "");
      select.appendChild(new Option(label, choiceValue(items[i])));
    }
    select.value = previous;
    if (select.value !== previous) { select.value = ""; }
  }

  function renderRegionChoices() {
    var provinceSelect = byId("province");
    var areaSelect = byId("area");
    if (!state.regions) {
      fillSelect(provinceSelect, t(state.regionsFailed ? "regionsFailed" : "loading"), []);
      provinceSelect.disabled = true;
      fillSelect(areaSelect, t("chooseProvinceFirst"), []);
      areaSelect.disabled = true;
      return;
    }
    fillSelect(provinceSelect, t("chooseProvince"), state.regions.provinces || []);
    provinceSelect.disabled = false;
    var province = selectedProvince();
    fillSelect(areaSelect, province ? t("chooseArea") : t("chooseProvinceFirst"),
      (province && province.areas) || []);
    areaSelect.disabled = !province;
  }

  function onProvinceChange() {
    var area = byId("area");
    area.value = "";
    renderRegionChoices();
    var province = selectedProvince();
    // A municipality such as 北京市 has one area: no need to make anyone choose it.
    if (province && province.areas && province.areas.length === 1) {
      area.value = choiceValue(province.areas[0]);
      onAreaChange();
    }
  }

  function onAreaChange() {
    var area = selectedArea();
    if (!area) { return; }
    var province = selectedProvince();
    var place = province && province.name !== area.name ? province.name + area.name : area.name;
    state.view = {
      kind: "area", adcode: area.adcode, located: area.located !== false, place: place,
      province: province ? province.name : "", results: [], total: 0
    };
    state.generation++;
    loadAreaPage(0);
  }

  function loadAreaPage(offset) {
    var view = state.view;
    var generation = state.generation;
    setError(null);
    setStatus("loading");
    // `located` too: a municipality's code also covers its points with no location yet.
    var url = "/points?adcode=" + encodeURIComponent(view.adcode) +
      "&located=" + view.located + "&limit=" + PAGE_LIMIT + "&offset=" + offset;
    getJson(url).then(
      function (body) {
        if (generation !== state.generation) { return; }
        setStatus(null);
        view.results = view.results.concat(body.results || []);
        view.total = typeof body.total === "number" ? body.total : view.results.length;
        renderView();
        // The list starts below the choosers, off screen on a small phone: bring both up.
        if (offset === 0) { byId("region").scrollIntoView({ block: "start" }); }
      },
      function (problem) {
        if (generation !== state.generation) { return; }
        showFailure(problem);
      }
    );
  }

  // ---- the list ------------------------------------------------------------------------

  function renderView() {
    var section = byId("results-section");
    var list = byId("results");
    var title = byId("results-title");
    var more = byId("more");
    var view = state.view;
    while (list.firstChild) { list.removeChild(list.firstChild); }
    if (!view) {
      section.hidden = true;
      return;
    }
    section.hidden = false;
    if (view.kind === "nearest") {
      title.textContent = view.results.length ? t("nearestTitle", view.results.length) : t("noneNearby");
      more.hidden = true;
    } else if (view.kind === "place") {
      title.textContent = view.results.length ? t("placeTitle", view.results.length, view.place) : t("noneNearby");
      more.hidden = true;
    } else {
      title.textContent = !view.total ? t("noneInArea")
        : view.located ? t("areaTitle", view.place, view.total)
        : t("unlocatedTitle", view.province, view.total);
      more.hidden = view.results.length >= view.total;
    }
    for (var i = 0; i < view.results.length; i++) {
      list.appendChild(renderPoint(view.results[i]));
    }
    var shownOf = byId("shown-of");
    shownOf.hidden = more.hidden;
    shownOf.textContent = more.hidden ? "" : t("shownOf", view.results.length, view.total);
  }

  function callsOf(point) {
    if (Array.isArray(point.calls)) { return point.calls; }
    // Older API without `calls`: dial the digits of each number.
    return (point.phones || []).map(function (phone) {
      return { number: phone, uri: "tel:" + String(phone).replace(/[^\d+,]/g, "") };
    });
  }

  function callBox(calls, shown) {
    var box = el("div", "calls");
    for (var i = 0; i < calls.length; i++) {
      var uri = calls[i].uri || "";
      if (!/^tel:/i.test(uri) || shown[uri]) { continue; }
      shown[uri] = true;
      var link = el("a", "call", t("call") + calls[i].number);
      link.href = uri;
      box.appendChild(link);
    }
    return box;
  }

  // Every officer with their own numbers (a unit listed on several rows has several), then any
  // number not given with an officer; each number is shown once.
  function renderContacts(item, point) {
    var contacts = Array.isArray(point.contacts) ? point.contacts : [];
    var shown = {};
    if (!contacts.length && point.contact) {
      item.appendChild(el("p", "contact", t("contact") + point.contact));
    }
    for (var i = 0; i < contacts.length; i++) {
      var group = el("div", "contact-group");
      if (contacts[i].contact) {
        group.appendChild(el("p", "contact", t("contact") + contacts[i].contact));
      }
      var own = callBox(contacts[i].calls || [], shown);
      if (own.firstChild) {
        group.appendChild(own);
      } else if (contacts[i].phone_text && !(contacts[i].calls || []).length) {
        group.appendChild(el("p", "phone-text", t("phoneText") + contacts[i].phone_text));
      }
      if (group.firstChild) { item.appendChild(group); }
    }
    var rest = callBox(callsOf(point), shown);
    if (rest.firstChild) {
      item.appendChild(rest);
    } else if (!contacts.length && !callsOf(point).length && point.phone_text) {
      item.appendChild(el("p", "phone-text", t("phoneText") + point.phone_text));
    }
  }

  function renderPoint(point) {
    var item = el("li", "point");
    item.setAttribute("data-id", point.id);
    item.appendChild(el("h3", "name", point.name));

    if (typeof point.distance_m === "number") {
      var distance = el("p", "distance");
      distance.appendChild(el("span", "label", t("distance") + " "));
      distance.appendChild(el("span", "distance-value", formatDistance(point.distance_m)));
      item.appendChild(distance);
    }
    if (point.address) { item.appendChild(el("p", "address", point.address)); }
    if (point.located === false) {
      item.appendChild(el("p", "no-location", t("noLocation")));
    } else {
      var precision = TEXT[state.lang].precision[point.precision];
      if (precision) { item.appendChild(el("p", "precision", precision)); }
    }
    renderContacts(item, point);

    var navigation = point.navigation || {};
    var nav = el("div", "nav");
    nav.setAttribute("role", "group");
    nav.setAttribute("aria-label", t("navLabel"));
    nav.appendChild(el("span", "label", t("navigate")));
    for (var j = 0; j < NAV_APPS.length; j++) {
      var href = navigation[NAV_APPS[j]];
      if (typeof href !== "string" || !/^https:\/\//i.test(href)) { continue; }
      var navLink = el("a", "nav-" + NAV_APPS[j], t(NAV_APPS[j]));
      navLink.href = href;
      navLink.target = "_blank";
      navLink.rel = "noopener noreferrer";
      nav.appendChild(navLink);
    }
    if (nav.querySelector("a")) { item.appendChild(nav); }

    if (point.note) { item.appendChild(el("p", "note", point.note)); }
    return item;
  }

  // ---- start ---------------------------------------------------------------------------

  function start() {
    state.lang = readStoredLang() || "zh";
    byId("lang-toggle").addEventListener("click", function () {
      state.lang = state.lang === "zh" ? "en" : "zh";
      storeLang(state.lang);
      applyLanguage();
    });
    byId("locate").addEventListener("click", locate);
    byId("choose-region").addEventListener("click", function () {
      openRegions();
      byId("province").focus();
    });
    byId("province").addEventListener("change", onProvinceChange);
    byId("area").addEventListener("change", onAreaChange);
    byId("place-form").addEventListener("submit", searchPlace);
    byId("more").addEventListener("click", function () {
      if (state.view && state.view.kind === "area") { loadAreaPage(state.view.results.length); }
    });
    applyLanguage();
    // Fetched early: it tells us at once whether this is sample data, and the fallback is ready.
    loadRegions().catch(function () { /* reported when the region chooser is opened */ });
    locate();
  }

  window.xunqin = { formatDistance: formatDistance };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
