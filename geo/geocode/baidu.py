"""Baidu (百度) as a provider: geopy's BaiduV3 aimed by domain; BD-09 answers, key XUNQIN_BAIDU_KEY.

Baidu's `level` names what it matched, `precise` (1 or 0) whether it placed the point exactly
or only near it, and `confidence` bounds the error; all three set the precision label.
"""

from collections.abc import Mapping
from typing import Any

from geopy.exc import GeocoderRateLimited, GeocoderServiceError, GeocoderUnavailable
from geopy.geocoders import BaiduV3

from geo.core.crs import Crs
from geo.geocode.base import coarser
from geo.geocode.provider import Provider, number, sent_text

__all__ = ("PROVIDER", "BaiduV3WithDomain", "baidu_precision")

_LEVELS = {
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
_POI_LEVELS = frozenset(
    {
        *("地产小区", "商务大厦", "政府机构", "生活服务", "休闲娱乐", "餐饮", "宾馆", "购物"),
        *("金融", "教育", "医疗", "旅游景点", "汽车服务", "火车站", "长途汽车站", "停车场/停车区"),
        *("港口/码头", "收费区/收费站", "飞机场", "机场", "收费处/收费站", "加油站", "绿地"),
    }
)
# Baidu's confidence is an error bound: >= 70 means under 300 m, >= 50 under 1 km, >= 30 5 km.
_CONFIDENCE_CAPS = ((70, "exact"), (50, "street"), (30, "township"), (0, "county"))


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
    precision = "poi" if level in _POI_LEVELS else _LEVELS.get(level, "province")
    if number(raw.get("precise")) != 1:
        precision = coarser(precision, "street")
    confidence = number(raw.get("confidence"))
    if confidence is not None:
        cap = next(label for floor, label in _CONFIDENCE_CAPS if confidence >= floor)
        precision = coarser(precision, cap)
    return precision


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


# Baidu's geocoder does not echo a formatted address: what we sent is what it read.
PROVIDER = Provider(
    "baidu",
    BaiduV3WithDomain,
    "XUNQIN_BAIDU_KEY",
    Crs.BD09,
    baidu_precision,
    resolved=sent_text,
)
