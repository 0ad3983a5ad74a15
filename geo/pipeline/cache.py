"""A SQLite cache of geocoder answers, so a rerun asks no provider again for what it answered.

Keyed by provider and normalised query text (NFKC, whitespace collapsed). Found placements and
"not found" answers are stored; errors and outages are not, so they are asked again next run.
The file is in WAL mode and every answer is committed as it comes: a build killed at any
moment leaves every answer it had received in a cache the next run opens as usual.
"""

import json
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from geo.core.errors import GeoError
from geo.core.text import lookup_text
from geo.geocode.base import GeocodeQuery, Placement, Placer

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    provider TEXT NOT NULL,
    query TEXT NOT NULL,
    found INTEGER NOT NULL,
    lon REAL,
    lat REAL,
    precision TEXT,
    source TEXT,
    resolved TEXT,
    adcode TEXT,
    raw TEXT,
    answered_at TEXT NOT NULL,
    PRIMARY KEY (provider, query)
) WITHOUT ROWID
"""


class CacheError(GeoError):
    """A cache file cannot be used (a newer schema, or not a cache); the message says which."""


@dataclass(frozen=True)
class CachedAnswer:
    """What the provider answered: a placement, or None for "found nothing"."""

    placement: Placement | None


class GeocodeCache:
    """Answers of online geocoders in one SQLite file; safe to share between threads."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()
        self._connection = sqlite3.connect(self.path, check_same_thread=False)
        try:
            self._prepare()
        except sqlite3.DatabaseError as error:
            self._connection.close()
            raise CacheError(f"{self.path}: not a usable geocode cache ({error})") from error
        except CacheError:
            self._connection.close()
            raise

    def _prepare(self) -> None:
        connection = self._connection
        version = int(connection.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise CacheError(
                f"{self.path}: cache schema version {version} is newer than this program's"
                f" ({SCHEMA_VERSION}); use a newer program or another cache file"
            )
        # WAL: readers never block the writer and a killed writer loses at most the answer
        # being written; NORMAL sync is durable against a crash of the process.
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        with connection:
            connection.execute(_SCHEMA)
            if version < SCHEMA_VERSION:
                connection.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def close(self) -> None:
        with self._lock:
            self._connection.close()

    def __enter__(self) -> "GeocodeCache":
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def lookup(self, provider: str, text: str) -> CachedAnswer | None:
        """The stored answer for this provider and text, or None if it was never asked."""
        key = lookup_text(text)
        with self._lock:
            row = self._connection.execute(
                "SELECT found, lon, lat, precision, source, resolved, adcode, raw"
                " FROM answers WHERE provider = ? AND query = ?",
                (provider, key),
            ).fetchone()
            if row is None:
                self.misses += 1
                return None
            self.hits += 1
        found, lon, lat, precision, source, resolved, adcode, raw = row
        if not found:
            return CachedAnswer(None)
        placement = Placement(
            lon=float(lon),
            lat=float(lat),
            precision=precision,
            source=source,
            resolved=resolved,
            adcode=adcode,
            raw=json.loads(raw) if raw else {},
        )
        return CachedAnswer(placement)

    def store(self, provider: str, text: str, placement: Placement | None) -> None:
        """Remember an answer (None: the provider found nothing), committed at once."""
        key = lookup_text(text)
        answered_at = datetime.now(UTC).isoformat(timespec="seconds")
        if placement is None:
            values: tuple[Any, ...] = (provider, key, 0, None, None, None, None, None, None, None)
        else:
            values = (
                provider,
                key,
                1,
                placement.lon,
                placement.lat,
                placement.precision,
                placement.source,
                placement.resolved,
                placement.adcode,
                json.dumps(dict(placement.raw), ensure_ascii=False, default=str),
            )
        with self._lock, self._connection:
            self._connection.execute(
                "INSERT OR REPLACE INTO answers (provider, query, found, lon, lat, precision,"
                " source, resolved, adcode, raw, answered_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*values, answered_at),
            )

    def count(self, provider: str | None = None) -> int:
        """How many answers are stored (for one provider, or all)."""
        with self._lock:
            if provider is None:
                row = self._connection.execute("SELECT count(*) FROM answers").fetchone()
            else:
                row = self._connection.execute(
                    "SELECT count(*) FROM answers WHERE provider = ?", (provider,)
                ).fetchone()
        return int(row[0])


class CachedPlacer:
    """A `Placer` that answers from the cache and asks `inner` only for what it never asked.

    Errors from `inner` pass through unstored, so an outage or a spent quota is asked again on
    the next run; "found nothing" is stored like a placement.
    """

    def __init__(self, inner: Placer, cache: GeocodeCache) -> None:
        self.inner = inner
        self.cache = cache
        self.name = inner.name
        self.hits = 0
        self.misses = 0

    def place(self, query: GeocodeQuery) -> Placement | None:
        text = query.text()
        cached = self.cache.lookup(self.name, text)
        if cached is not None:
            self.hits += 1
            return cached.placement
        self.misses += 1
        placement = self.inner.place(query)
        self.cache.store(self.name, text, placement)
        return placement
