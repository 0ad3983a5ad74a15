"""The loopback provider stand-in of tests/geo/geocode, for the cache tests that wrap providers."""

from tests.geo.geocode.conftest import provider_server

__all__ = ["provider_server"]
