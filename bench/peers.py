"""PostGIS and Redis GEO as benchmark peers: find or install, start on loopback, load, query, stop.

Each peer runs as a throwaway server in a temporary directory, reached over a unix socket
(the fastest local transport for both), and is stopped and deleted however the block exits.
"""

import asyncio
import math
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from bench.servers import free_port

FloatArray = npt.NDArray[np.float64]
T = TypeVar("T")

# Debian package that provides each peer; the harness installs them when root and missing.
POSTGIS_PACKAGE = "postgresql-15-postgis-3"
REDIS_PACKAGE = "redis-server"
PG_USER = "bench"
PG_DATABASE = "postgres"
REDIS_KEY = "points"
# Redis GEO and sklearn's haversine use a sphere; this is Redis's radius (geohelper.c).
REDIS_EARTH_RADIUS_M = 6372797.560856
# Half the circumference of that sphere: a radius this large covers every point.
WHOLE_EARTH_RADIUS_M = math.pi * REDIS_EARTH_RADIUS_M

# The standard store-locator query: KNN by `<->` (spherical, index-assisted) with the
# spheroidal ST_Distance reported. The query point appears twice so the planner sees the
# ORDER BY operand as a plain expression it can push into the GiST index scan.
POSTGIS_NEAREST_SQL = """
SELECT id, ST_Distance(geog, ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography) AS distance_m
FROM points
ORDER BY geog <-> ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography
LIMIT $3
"""
POSTGIS_WITHIN_SQL = """
SELECT id, ST_Distance(geog, ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography) AS distance_m
FROM points
WHERE ST_DWithin(geog, ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography, $4)
ORDER BY geog <-> ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography
LIMIT $3
"""

# Grows the radius server-side, so one round trip answers however far the k-th point is:
# the best shot for Redis (a client-side loop would pay a round trip per doubling).
# Returns {tries, {{member, distance}, ...}}.
REDIS_NEAREST_LUA = """
local k = tonumber(ARGV[4])
local radius = tonumber(ARGV[3])
local tries = 0
while true do
  tries = tries + 1
  local found = redis.call('GEOSEARCH', KEYS[1], 'FROMLONLAT', ARGV[1], ARGV[2],
    'BYRADIUS', radius, 'm', 'ASC', 'COUNT', k, 'WITHDIST')
  if #found >= k or radius >= tonumber(ARGV[5]) then
    return {tries, found}
  end
  radius = math.min(radius * 2, tonumber(ARGV[5]))
end
"""


class PeerUnavailable(RuntimeError):
    """A peer cannot run here; the message says why, for the report."""


@dataclass(frozen=True)
class Answer:
    """One peer's answer: ids (positions into the loaded arrays) and its own distances."""

    ids: list[int]
    distances_m: list[float]
    tries: int = 1


# ---- finding and installing -----------------------------------------------------------------


def _apt_install(package: str) -> str | None:
    """Install a Debian package when we are root; None on success, else why not."""
    if os.geteuid() != 0:
        return f"not root, cannot `apt-get install {package}`"
    if shutil.which("apt-get") is None:
        return "no apt-get on this machine"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for argv in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", package],
    ):
        done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
        if done.returncode != 0:
            return f"`{' '.join(argv)}` failed: {(done.stderr or done.stdout).strip()[-300:]}"
    return None


def postgres_bindir() -> Path | None:
    """Directory of the newest PostgreSQL server binaries that has PostGIS installed beside it."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/postgres"),
        key=lambda path: int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0,
        reverse=True,
    )
    for postgres in candidates:
        version = postgres.parent.parent.name
        if Path(f"/usr/share/postgresql/{version}/extension/postgis.control").exists():
            return postgres.parent
    return None


def find_postgis(install: bool) -> Path:
    """PostgreSQL binaries with PostGIS, installing the Debian package if allowed and needed."""
    bindir = postgres_bindir()
    if bindir is None and install:
        problem = _apt_install(POSTGIS_PACKAGE)
        if problem:
            raise PeerUnavailable(f"PostGIS is not installed and {problem}")
        bindir = postgres_bindir()
    if bindir is None:
        raise PeerUnavailable(
            f"PostGIS is not installed (Debian: `apt-get install {POSTGIS_PACKAGE}`)"
        )
    return bindir


def find_redis(install: bool) -> str:
    found = shutil.which("redis-server")
    if found is None and install:
        problem = _apt_install(REDIS_PACKAGE)
        if problem:
            raise PeerUnavailable(f"Redis is not installed and {problem}")
        found = shutil.which("redis-server")
    if found is None:
        raise PeerUnavailable(f"Redis is not installed (Debian: `apt-get install {REDIS_PACKAGE}`)")
    return found


def version_of(argv: Sequence[str]) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=10)
    except OSError:
        return "not installed"
    return (done.stdout or done.stderr).strip().splitlines()[0] if done.stdout else "unknown"


# ---- processes --------------------------------------------------------------------------------


def _stop_group(process: subprocess.Popen[bytes], first: signal.Signals) -> None:
    """Signal the whole process group the peer leads, escalating to SIGKILL."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, first)
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


def _log_tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@dataclass(frozen=True)
class PostgisServer:
    """A running throwaway PostgreSQL + PostGIS cluster, reached over its unix socket."""

    socket_dir: str
    port: int
    version: str

    def connect_kwargs(self) -> dict[str, Any]:
        return {
            "host": self.socket_dir,
            "port": self.port,
            "user": PG_USER,
            "database": PG_DATABASE,
        }


@dataclass(frozen=True)
class RedisServer:
    """A running throwaway Redis, reached over its unix socket (also listening on loopback)."""

    socket_path: str
    port: int
    version: str


def _demoted() -> dict[str, Any]:
    """Popen arguments that run a child as the `postgres` user when we are root (initdb and
    postgres refuse to run as root)."""
    if os.geteuid() != 0:
        return {}
    try:
        user = pwd.getpwnam("postgres")
    except KeyError:
        raise PeerUnavailable("running as root and there is no `postgres` user to run as") from None
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


@contextmanager
def postgis(*, install: bool = True, shared_buffers: str = "256MB") -> Iterator[PostgisServer]:
    """A fresh PostgreSQL cluster with PostGIS on a free port, stopped and deleted on exit."""
    bindir = find_postgis(install)
    workdir = Path(tempfile.mkdtemp(prefix="bench-postgis-"))
    demote = _demoted()
    if demote:
        os.chown(workdir, demote["user"], demote["group"])
    data_dir = workdir / "data"
    log_path = workdir / "postgres.log"
    env = {**os.environ, "LC_ALL": "C", "HOME": str(workdir)}
    process: subprocess.Popen[bytes] | None = None
    try:
        done = subprocess.run(
            [str(bindir / "initdb"), "-D", str(data_dir), "-U", PG_USER, "--auth=trust",
             "-E", "UTF8", "--no-locale", "--no-sync"],
            cwd=workdir, env=env, capture_output=True, check=False, **demote,
        )  # fmt: skip
        if done.returncode != 0:
            raise PeerUnavailable(f"initdb failed: {done.stderr.decode(errors='replace')[-400:]}")
        port = free_port()
        settings = {
            "listen_addresses": "",  # unix socket only
            "unix_socket_directories": str(workdir),
            "port": str(port),
            # A throwaway cluster: durability costs nothing we want to measure.
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "shared_buffers": shared_buffers,
            "jit": "off",  # JIT compiles per query: pure cost for a 10-row index scan
            "max_connections": "50",
            "autovacuum": "off",
            "max_parallel_workers_per_gather": "0",
        }
        argv = [str(bindir / "postgres"), "-D", str(data_dir)]
        for name, value in settings.items():
            argv += ["-c", f"{name}={value}"]
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                argv, cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True, **demote,
            )  # fmt: skip
        server = PostgisServer(str(workdir), port, version_of([str(bindir / "postgres"), "-V"]))
        asyncio.run(_wait_for_postgres(server, process, log_path))
        yield server
    finally:
        if process is not None:
            _stop_group(process, signal.SIGINT)  # SIGINT is PostgreSQL's fast shutdown
        shutil.rmtree(workdir, ignore_errors=True)


async def _wait_for_postgres(
    server: PostgisServer, process: subprocess.Popen[bytes], log_path: Path
) -> None:
    import asyncpg

    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise PeerUnavailable(
                f"postgres exited with {process.returncode}:\n{_log_tail(log_path)}"
            )
        try:
            conn = await asyncpg.connect(**server.connect_kwargs(), timeout=2)
        except (TimeoutError, OSError, asyncpg.PostgresError):
            if time.monotonic() > deadline:
                raise PeerUnavailable(
                    f"postgres not ready after 60 s:\n{_log_tail(log_path)}"
                ) from None
            await asyncio.sleep(0.05)
            continue
        try:
            await conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        finally:
            await conn.close()
        return


@contextmanager
def redis_server(*, install: bool = True) -> Iterator[RedisServer]:
    """A fresh Redis without persistence on loopback and a unix socket, stopped on exit."""
    import redis

    binary = find_redis(install)
    workdir = Path(tempfile.mkdtemp(prefix="bench-redis-"))
    socket_path = workdir / "redis.sock"
    log_path = workdir / "redis.log"
    port = free_port()
    argv = [
        binary, "--bind", "127.0.0.1", "--port", str(port),
        "--unixsocket", str(socket_path), "--unixsocketperm", "700",
        "--save", "", "--appendonly", "no", "--dir", str(workdir),
        "--daemonize", "no", "--logfile", "",
    ]  # fmt: skip
    process: subprocess.Popen[bytes] | None = None
    try:
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                argv, cwd=workdir, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise PeerUnavailable(
                    f"redis-server exited with {process.returncode}:\n{_log_tail(log_path)}"
                )
            try:
                with redis.Redis(unix_socket_path=str(socket_path)) as client:
                    client.ping()
                break
            except (redis.ConnectionError, FileNotFoundError):
                if time.monotonic() > deadline:
                    raise PeerUnavailable(f"redis not ready:\n{_log_tail(log_path)}") from None
                time.sleep(0.02)
        yield RedisServer(str(socket_path), port, version_of([binary, "--version"]))
    finally:
        if process is not None:
            _stop_group(process, signal.SIGTERM)
        shutil.rmtree(workdir, ignore_errors=True)


@contextmanager
def optional(
    start: Callable[..., AbstractContextManager[T]],
    install: bool,
    unavailable: dict[str, str],
    label: str,
) -> Iterator[T | None]:
    """The started peer, or None with the reason recorded under `label` when it cannot run."""
    with ExitStack() as stack:
        try:
            server: T | None = stack.enter_context(start(install=install))
        except PeerUnavailable as exc:
            unavailable[label] = str(exc)
            print(f"{label}: skipped: {exc}", flush=True)
            server = None
        yield server


# ---- loading ----------------------------------------------------------------------------------


async def load_postgis(
    server: PostgisServer, lons: FloatArray, lats: FloatArray
) -> dict[str, float]:
    """Replace table `points` with these points (id = position); seconds and bytes used."""
    import asyncpg

    conn = await asyncpg.connect(**server.connect_kwargs())
    try:
        started = time.perf_counter()
        await conn.execute(
            "DROP TABLE IF EXISTS points; DROP TABLE IF EXISTS staging;"
            "CREATE UNLOGGED TABLE staging (id integer, lon float8, lat float8);"
        )
        records = zip(range(lons.shape[0]), lons.tolist(), lats.tolist(), strict=True)
        await conn.copy_records_to_table("staging", records=records)
        await conn.execute(
            "CREATE TABLE points AS SELECT id,"
            " ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography(Point, 4326) AS geog"
            " FROM staging;"
            "DROP TABLE staging;"
            "CREATE INDEX points_geog ON points USING gist (geog);"
        )
        await conn.execute("VACUUM ANALYZE points")
        load_s = time.perf_counter() - started
        size = await conn.fetchval("SELECT pg_total_relation_size('points')")
        explain = POSTGIS_NEAREST_SQL.replace("$1", "116.4").replace("$2", "39.9")
        plan = "\n".join(
            row[0] for row in await conn.fetch("EXPLAIN " + explain.replace("$3", "10"))
        )
        if "points_geog" not in plan:
            raise RuntimeError(f"PostGIS KNN query does not use the GiST index: {plan}")
    finally:
        await conn.close()
    return {"load_s": load_s, "bytes": float(size)}


def load_redis(server: RedisServer, lons: FloatArray, lats: FloatArray) -> dict[str, float]:
    """Replace key `points` with these points (member = position); seconds and bytes used."""
    import redis

    with redis.Redis(unix_socket_path=server.socket_path) as client:
        client.delete(REDIS_KEY)
        before = int(client.info("memory")["used_memory"])
        started = time.perf_counter()
        chunk = 10_000
        pipe = client.pipeline(transaction=False)
        for start in range(0, lons.shape[0], chunk):
            stop = min(start + chunk, lons.shape[0])
            values: list[float | int] = []
            for member, lon, lat in zip(
                range(start, stop),
                lons[start:stop].tolist(),
                lats[start:stop].tolist(),
                strict=True,
            ):
                values += [lon, lat, member]
            pipe.execute_command("GEOADD", REDIS_KEY, *values)
        pipe.execute()
        load_s = time.perf_counter() - started
        after = int(client.info("memory")["used_memory"])
        if int(client.zcard(REDIS_KEY)) != lons.shape[0]:
            raise RuntimeError("Redis did not store every point")
    return {"load_s": load_s, "bytes": float(after - before)}


def redis_start_radius_m(lons: FloatArray, lats: FloatArray, k: int) -> float:
    """Radius of a disc expected to hold `k` points at the data's mean density.

    Density is taken over the points' lon/lat bounding box on the sphere; the Lua script
    doubles the radius from there until it finds `k` points.
    """
    west, east = float(lons.min()), float(lons.max())
    south, north = float(lats.min()), float(lats.max())
    area_m2 = (
        REDIS_EARTH_RADIUS_M**2
        * math.radians(max(east - west, 1e-6))
        * abs(math.sin(math.radians(north)) - math.sin(math.radians(south)))
    )
    area_m2 = max(area_m2, 1.0)
    return max(1.0, math.sqrt(k * area_m2 / (math.pi * lons.shape[0])))


# ---- querying ---------------------------------------------------------------------------------


def parse_redis_reply(reply: Sequence[Any]) -> Answer:
    tries, found = reply
    return Answer(
        [int(member) for member, _ in found],
        [float(distance) for _, distance in found],
        int(tries),
    )


class RedisNearest:
    """Sequential k-nearest round trips to Redis (sync client, hiredis parser, unix socket)."""

    def __init__(self, server: RedisServer, start_radius_m: float) -> None:
        import redis

        self._client = redis.Redis(unix_socket_path=server.socket_path)
        self._script = self._client.register_script(REDIS_NEAREST_LUA)
        self.start_radius_m = start_radius_m

    def nearest(self, lon: float, lat: float, k: int) -> Answer:
        reply = self._script(
            keys=[REDIS_KEY], args=[lon, lat, self.start_radius_m, k, WHOLE_EARTH_RADIUS_M]
        )
        return parse_redis_reply(reply)

    def nearest_client_side(self, lon: float, lat: float, k: int) -> Answer:
        """The common client loop: one GEOSEARCH round trip per radius, doubling until k."""
        radius, tries = self.start_radius_m, 0
        while True:
            tries += 1
            found = self._client.execute_command(  # type: ignore[no-untyped-call]
                "GEOSEARCH", REDIS_KEY, "FROMLONLAT", lon, lat, "BYRADIUS", radius, "m",
                "ASC", "COUNT", k, "WITHDIST",
            )  # fmt: skip
            if len(found) >= k or radius >= WHOLE_EARTH_RADIUS_M:
                return parse_redis_reply([tries, found])
            radius = min(radius * 2, WHOLE_EARTH_RADIUS_M)

    def close(self) -> None:
        self._client.close()


@asynccontextmanager
async def postgis_statement(server: PostgisServer) -> AsyncIterator[Any]:
    """One connection with the KNN query prepared once: `await stmt.fetch(lon, lat, k)`."""
    import asyncpg

    conn = await asyncpg.connect(**server.connect_kwargs())
    try:
        yield await conn.prepare(POSTGIS_NEAREST_SQL)
    finally:
        await conn.close()


def postgis_answer(rows: Sequence[Any]) -> Answer:
    return Answer([int(row[0]) for row in rows], [float(row[1]) for row in rows])
