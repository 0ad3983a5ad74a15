"""Online geocoding providers behind one `Placer`: keys from the environment, answers in WGS-84.

`PROVIDERS` is the table: each provider's geopy class, the environment variable holding its key,
the coordinate system it answers in, and how its own words for match quality map onto
`PRECISIONS`. A provider that answers with a city or county centre for an address it did not
understand says so in its level; that level becomes a coarse label, never "poi" or "exact".
`make_placer("amap")` builds a `ProviderPlacer`: paced by geopy's `RateLimiter`, retried with
exponential backoff on outages, timeouts and per-second limits, and never retrying (or hiding)
a refused key or an exhausted daily quota.
"""

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from geopy.adapters import AdapterHTTPError, URLLibAdapter
from geopy.exc import (
    GeocoderRateLimited,
    GeocoderServiceError,
    GeocoderTimedOut,
    GeocoderUnavailable,
)
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import BaiduV3, Nominatim
from geopy.location import Location
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from geo.core.crs import Crs, to_wgs84
from geo.core.errors import GeoError
from geo.geocode.amap import Amap
from geo.geocode.base import GeocodeQuery, Placement, precision_rank
from geo.geocode.tencent import Tencent
from geo.geocode.tianditu import Tianditu
from geo.pipeline.cache import normalise_text

logger = logging.getLogger(__name__)

USER_AGENT = "xunqin-locator/0.1"
# Transient failures, worth waiting for; a refused key or a spent daily quota is not.
RETRIED_ERRORS: tuple[type[Exception], ...] = (
    GeocoderUnavailable,
    GeocoderTimedOut,
    GeocoderRateLimited,
)


def is_transient(error: BaseException) -> bool:
    """Whether waiting and asking again may help: outages, timeouts, per-second limits, HTTP 5xx.

    A refused key, an exhausted daily quota and a malformed request are not transient.
    """
    if isinstance(error, RETRIED_ERRORS):
        return True
    cause = error.__cause__
    return (
        type(error) is GeocoderServiceError
        and isinstance(cause, AdapterHTTPError)
        and cause.status_code >= 500
    )


class GeocoderConfigError(GeoError, ValueError):
    """An online geocoder cannot be built: unknown name, missing key, unsafe settings."""


def coarser(first: str, second: str) -> str:
    """The coarser of two precision labels.

    >>> coarser("poi", "county"), coarser("province", "street")
    ('county', 'province')
    """
    return first if precision_rank(first) >= precision_rank(second) else second


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


# Words outside these tables are treated as the coarsest label: an unknown answer is not precise.
_AMAP_LEVELS = {
    "门牌号": "exact",
    "单元号": "exact",
    "兴趣点": "poi",
    "公交站台、地铁站": "poi",
    "公交站台": "poi",
    "地铁站": "poi",
    "道路": "street",
    "道路交叉路口": "street",
    "热点商圈": "township",
    "村庄": "township",
    "乡镇": "township",
    "开发区": "county",  # a development zone's centre: as coarse as a county for a visitor
    "区县": "county",
    "市": "city",
    "省": "province",
    "国家": "province",
}


def amap_precision(raw: Mapping[str, Any]) -> str:
    """Amap's `level` as one of PRECISIONS.

    >>> amap_precision({"level": "门牌号"}), amap_precision({"level": "市"})
    ('exact', 'city')
    """
    return _AMAP_LEVELS.get(str(raw.get("level", "")), "province")


_TENCENT_LEVELS = {
    1: "city",  # 城市
    2: "county",  # 区、县
    3: "township",  # 乡镇、街道
    4: "township",  # 村庄
    5: "county",  # 开发区
    6: "township",  # 热点区域、商圈
    7: "street",  # 道路
    8: "street",  # 道路附属点：交叉口、收费站等
    9: "exact",  # 门址
    10: "poi",  # 小区、大厦
    11: "poi",  # POI点
}
# Tencent: reliability >= 7 is a dependable parse; below it the point may be far off.
TENCENT_RELIABLE = 7


def tencent_precision(raw: Mapping[str, Any]) -> str:
    """Tencent's numeric `level`, capped at "township" when `reliability` is below 7.

    >>> tencent_precision({"level": 11, "reliability": 7}), tencent_precision({"level": 1})
    ('poi', 'city')
    >>> tencent_precision({"level": 9, "reliability": 5})
    'township'
    """
    level = _number(raw.get("level"))
    precision = _TENCENT_LEVELS.get(int(level), "province") if level is not None else "province"
    reliability = _number(raw.get("reliability"))
    if reliability is not None and reliability < TENCENT_RELIABLE:
        precision = coarser(precision, "township")
    return precision


_BAIDU_LEVELS = {
    "门址": "exact",
    "道路": "street",
    "交叉路口": "street",
    "桥": "street",
    "乡镇": "township",
    "村庄": "township",
    "商圈": "township",
    "工业园区": "township",
    "区县": "county",
    "城市": "city",
    "省": "province",
    "国家": "province",
    "UNKNOWN": "province",
}
_BAIDU_POI_LEVELS = frozenset(
    {
        *("地产小区", "商务大厦", "政府机构", "生活服务", "休闲娱乐", "餐饮", "宾馆", "购物"),
        *("金融", "教育", "医疗", "旅游景点", "汽车服务", "火车站", "长途汽车站", "停车场/停车区"),
        *("港口/码头", "收费区/收费站", "飞机场", "机场", "收费处/收费站", "加油站", "绿地"),
    }
)
# Baidu's confidence is an error bound: >= 70 means under 300 m, >= 50 under 1 km, >= 30 5 km.
_BAIDU_CONFIDENCE_CAPS = ((70, "exact"), (50, "street"), (30, "township"), (0, "county"))


def baidu_precision(raw: Mapping[str, Any]) -> str:
    """Baidu's `level`, no finer than "street" unless `precise` is 1, capped by `confidence`.

    >>> baidu_precision({"level": "政府机构", "precise": 1, "confidence": 80})
    'poi'
    >>> baidu_precision({"level": "门址", "precise": 0, "confidence": 80})
    'street'
    >>> baidu_precision({"level": "城市", "precise": 0, "confidence": 12})
    'city'
    """
    level = str(raw.get("level", ""))
    precision = "poi" if level in _BAIDU_POI_LEVELS else _BAIDU_LEVELS.get(level, "province")
    if _number(raw.get("precise")) != 1:
        precision = coarser(precision, "street")
    confidence = _number(raw.get("confidence"))
    if confidence is not None:
        cap = next(label for floor, label in _BAIDU_CONFIDENCE_CAPS if confidence >= floor)
        precision = coarser(precision, cap)
    return precision


# Tianditu's level words are not all documented; known ones first, then by what they contain.
_TIANDITU_LEVELS = {"门址": "exact", "兴趣点": "poi", "POI": "poi", "道路": "street"}
_TIANDITU_WORDS = (
    (("门牌", "门址"), "exact"),
    (("兴趣点", "POI", "poi", "小区", "大厦", "楼"), "poi"),
    (("道路", "交叉", "路口"), "street"),
    (("乡", "镇", "街道", "村", "社区"), "township"),
    (("区县", "县", "区"), "county"),
    (("市",), "city"),
)


def tianditu_precision(raw: Mapping[str, Any]) -> str:
    """Tianditu's `level` word as one of PRECISIONS; an unknown word counts as "province".

    >>> tianditu_precision({"level": "门址"}), tianditu_precision({"level": "区县"})
    ('exact', 'county')
    """
    level = str(raw.get("level", ""))
    if level in _TIANDITU_LEVELS:
        return _TIANDITU_LEVELS[level]
    for words, precision in _TIANDITU_WORDS:
        if any(word in level for word in words):
            return precision
    return "province"


_NOMINATIM_ADDRESSTYPES = {
    "house": "exact",
    "road": "street",
    "hamlet": "township",
    "village": "township",
    "town": "township",
    "township": "township",
    "suburb": "township",
    "quarter": "township",
    "neighbourhood": "township",
    "city_district": "county",
    "district": "county",
    "county": "county",
    "city": "city",
    "municipality": "city",
    "region": "city",
    "state": "province",
    "province": "province",
    "country": "province",
}


def nominatim_precision(raw: Mapping[str, Any]) -> str:
    """Nominatim's `addresstype` when it names a level, else its `place_rank`.

    >>> nominatim_precision({"addresstype": "city", "place_rank": 16})
    'city'
    >>> nominatim_precision({"addresstype": "police", "place_rank": 30})
    'poi'
    """
    addresstype = str(raw.get("addresstype", ""))
    if addresstype in _NOMINATIM_ADDRESSTYPES:
        return _NOMINATIM_ADDRESSTYPES[addresstype]
    rank = _number(raw.get("place_rank"))
    if rank is None:
        return "province"
    # Nominatim's search ranks: 8 province (admin_level 4), 10 prefecture, 12 county,
    # 16-25 towns and villages, 26-27 streets, 28-30 buildings and named places.
    for floor, precision in ((28, "poi"), (26, "street"), (16, "township"), (12, "county")):
        if rank >= floor:
            return precision
    return "city" if rank >= 10 else "province"


class BaiduV3WithDomain(BaiduV3):  # type: ignore[misc]  # geopy ships no type information
    """geopy's BaiduV3 aimed at any host, reading "no result" and concurrency limits right.

    Baidu answers an address it cannot place with status 1 and "无相关结果", which geopy's class
    takes for an internal error; it answers 401/402 when the concurrency quota is exceeded,
    which is a per-second limit, not a spent daily quota.
    """

    def __init__(self, api_key: str, *, domain: str = "api.map.baidu.com", **kwargs: Any) -> None:
        super().__init__(api_key, **kwargs)
        self.domain = domain.strip("/")
        self.api = f"{self.scheme}://{self.domain}{self.api_path}"
        self.reverse_api = f"{self.scheme}://{self.domain}{self.reverse_path}"

    def _parse_json(self, page: Any, exactly_one: bool = True) -> Any:
        if not isinstance(page, dict):
            raise GeocoderServiceError(f"Baidu answered with unexpected JSON: {page!r:.200}")
        if page.get("status") == 1 and "无相关结果" in str(page.get("msg", "")):
            return None
        location = super()._parse_json(page, exactly_one=True)
        return location if exactly_one or location is None else [location]

    def _check_status(self, status: Any) -> None:
        if status == 1:
            raise GeocoderUnavailable("Baidu error 1: internal server error")
        if status in (401, 402):
            raise GeocoderRateLimited(f"Baidu error {status}: concurrency quota exceeded")
        super()._check_status(status)


def _formatted_address(location: Location, sent: str) -> str:
    return str(location.address or "") or sent


def _sent_text(location: Location, sent: str) -> str:
    return sent


def _adcode(path: tuple[str, ...]) -> Callable[[Mapping[str, Any]], str | None]:
    def read(raw: Mapping[str, Any]) -> str | None:
        value: Any = raw
        for key in path:
            value = value.get(key) if isinstance(value, Mapping) else None
        return value if isinstance(value, str) and value.isdigit() and len(value) == 6 else None

    return read


def _no_adcode(raw: Mapping[str, Any]) -> str | None:
    return None


@dataclass(frozen=True)
class Provider:
    """One online geocoder: how to build it, and how to read its answers."""

    name: str
    geocoder_class: type[Any]
    key_variable: str  # the environment variable holding the key (Nominatim: the user agent)
    crs: Crs  # the coordinate system its answers are in
    precision: Callable[[Mapping[str, Any]], str]
    adcode: Callable[[Mapping[str, Any]], str | None] = _no_adcode
    resolved: Callable[[Location, str], str] = _formatted_address
    min_delay_seconds: float = 0.2
    # The least delay its usage policy allows against its public host.
    policy_min_delay_seconds: float = 0.0
    geocode_kwargs: Mapping[str, Any] = field(default_factory=dict)

    def build(self, credential: str, **options: Any) -> Any:
        options = {key: value for key, value in options.items() if value is not None}
        if self.geocoder_class is Nominatim:
            return Nominatim(user_agent=credential, **options)
        return self.geocoder_class(credential, user_agent=USER_AGENT, **options)


PROVIDERS: dict[str, Provider] = {
    provider.name: provider
    for provider in (
        Provider(
            "amap",
            Amap,
            "XUNQIN_AMAP_KEY",
            Crs.GCJ02,
            amap_precision,
            adcode=_adcode(("adcode",)),
        ),
        Provider("tianditu", Tianditu, "XUNQIN_TIANDITU_KEY", Crs.WGS84, tianditu_precision),
        Provider(
            "tencent",
            Tencent,
            "XUNQIN_TENCENT_KEY",
            Crs.GCJ02,
            tencent_precision,
            adcode=_adcode(("ad_info", "adcode")),
        ),
        # Baidu's geocoder does not echo a formatted address: what we sent is what it read.
        Provider(
            "baidu",
            BaiduV3WithDomain,
            "XUNQIN_BAIDU_KEY",
            Crs.BD09,
            baidu_precision,
            resolved=_sent_text,
        ),
        Provider(
            "nominatim",
            Nominatim,
            "XUNQIN_NOMINATIM_USER_AGENT",
            Crs.WGS84,
            nominatim_precision,
            min_delay_seconds=1.0,
            policy_min_delay_seconds=1.0,  # the public server's usage policy: <= 1 request/s
            geocode_kwargs={"country_codes": "cn"},
        ),
    )
}


def provider_named(name: str) -> Provider:
    """The provider called `name`; an unknown name is an error listing the known ones.

    >>> provider_named("amap").crs
    <Crs.GCJ02: 'gcj02'>
    """
    try:
        return PROVIDERS[name]
    except KeyError:
        known = ", ".join(sorted(PROVIDERS))
        raise GeocoderConfigError(f"unknown geocoder {name!r}; expected one of: {known}") from None


class _Backoff:
    """Exponential waits between attempts, at least as long as a Retry-After asks."""

    def __init__(self, first_s: float, max_s: float) -> None:
        self.first_s = first_s
        self.max_s = max_s

    def __call__(self, state: RetryCallState) -> float:
        wait = self.first_s * 2.0 ** (state.attempt_number - 1)
        error = state.outcome.exception() if state.outcome is not None else None
        retry_after = getattr(error, "retry_after", None)
        if isinstance(retry_after, int | float):
            wait = max(wait, float(retry_after))
        return min(wait, self.max_s)


class ProviderPlacer:
    """A `Placer` over one online provider: paced, retried, answers converted to WGS-84."""

    def __init__(
        self,
        provider: Provider,
        geocoder: Any,
        *,
        min_delay_seconds: float,
        max_retries: int = 3,
        backoff_s: float = 1.0,
        max_backoff_s: float = 60.0,
    ) -> None:
        self.name = provider.name
        self.provider = provider
        self.geocoder = geocoder
        self.requests = 0  # attempts made, retries included
        self._paced = RateLimiter(
            self._ask,
            min_delay_seconds=min_delay_seconds,
            max_retries=0,  # retries are tenacity's, with backoff; the limiter only paces
            error_wait_seconds=min_delay_seconds,
            swallow_exceptions=False,
        )
        self._retrying = Retrying(
            retry=retry_if_exception(is_transient),
            stop=stop_after_attempt(max_retries + 1),
            wait=_Backoff(backoff_s, max_backoff_s),
            before_sleep=self._log_retry,
            reraise=True,
        )

    def _ask(self, text: str) -> Any:
        self.requests += 1
        return self.geocoder.geocode(text, exactly_one=True, **self.provider.geocode_kwargs)

    def _log_retry(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome is not None else None
        logger.warning(
            "%s: attempt %d failed (%s), retrying", self.name, state.attempt_number, error
        )

    def place(self, query: GeocodeQuery) -> Placement | None:
        """Ask the provider; None when it found nothing. Errors are geopy's, after retries."""
        text = normalise_text(query.text())
        if not text:
            return None
        location = self._retrying(self._paced, text)
        if location is None:
            return None
        raw = dict(location.raw) if isinstance(location.raw, Mapping) else {}
        lon, lat = to_wgs84(
            float(location.longitude), float(location.latitude), source=self.provider.crs
        )
        precision = self.provider.precision(raw)
        return Placement(
            lon=lon,
            lat=lat,
            precision=precision,
            source=self.name,
            resolved=self.provider.resolved(location, text),
            adcode=self.provider.adcode(raw),
            raw=raw,
        )


def make_placer(
    name: str,
    *,
    domain: str | None = None,
    scheme: str | None = None,
    min_delay_seconds: float | None = None,
    timeout_s: float = 10.0,
    max_retries: int = 3,
    backoff_s: float = 1.0,
    environ: Mapping[str, str] | None = None,
    adapter_factory: Any = None,
) -> ProviderPlacer:
    """A placer for the provider `name`, its key read from the environment.

    `domain` and `scheme` aim it elsewhere (a proxy, or a test server on 127.0.0.1).

    >>> make_placer("amap", environ={})
    Traceback (most recent call last):
    ...
    geo.geocode.online.GeocoderConfigError: the amap geocoder needs its key in XUNQIN_AMAP_KEY
    """
    provider = provider_named(name)
    env = os.environ if environ is None else environ
    credential = env.get(provider.key_variable, "").strip()
    if not credential:
        raise GeocoderConfigError(
            f"the {name} geocoder needs its key in {provider.key_variable}"
            if provider.geocoder_class is not Nominatim
            else f"the {name} geocoder needs a user agent naming this deployment and a contact"
            f" in {provider.key_variable}"
        )
    delay = provider.min_delay_seconds if min_delay_seconds is None else min_delay_seconds
    if domain is None and delay < provider.policy_min_delay_seconds:
        raise GeocoderConfigError(
            f"min_delay_seconds must be at least {provider.policy_min_delay_seconds} for the"
            f" public {name} server (its usage policy), got {delay}"
        )
    if delay < 0 or timeout_s <= 0 or max_retries < 0 or backoff_s < 0:
        raise GeocoderConfigError(
            "min_delay_seconds, max_retries and backoff_s must be >= 0 and timeout_s > 0, got"
            f" {delay}, {max_retries}, {backoff_s} and {timeout_s}"
        )
    geocoder = provider.build(
        credential,
        domain=domain,
        scheme=scheme,
        timeout=timeout_s,
        # urllib: no connection-level retries of its own, so ours are the only ones.
        adapter_factory=adapter_factory or URLLibAdapter,
    )
    return ProviderPlacer(
        provider,
        geocoder,
        min_delay_seconds=delay,
        max_retries=max_retries,
        backoff_s=backoff_s,
    )
