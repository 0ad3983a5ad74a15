"""Errors raised on purpose by the geo library, all under one root.

Catch `GeoError` for any of them; those that mean the same as a builtin also subclass it::

    GeoError
    ├── InvalidQuery (ValueError)         a query argument is out of range or malformed
    ├── SourceError (ValueError)          a source list cannot be read at all
    ├── DatasetError                      a published dataset is missing or corrupt
    ├── PublishError                      a dataset could not be published
    ├── GeocoderStopped (RuntimeError)    the geocoder cannot go on; nothing is published
    ├── GeocoderConfigError (ValueError)  in geo.geocode: unknown provider, missing key, ...
    └── CacheError                        in geo.pipeline.cache: the geocode cache is unusable
"""


class GeoError(Exception):
    """Root of every error raised on purpose by `geo`."""


class InvalidQuery(GeoError, ValueError):
    """A query argument is out of range or malformed; the message names it and its allowed range."""

    def __init__(self, message: str, *, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


class DatasetError(GeoError):
    """A published dataset is missing, incomplete or corrupt; the message says which file, why."""


class PublishError(GeoError):
    """A dataset could not be published; the previously published dataset is left untouched."""


class SourceError(GeoError, ValueError):
    """A source list cannot be read at all; the message names the file and what is wrong."""

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class GeocoderStopped(GeoError, RuntimeError):
    """The geocoder cannot go on (quota, key, outage): nothing is published; answers so far
    are in the cache, so a rerun continues where this one stopped."""

    def __init__(self, message: str, *, placed: int, total: int) -> None:
        super().__init__(message)
        self.placed = placed
        self.total = total
