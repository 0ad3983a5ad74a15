"""What the key-based Chinese web geocoders share: geopy's constructor plus a key and a host."""

from typing import Any

from geopy.geocoders.base import DEFAULT_SENTINEL, Geocoder


class KeyedGeocoder(Geocoder):  # type: ignore[misc]  # geopy ships no type information
    """A geopy `Geocoder` calling `scheme://domain + api_path` with an API key.

    Subclasses set `api_path` and `default_domain`; `domain` (and `scheme`) point one at another
    host, e.g. a proxy or a stand-in server on loopback in tests.
    """

    api_path = ""
    default_domain = ""

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
