"""What the key-based Chinese web geocoders share: a key, a host, one `geocode` and its checks.

`KeyedGeocoder.geocode` is a template: a provider supplies its query parameters (`_params`) and
reads its own answer into locations (`_locations`); the request, the JSON check and the choice
between one answer and a list are done here once. `refusal` builds the geopy error a refusal
means, keeping the wait a rate limit asks for.
"""

from collections.abc import Mapping
from functools import partial
from typing import Any, ClassVar
from urllib.parse import urlencode

from geopy.adapters import get_retry_after
from geopy.exc import GeocoderRateLimited, GeocoderServiceError
from geopy.geocoders.base import DEFAULT_SENTINEL, Geocoder
from geopy.location import Location


def refusal(
    error: type[GeocoderServiceError], message: str, headers: Mapping[str, str] | None = None
) -> GeocoderServiceError:
    """`error(message)`; a rate limit carries the Retry-After of the answer's `headers`, if any.

    >>> refusal(GeocoderRateLimited, "slow down", {"retry-after": "3"}).retry_after
    3
    >>> refusal(GeocoderRateLimited, "slow down").retry_after is None
    True
    """
    if issubclass(error, GeocoderRateLimited):
        return error(message, retry_after=get_retry_after(headers) if headers else None)
    return error(message)


class KeyedGeocoder(Geocoder):  # type: ignore[misc]  # geopy ships no type information
    """A geopy `Geocoder` calling `scheme://domain + api_path` with an API key.

    Subclasses set `label`, `api_path` and `default_domain`, and `filters` for the keyword
    arguments `geocode` takes (e.g. Amap's `city`); `domain` (and `scheme`) point one at another
    host, e.g. a proxy or a stand-in server on loopback in tests.
    """

    label = ""  # the provider's name in error messages
    api_path = ""
    default_domain = ""
    # geocode()'s keyword arguments -> the provider's query parameter for each.
    filters: ClassVar[Mapping[str, str]] = {}

    def __init__(
        self,
        api_key: str,
        *,
        scheme: str | None = None,
        domain: str | None = None,
        timeout: Any = DEFAULT_SENTINEL,
        proxies: Any = DEFAULT_SENTINEL,
        user_agent: str | None = None,
        ssl_context: Any = DEFAULT_SENTINEL,
        adapter_factory: Any = None,
    ) -> None:
        super().__init__(
            scheme=scheme,
            timeout=timeout,
            proxies=proxies,
            user_agent=user_agent,
            ssl_context=ssl_context,
            adapter_factory=adapter_factory,
        )
        self.api_key = api_key
        self.domain = (domain or self.default_domain).strip("/")
        self.api = f"{self.scheme}://{self.domain}{self.api_path}"

    def geocode(
        self,
        query: str,
        *,
        exactly_one: bool = True,
        timeout: Any = DEFAULT_SENTINEL,
        **filters: str | None,
    ) -> Any:
        """Locations for an address: None if the provider found nothing, else one or a list.

        `filters` are the provider's narrowing parameters named in its `filters`.
        """
        params = self._params(query)
        for name, value in filters.items():
            if name not in self.filters:
                raise TypeError(
                    f"{type(self).__name__}.geocode() got an unexpected keyword argument {name!r}"
                )
            if value:
                params[self.filters[name]] = value
        url = f"{self.api}?{urlencode(params)}"
        callback = partial(self._parse_json, exactly_one=exactly_one)
        return self._call_geocoder(url, callback, timeout=timeout)

    def _params(self, query: str) -> dict[str, str]:
        """The query parameters asking for `query`, the key included."""
        raise NotImplementedError

    def _locations(self, page: dict[str, Any]) -> list[Location]:
        """The locations in the provider's answer; raises the geopy error a refusal means."""
        raise NotImplementedError

    def _parse_json(self, page: Any, exactly_one: bool) -> Any:
        if not isinstance(page, dict):
            raise GeocoderServiceError(f"{self.label} answered with unexpected JSON: {page!r:.200}")
        found = self._locations(page)
        if not found:
            return None
        return found[0] if exactly_one else found
