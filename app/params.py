"""Parameters of /nearest: one table that validates query strings and batch items alike and
documents them in OpenAPI.

FastAPI's generic parameter machinery costs more per request than the geodesic search itself
(bench/http_throughput.py, docs/benchmarks.md), so the hot endpoint parses its four numbers
here, with the same messages, and declares them to OpenAPI from the same table.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from app.errors import describe_value
from app.settings import Settings
from geo.core.crs import Crs
from geo.core.errors import InvalidQuery
from geo.query.catalogue import ADCODE_RULE, BLANK_CHARACTERS, NAME_MAX_LENGTH


def query_dict(query_string: bytes) -> dict[str, str]:
    """A raw query string as starlette's `request.query_params` reads it (latin-1 text,
    `parse_qsl` with blanks kept, the last of repeated names wins), for one dict lookup per
    parameter; unquoting only the parts that need it is what makes it cheaper.

    >>> query_dict(b"lat=30.5&lon=120&n=&address=%E9%95%BF%E6%B2%99+%E5%8E%BF&lat=31&&x")
    {'lat': '31', 'lon': '120', 'n': '', 'address': '长沙 县', 'x': ''}
    """
    query: dict[str, str] = {}
    for pair in query_string.decode("latin-1").split("&"):
        if not pair:
            continue
        name, _, value = pair.partition("=")
        if "%" in name or "+" in name:
            name = unquote(name.replace("+", " "), errors="replace")
        if "%" in value or "+" in value:
            value = unquote(value.replace("+", " "), errors="replace")
        query[name] = value
    return query


def _invalid(name: str, rule: str, raw: object) -> InvalidQuery:
    return InvalidQuery(f"{name} must be {rule}, got {describe_value(raw)}", param=name)


def _query_parameter(
    name: str,
    description: str,
    schema: dict[str, Any],
    required: bool = False,
    example: object = None,
) -> dict[str, Any]:
    """One OpenAPI query-parameter entry, in the key order FastAPI itself writes."""
    spec: dict[str, Any] = {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
    }
    spec["schema"] = schema
    if example is not None:
        spec["example"] = example
    return spec


@dataclass(frozen=True)
class NumberParam:
    """One numeric query parameter: its range, its meaning, and how to say it is wrong."""

    name: str
    integer: bool
    minimum: float
    maximum: float
    rule: str  # what it accepts, in words: "{name} must be {rule}"
    description: str
    required: bool = False
    example: float | None = None

    def parse(self, raw: object) -> float | int | None:
        """Text from a query string, or a number from a JSON body."""
        if raw is None:
            if self.required:
                raise InvalidQuery(f"{self.name} is required: {self.rule}", param=self.name)
            return None
        value: float | int
        if isinstance(raw, str):
            # Python's int()/float() also take spaces, underscores and non-ASCII digits; the
            # schema promises plain numbers, so anything else is refused rather than guessed.
            if not (_INTEGER if self.integer else _NUMBER).fullmatch(raw):
                raise self.invalid(raw)
            value = int(raw) if self.integer else float(raw)
        elif isinstance(raw, int | float) and not isinstance(raw, bool):
            if self.integer and not (isinstance(raw, int) or raw.is_integer()):
                raise self.invalid(raw)
            value = int(raw) if self.integer else float(raw)
        else:
            raise self.invalid(raw)
        if not self.minimum <= value <= self.maximum:  # also false for NaN
            raise self.invalid(raw)
        return value

    def invalid(self, raw: object) -> InvalidQuery:
        return _invalid(self.name, self.rule, raw)

    def openapi(self) -> dict[str, Any]:
        schema = {
            "type": "integer" if self.integer else "number",
            "minimum": self.minimum,
            "maximum": self.maximum,
        }
        return _query_parameter(self.name, self.description, schema, self.required, self.example)


@dataclass(frozen=True)
class CoordParam:
    """Which coordinate system the caller speaks: input converted from it, output into it."""

    name: str = "coord"
    rule: str = "one of wgs84, gcj02, bd09"

    def parse(self, raw: object) -> Crs:
        if raw is None:
            return Crs.WGS84
        if isinstance(raw, str) and raw in _CRS_NAMES:
            return _CRS_NAMES[raw]
        raise _invalid(self.name, self.rule, raw)

    def openapi(self) -> dict[str, Any]:
        schema = {"type": "string", "enum": list(_CRS_NAMES), "default": Crs.WGS84.value}
        return _query_parameter(self.name, COORD_DESCRIPTION, schema)


COORD_DESCRIPTION = (
    "坐标系：wgs84（GPS、微信 wx.getLocation 默认）、gcj02（高德、腾讯、微信 type:'gcj02'）、"
    "bd09（百度）。输入按此换算，结果坐标也用此坐标系。"
    " / Coordinate system of lat/lon: wgs84 (GPS), gcj02 (Amap, Tencent, WeChat gcj02),"
    " bd09 (Baidu). Input is converted from it and result coordinates are given in it."
)
_CRS_NAMES = {crs.value: crs for crs in Crs}
_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")


@dataclass(frozen=True)
class TextParam:
    """A free-text place name or address, for people without GPS."""

    name: str = "address"
    max_length: int = 100
    rule: str = (
        "a place name or address in Chinese (1 to 100 characters), such as 长沙市, 岳麓区 or "
        "湖南省长沙市岳麓区麓山南路"
    )

    def parse(self, raw: object) -> str | None:
        if raw is None:
            return None
        if not isinstance(raw, str) or not raw.strip() or len(raw) > self.max_length:
            raise _invalid(self.name, self.rule, raw)
        return raw.strip()

    def openapi(self) -> dict[str, Any]:
        schema = {"type": "string", "minLength": 1, "maxLength": self.max_length}
        return _query_parameter(self.name, ADDRESS_DESCRIPTION, schema, example="长沙市岳麓区")


ADDRESS_DESCRIPTION = (
    "没有定位时可填地名或地址（如 长沙市、岳麓区、北京朝阳），代替 lat/lon；按所在区县或地市的"
    "政府驻地查询，结果的 query.resolved 说明识别为何处及其精度。"
    " / Instead of lat and lon: a city, county or full address in Chinese. It is resolved"
    " offline to the seat of the county (or city, or province) it names; query.resolved says"
    " what it was understood as and how precisely."
)


@dataclass(frozen=True)
class NearestParams:
    lat: float | None  # None when the place is given as `address`
    lon: float | None
    n: int
    radius_m: float | None
    coord: Crs
    address: str | None = None


class NearestParamRules:
    """Parses /nearest's query string against the limits in `Settings`."""

    def __init__(self, settings: Settings) -> None:
        self.default_n = settings.default_n
        self.lat = NumberParam(
            "lat", False, -90, 90, "a finite latitude in degrees within [-90, 90]",
            "纬度，默认 WGS-84（GPS 原始坐标）；不填 address 时必填 / Latitude, WGS-84 degrees"
            " by default; required unless address is given",
            example=43.8171,
        )  # fmt: skip
        self.lon = NumberParam(
            "lon", False, -180, 180, "a finite longitude in degrees within [-180, 180]",
            "经度；不填 address 时必填 / Longitude; required unless address is given",
            example=125.3235,
        )  # fmt: skip
        self.n = NumberParam(
            "n", True, 1, settings.max_n, f"an integer within [1, {settings.max_n}]",
            f"返回数量，默认 {settings.default_n} / How many points, default {settings.default_n}",
        )  # fmt: skip
        self.radius_m = NumberParam(
            "radius_m", False, 0, settings.max_radius_m,
            f"a distance in metres within [0, {settings.max_radius_m:.0f}]",
            "只返回此距离（米）以内的点 / Only points within this many metres",
            example=50000,
        )  # fmt: skip
        self.coord = CoordParam()
        self.address = TextParam()

    def openapi(self) -> list[dict[str, Any]]:
        numbers = (self.lat, self.lon, self.n, self.radius_m)
        return (
            [param.openapi() for param in numbers]
            + [self.coord.openapi()]
            + [self.address.openapi()]
        )

    def rules(self) -> dict[str, str]:
        params: tuple[NumberParam | CoordParam | TextParam, ...] = (
            self.lat, self.lon, self.n, self.radius_m, self.coord, self.address
        )  # fmt: skip
        return {param.name: param.rule for param in params}

    def parse(self, query: Mapping[str, Any]) -> NearestParams:
        address = self.address.parse(query.get("address"))
        raw_lat, raw_lon = query.get("lat"), query.get("lon")
        if address is not None and (raw_lat is not None or raw_lon is not None):
            raise InvalidQuery("give either lat and lon, or address, not both", param="address")
        lat = lon = None
        if address is None:
            for param, raw in ((self.lat, raw_lat), (self.lon, raw_lon)):
                if raw is None:
                    raise InvalidQuery(
                        f"{param.name} is required (or give address instead of lat and lon): "
                        f"{param.rule}",
                        param=param.name,
                    )
            lat, lon = self.lat.parse(raw_lat), self.lon.parse(raw_lon)
        n = self.n.parse(query.get("n"))
        radius_m = self.radius_m.parse(query.get("radius_m"))
        coord = self.coord.parse(query.get("coord"))
        return NearestParams(
            lat=None if lat is None else float(lat),
            lon=None if lon is None else float(lon),
            n=self.default_n if n is None else int(n),
            radius_m=None if radius_m is None else float(radius_m),
            coord=coord,
            address=address,
        )


# /points filters: FastAPI validates them (that endpoint is not hot), with the rules
# geo.query.catalogue applies, so the declared schema and the check cannot drift apart.
MAX_LIST_LIMIT = 200
LOCATED_FILTER_DESCRIPTION = (
    "true：只列有位置的点；false：只列尚无位置、只知道所在省份的点；不填则都列出。"
    " /regions 每个地区的 located 与 adcode 一起使用。 / true: only points with a location;"
    " false: only points known just to their province (no location yet); omitted: both."
    " Use each /regions area's located with its adcode."
)
NAME_RULE = f"1 to {NAME_MAX_LENGTH} characters"
# How a regex spells a blank in the pattern OpenAPI shows: r"\t" rather than a raw tab.
_REGEX_SPELLING = {"\t": r"\t", "\n": r"\n", "\r": r"\r", "\f": r"\f", "\v": r"\v"}


def _regex_spelling(char: str) -> str:
    if char in _REGEX_SPELLING:
        return _REGEX_SPELLING[char]
    if char in "]\\^-":
        return "\\" + char
    return char if char.isprintable() else f"\\u{ord(char):04x}"


# A name must hold a character that is not blank (geo.query.catalogue.BLANK_CHARACTERS).
NOT_BLANK = "[^" + "".join(map(_regex_spelling, BLANK_CHARACTERS)) + "]"


def param_rules(settings: Settings) -> dict[str, str]:
    """What each parameter of every endpoint accepts, in words, for error messages."""
    return {
        **NearestParamRules(settings).rules(),
        "limit": f"an integer within [1, {MAX_LIST_LIMIT}]",
        "offset": "an integer >= 0",
        "province": f"a province name such as 吉林省 or 吉林 ({NAME_RULE})",
        "city": f"a city name such as 长春市 or 长春 ({NAME_RULE})",
        "adcode": ADCODE_RULE,
        "located": "true or false",
        "point_id": "a point id such as sample-220113 (1 to 100 characters)",
        "queries": f"a list of 1 to {settings.max_batch} query objects",
    }
