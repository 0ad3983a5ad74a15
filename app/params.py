"""Query parameters of /nearest: one table that both validates requests and documents them.

FastAPI's generic parameter machinery costs more per request than the geodesic search itself
(bench/http_throughput.py, docs/benchmarks.md), so the hot endpoint parses its four numbers
here, with the same messages, and declares them to OpenAPI from the same table.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.settings import Settings
from geo.errors import InvalidQuery


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

    def parse(self, raw: str | None) -> float | int | None:
        if raw is None:
            if self.required:
                raise InvalidQuery(f"{self.name} is required: {self.rule}", param=self.name)
            return None
        value: float | int
        try:
            value = int(raw) if self.integer else float(raw)
        except ValueError:
            raise self.invalid(raw) from None
        if not self.minimum <= value <= self.maximum:  # also false for NaN
            raise self.invalid(raw)
        return value

    def invalid(self, raw: str) -> InvalidQuery:
        shown = raw if len(raw) <= 40 else raw[:40] + "…"
        return InvalidQuery(f"{self.name} must be {self.rule}, got {shown!r}", param=self.name)

    def openapi(self) -> dict[str, Any]:
        schema: dict[str, Any] = {
            "type": "integer" if self.integer else "number",
            "minimum": self.minimum,
            "maximum": self.maximum,
        }
        spec: dict[str, Any] = {
            "name": self.name,
            "in": "query",
            "required": self.required,
            "description": self.description,
            "schema": schema,
        }
        if self.example is not None:
            spec["example"] = self.example
        return spec


@dataclass(frozen=True)
class NearestParams:
    lat: float
    lon: float
    n: int
    radius_m: float | None


class NearestParamRules:
    """Parses /nearest's query string against the limits in `Settings`."""

    def __init__(self, settings: Settings) -> None:
        self.default_n = settings.default_n
        self.lat = NumberParam(
            "lat", False, -90, 90, "a finite latitude in degrees within [-90, 90]",
            "纬度，WGS-84（GPS 原始坐标）/ Latitude in WGS-84 degrees, as GPS gives it",
            required=True, example=43.8171,
        )  # fmt: skip
        self.lon = NumberParam(
            "lon", False, -180, 180, "a finite longitude in degrees within [-180, 180]",
            "经度，WGS-84 / Longitude in WGS-84 degrees",
            required=True, example=125.3235,
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

    @property
    def all(self) -> tuple[NumberParam, ...]:
        return (self.lat, self.lon, self.n, self.radius_m)

    def rules(self) -> dict[str, str]:
        return {param.name: param.rule for param in self.all}

    def parse(self, query: Mapping[str, str]) -> NearestParams:
        lat = self.lat.parse(query.get("lat"))
        lon = self.lon.parse(query.get("lon"))
        n = self.n.parse(query.get("n"))
        radius_m = self.radius_m.parse(query.get("radius_m"))
        assert lat is not None and lon is not None  # required parameters
        return NearestParams(
            lat=float(lat),
            lon=float(lon),
            n=self.default_n if n is None else int(n),
            radius_m=None if radius_m is None else float(radius_m),
        )
