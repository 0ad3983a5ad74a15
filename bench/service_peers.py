"""Service level with wrk: this /nearest vs the same contract backed by PostGIS or Redis GEO."""

import asyncio
import shutil
import statistics
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

import orjson

from bench import peers
from bench.floor_app import BODY_ENV
from bench.http_throughput import (
    CONNECTIONS,
    QUERY_COUNT,
    THREADS,
    WrkRun,
    check_paths,
    query_paths,
    run_wrk,
    write_lua,
)
from bench.peer_apps import (
    PG_POOL_ENV,
    PG_PORT_ENV,
    PG_SOCKET_ENV,
    REDIS_POOL_ENV,
    REDIS_RADIUS_ENV,
    REDIS_SOCKET_ENV,
)
from bench.query_latency import QUERY_SEED
from bench.report import OUT_DIR, Section, Table, Target, fmt, shown
from bench.servers import (
    APP_FACTORY,
    FLOOR_FACTORY,
    Server,
    app_available,
    section_main,
    served_data_dir,
    serving,
)
from geo.dataset import load_current

K = 10
PG_POOL = 8
REDIS_POOL = 32
OURS = "this service (`app.main`)"
POSTGIS_APP = "FastAPI + PostGIS (asyncpg pool)"
REDIS_APP = "FastAPI + Redis GEO (redis.asyncio + hiredis)"
FLOOR = "floor: bare FastAPI, canned bytes"
LABELS = (OURS, POSTGIS_APP, REDIS_APP, FLOOR)


@dataclass(frozen=True)
class Agreement:
    """How a server's /nearest answers compare with ours over the same URLs."""

    compared: int
    set_differs: int
    order_differs: int
    max_distance_diff_m: float
    same_bytes: int


def agreement(ours: Sequence[bytes], theirs: Sequence[bytes]) -> Agreement:
    set_differs = order_differs = same_bytes = 0
    worst = 0.0
    for mine, other in zip(ours, theirs, strict=True):
        same_bytes += mine == other
        a, b = orjson.loads(mine)["results"], orjson.loads(other)["results"]
        ids_a, ids_b = [r["id"] for r in a], [r["id"] for r in b]
        set_differs += set(ids_a) != set(ids_b)
        order_differs += ids_a != ids_b
        by_id = {r["id"]: r["distance_m"] for r in a}
        worst = max(
            [worst, *(abs(r["distance_m"] - by_id[r["id"]]) for r in b if r["id"] in by_id)]
        )
    return Agreement(len(ours), set_differs, order_differs, worst, same_bytes)


def skipped(reason: str) -> Section:
    section = Section("Side by side: the /nearest service vs PostGIS- and Redis-backed apps (wrk)")
    section.notes.append(f"**Skipped:** {reason}.")
    print(f"service_peers: skipped: {reason}")
    return section


@contextmanager
def servers(install: bool, unavailable: dict[str, str]) -> Iterator[dict[str, Server]]:
    """Every server under test, started and ready; peers that cannot run are left out."""
    dataset = load_current(served_data_dir())
    with ExitStack() as stack:
        started = {OURS: stack.enter_context(serving(APP_FACTORY, name="svc-app"))}
        pg = stack.enter_context(peers.optional(peers.postgis, install, unavailable, POSTGIS_APP))
        if pg is not None:
            asyncio.run(peers.load_postgis(pg, dataset.lons, dataset.lats))
            env = {
                PG_SOCKET_ENV: pg.socket_dir,
                PG_PORT_ENV: str(pg.port),
                PG_POOL_ENV: str(PG_POOL),
            }
            started[POSTGIS_APP] = stack.enter_context(
                serving("bench.peer_apps:create_postgis_app", name="svc-postgis", env=env)
            )
        rs = stack.enter_context(
            peers.optional(peers.redis_server, install, unavailable, REDIS_APP)
        )
        if rs is not None:
            peers.load_redis(rs, dataset.lons, dataset.lats)
            radius = peers.redis_start_radius_m(dataset.lons, dataset.lats, K)
            env = {
                REDIS_SOCKET_ENV: rs.socket_path,
                REDIS_POOL_ENV: str(REDIS_POOL),
                REDIS_RADIUS_ENV: repr(radius),
            }
            started[REDIS_APP] = stack.enter_context(
                serving("bench.peer_apps:create_redis_app", name="svc-redis", env=env)
            )
        # The floor answers with one real response of median size, so bytes on the wire match.
        real = sorted(check_paths(started[OURS], query_paths("/nearest")), key=len)
        body_file = OUT_DIR / "svc-floor-body.json"
        body_file.write_bytes(real[len(real) // 2])
        started[FLOOR] = stack.enter_context(
            serving(FLOOR_FACTORY, name="svc-floor", env={BODY_ENV: str(body_file)})
        )
        yield started


def run(duration_s: int, warmup_s: int, rounds: int, command: str, install: bool = True) -> Section:
    if shutil.which("wrk") is None:
        return skipped("`wrk` is not on PATH (Debian: `apt-get install wrk`)")
    missing = app_available()
    if missing:
        return skipped(missing)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    unavailable: dict[str, str] = {}
    paths = query_paths("/nearest")
    results: dict[str, list[WrkRun]] = {}
    agreements: dict[str, Agreement] = {}
    sizes: dict[str, str] = {}
    with servers(install, unavailable) as started:
        bodies = {label: check_paths(server, paths) for label, server in started.items()}
        for label, answered in bodies.items():
            lengths = sorted(len(body) for body in answered)
            sizes[label] = f"{lengths[len(lengths) // 2]:,}"
            if label != FLOOR:
                agreements[label] = agreement(bodies[OURS], answered)
        script = write_lua("svc-nearest", paths)
        labels = [label for label in LABELS if label in started]
        results = {label: [] for label in labels}
        for label in labels:
            run_wrk(started[label].base_url, script, warmup_s, f"svc-{labels.index(label)}-warmup")
        # Interleaved rounds: a burst of noise from a neighbour hits every server alike. Each
        # round starts one server later, so none is always the first after a pause.
        for round_number in range(rounds):
            shift = round_number % len(labels)
            for label in labels[shift:] + labels[:shift]:
                log_name = f"svc-{labels.index(label)}-{round_number}"
                results[label].append(
                    run_wrk(started[label].base_url, script, duration_s, log_name)
                )
    return render(results, agreements, sizes, unavailable, duration_s, warmup_s, rounds, command)


def render(
    results: dict[str, list[WrkRun]],
    agreements: dict[str, Agreement],
    sizes: dict[str, str],
    unavailable: dict[str, str],
    duration_s: int,
    warmup_s: int,
    rounds: int,
    command: str,
) -> Section:
    section = Section("Side by side: the /nearest service vs PostGIS- and Redis-backed apps (wrk)")
    for label, reason in unavailable.items():
        section.notes.append(f"**{label} skipped:** {reason}.")

    def rps(label: str) -> float:
        return statistics.median(run.requests_per_s for run in results[label])

    def p99(label: str) -> float:
        return statistics.median(run.p99_ms for run in results[label])

    rows = []
    for label, runs in results.items():
        agreed = agreements.get(label)
        differs = "— (fixed body)"
        if agreed is not None:
            differs = (
                f"{agreed.order_differs}/{agreed.compared} order, "
                f"{agreed.set_differs}/{agreed.compared} set; "
                f"Δdistance ≤ {agreed.max_distance_diff_m:,.3f} m; "
                f"{agreed.same_bytes}/{agreed.compared} byte-identical"
            )
        rows.append(
            [
                label,
                fmt(rps(label), 0),
                " / ".join(fmt(run.requests_per_s, 0) for run in runs),
                f"{rps(OURS) / rps(label):.2f}",
                fmt(statistics.median(run.p50_ms for run in runs), 2),
                fmt(p99(label), 2),
                f"{sum(run.non_2xx for run in runs)} / {sum(run.socket_errors for run in runs)}",
                sizes[label],
                differs,
            ]
        )
    section.tables.append(
        Table(
            "The same /nearest contract, one uvicorn worker each",
            command,
            [
                "server",
                "req/s (median)",
                "req/s per round",
                "ours ÷ this",
                "p50 ms",
                "p99 ms",
                "non-2xx / socket errors",
                "body bytes (median)",
                "answers vs ours",
            ],
            rows,
            [
                f"`wrk -t{THREADS} -c{CONNECTIONS} -d{duration_s}s --latency`, {rounds} "
                "round(s) interleaved across the servers (each round starting one server "
                f"later) after a {warmup_s} s warm-up of each, cycling through the same "
                f"{QUERY_COUNT} URLs "
                f"(`/nearest?lat=..&lon=..&n=10`, seed {QUERY_SEED}); every URL is checked to "
                "answer 200 on every server first, and the answers are compared with ours "
                "(`answers vs ours`: queries whose ids differ in order or as a set, the "
                "largest distance difference for the same point, identical bodies). Every "
                "server runs `uvicorn --factory <app> --host 127.0.0.1 --port <p> --workers 1 "
                "--no-access-log --log-level warning` on the dataset named by "
                f"{shown(served_data_dir())}/published/CURRENT; the databases hold the same "
                "points and run on the same 2 cores.",
                "The peers (bench/peer_apps.py) are given their best shot: the service's own "
                "parameter parsing and pre-serialised per-point JSON held in memory (the "
                "database only ranks; a typical store locator would also fetch the rows), "
                "bodies joined as bytes (no FastAPI encoder), no request-guard middleware; "
                f"PostGIS through an asyncpg pool of {PG_POOL} connections over a unix socket "
                "(statements prepared once per connection), the query of the query-level "
                "table; Redis through `redis.asyncio` with the hiredis parser, a blocking pool "
                f"of {REDIS_POOL} connections over a unix socket, one EVALSHA of the "
                "growing-radius Lua script per request (pool sizes picked by a short sweep: "
                "PostGIS 2/4/8/16, Redis 8/16/32/64). The floor (bench/floor_app.py) "
                "returns a real /nearest body of median size as canned bytes: the ceiling for "
                "any FastAPI /nearest on this machine.",
            ],
        )
    )
    for label in (POSTGIS_APP, REDIS_APP):
        if label not in results:
            continue
        ratio = rps(OURS) / rps(label)
        section.targets.append(
            Target(f"/nearest req/s: ours ÷ {label}", f"{ratio:.2f}×", "≥ 1.50×", ratio >= 1.5)
        )
        section.targets.append(
            Target(
                f"/nearest p99: ours vs {label}",
                f"{p99(OURS):.2f} vs {p99(label):.2f} ms",
                "lower",
                p99(OURS) < p99(label),
            )
        )
    if OURS in results:
        peers_said = [
            f"the {label} {fmt(rps(label), 0)} req/s (p99 {p99(label):.1f} ms; ours ÷ it = "
            f"{rps(OURS) / rps(label):.2f}×)"
            for label in (POSTGIS_APP, REDIS_APP)
            if label in results
        ]
        section.conclusions.append(
            f"Over HTTP with one uvicorn worker, this service answered {fmt(rps(OURS), 0)} "
            f"req/s (p99 {p99(OURS):.1f} ms) and {'; '.join(peers_said) or 'no peer ran'}; the "
            f"bare FastAPI ceiling was {fmt(rps(FLOOR), 0)} req/s."
        )
    errors = sum(run.non_2xx + run.socket_errors for run in results.get(OURS, []))
    section.targets.append(
        Target("/nearest errors under wrk (ours)", str(errors), "0", errors == 0)
    )
    return section


def run_full(command: str = "python -m bench.service_peers") -> Section:
    return run(duration_s=10, warmup_s=3, rounds=5, command=command)


def run_quick(command: str = "python -m bench.service_peers --quick") -> Section:
    return run(duration_s=2, warmup_s=1, rounds=1, command=command)


def main(argv: Sequence[str] | None = None) -> int:
    return section_main(argv, __name__, quick_help="2-second runs, for a smoke run")


if __name__ == "__main__":
    raise SystemExit(main())
