"""/nearest req/s of two checkouts served side by side: wrk rounds interleaved, one run.

    git worktree add /tmp/before <commit>
    python -m bench.compare_checkouts --before /tmp/before [--after .] [--rounds 6]

Each checkout's uvicorn imports app/ and geo/ from its own directory (same interpreter, same
dataset, same queries as bench.http_throughput), and the rounds alternate before/after so a
noisy neighbour on the machine hurts both alike. Prints a markdown table and the ratio of
medians; used for issue 11's "req/s within 3% of before".
"""

import argparse
import statistics
from collections.abc import Sequence
from pathlib import Path

from bench.http_throughput import WrkRun, query_paths, run_wrk, write_lua
from bench.report import OUT_DIR, ROOT
from bench.servers import APP_FACTORY, exit_on_sigterm, serving


def compare(
    before: Path, after: Path, *, rounds: int, duration_s: int, warmup_s: int
) -> dict[str, list[WrkRun]]:
    """wrk runs per label, alternating which checkout goes first in each round."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    script = write_lua("compare-checkouts", query_paths("/nearest"))
    runs: dict[str, list[WrkRun]] = {"before": [], "after": []}
    with (
        serving(APP_FACTORY, name="compare-before", cwd=before) as old,
        serving(APP_FACTORY, name="compare-after", cwd=after) as new,
    ):
        servers = {"before": old, "after": new}
        for label, server in servers.items():
            run_wrk(server.base_url, script, warmup_s, f"compare-{label}-warmup")
        for round_number in range(rounds):
            order = ("before", "after") if round_number % 2 == 0 else ("after", "before")
            for label in order:
                log_name = f"compare-{label}-{round_number}"
                runs[label].append(run_wrk(servers[label].base_url, script, duration_s, log_name))
    return runs


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="checkout served as before")
    parser.add_argument("--after", type=Path, default=ROOT, help="checkout served as after")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk round")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per server")
    args = parser.parse_args(argv)
    exit_on_sigterm()
    runs = compare(
        args.before.resolve(),
        args.after.resolve(),
        rounds=args.rounds,
        duration_s=args.duration,
        warmup_s=args.warmup,
    )
    print("| checkout | req/s per round | median req/s | median p99 ms | non-2xx |")
    print("|---|---|---|---|---|")
    medians = {}
    for label, label_runs in runs.items():
        medians[label] = statistics.median(run.requests_per_s for run in label_runs)
        per_round = ", ".join(f"{run.requests_per_s:.0f}" for run in label_runs)
        p99 = statistics.median(run.p99_ms for run in label_runs)
        errors = sum(run.non_2xx + run.socket_errors for run in label_runs)
        print(f"| {label} | {per_round} | {medians[label]:.0f} | {p99:.1f} | {errors} |")
    print(f"\nafter ÷ before (median req/s): {medians['after'] / medians['before']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
