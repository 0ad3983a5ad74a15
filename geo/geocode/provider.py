"""One online provider's spec (`Provider`) and the `Placer` over it: paced, retried, in WGS-84.

A provider module (amap, tencent, tianditu, baidu, nominatim) says what only it knows: its geopy
class, the environment variable holding its key, the coordinate system it answers in, and how
its words for match quality map onto `PRECISIONS`. `ProviderPlacer` does the rest the same way
for all: paced by geopy's `RateLimiter`, retried with exponential backoff on outages, timeouts
and per-second limits, never retrying (or hiding) a refused key or an exhausted daily quota.
"""

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from geopy.adapters import AdapterHTTPError
from geopy.exc import (
    GeocoderRateLimited,
    GeocoderServiceError,
    GeocoderTimedOut,
    GeocoderUnavailable,
)
from geopy.extra.rate_limiter import RateLimiter
from geopy.location import Location
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from geo.core.crs import Crs, to_wgs84
from geo.core.errors import GeoError
from geo.core.text import lookup_text
from geo.geocode.base import GeocodeQuery, Placement

logger = logging.getLogger(__name__)

USER_AGENT = "xunqin-locator/0.1"
# Transient failures, worth waiting for; a refused key or a spent daily quota is not.
RETRIED_ERRORS: tuple[type[Exception], ...] = (
    GeocoderUnavailable,
    GeocoderTimedOut,
    GeocoderRateLimited,
)


class GeocoderConfigError(GeoError, ValueError):
    """An online geocoder cannot be built: unknown name, missing key, unsafe settings."""


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


def number(value: Any) -> float | None:
    """`value` as a float, or None when it is not a number.

    >>> number("7"), number(None), number("seven")
    (7.0, None, None)
    """
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def formatted_address(location: Location, sent: str) -> str:
    """What the provider says it understood: its formatted address, else the text sent."""
    return str(location.address or "") or sent


def sent_text(location: Location, sent: str) -> str:
    """The text sent, for a provider that echoes no formatted address."""
    return sent


def adcode_at(*path: str) -> Callable[[Mapping[str, Any]], str | None]:
    """A reader of the six-digit division code found under `path` in a raw answer.

    >>> adcode_at("ad_info", "adcode")({"ad_info": {"adcode": "440106"}})
    '440106'
    >>> adcode_at("adcode")({"adcode": []}) is None
    True
    """

    def read(raw: Mapping[str, Any]) -> str | None:
        value: Any = raw
        for key in path:
            value = value.get(key) if isinstance(value, Mapping) else None
        return value if isinstance(value, str) and value.isdigit() and len(value) == 6 else None

    return read


def no_adcode(raw: Mapping[str, Any]) -> str | None:
    """For a provider whose answers name no division."""
    return None


@dataclass(frozen=True)
class Provider:
    """One online geocoder: how to build it, and how to read its answers."""

    name: str
    geocoder_class: type[Any]
    key_variable: str  # the environment variable holding its credential
    crs: Crs  # the coordinate system its answers are in
    precision: Callable[[Mapping[str, Any]], str]
    adcode: Callable[[Mapping[str, Any]], str | None] = no_adcode
    resolved: Callable[[Location, str], str] = formatted_address
    min_delay_seconds: float = 0.2
    # The least delay its usage policy allows against its public host.
    policy_min_delay_seconds: float = 0.0
    geocode_kwargs: Mapping[str, Any] = field(default_factory=dict)
    # Its credential is not a key but a user agent naming the deployment (Nominatim's policy).
    key_is_user_agent: bool = False

    def missing_credential(self) -> str:
        """What to tell someone who has not set `key_variable`."""
        needs = (
            "a user agent naming this deployment and a contact"
            if self.key_is_user_agent
            else "its key"
        )
        return f"the {self.name} geocoder needs {needs} in {self.key_variable}"

    def build(self, credential: str, **options: Any) -> Any:
        """The geopy geocoder, given its credential; options left None keep geopy's defaults."""
        options = {key: value for key, value in options.items() if value is not None}
        if self.key_is_user_agent:
            return self.geocoder_class(user_agent=credential, **options)
        return self.geocoder_class(credential, user_agent=USER_AGENT, **options)


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
        text = lookup_text(query.text())
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
