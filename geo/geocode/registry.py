"""The online providers by name (`PROVIDERS`) and `make_placer`, which builds one from its name.

Each provider lives in its own module (amap, tianditu, tencent, baidu, nominatim); this table is
the one place that lists them. `make_placer("amap")` reads the key from the environment, checks
the settings, and returns a paced, retried `ProviderPlacer` answering in WGS-84.
"""

import os
from collections.abc import Mapping
from typing import Any

from geopy.adapters import URLLibAdapter

from geo.geocode import amap, baidu, nominatim, tencent, tianditu
from geo.geocode.provider import GeocoderConfigError, Provider, ProviderPlacer

__all__ = ("PROVIDERS", "GeocoderConfigError", "make_placer", "provider_named")

PROVIDERS: dict[str, Provider] = {
    module.PROVIDER.name: module.PROVIDER for module in (amap, tianditu, tencent, baidu, nominatim)
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
    geo.geocode.provider.GeocoderConfigError: the amap geocoder needs its key in XUNQIN_AMAP_KEY
    """
    provider = provider_named(name)
    env = os.environ if environ is None else environ
    credential = env.get(provider.key_variable, "").strip()
    if not credential:
        raise GeocoderConfigError(provider.missing_credential())
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
