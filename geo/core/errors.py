"""Errors raised by the geo library; each also subclasses the builtin that means the same."""


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
