"""Run every benchmark and write docs/benchmarks.md (or bench/out/benchmarks.md with --quick)."""

import argparse
import datetime as dt
import time
from collections.abc import Sequence
from types import ModuleType

from bench import (
    compression,
    http_throughput,
    production_load,
    query_latency,
    rebuild_sample,
    scaling,
    service_peers,
    side_by_side,
    startup,
)
from bench.report import OUT_DIR, ROOT, render_document, render_targets
from bench.servers import exit_on_sigterm

# Each module offers run_full(rerun) and run_quick(rerun) -> Section; sections appear in this
# order. Further benchmarks (production load, sample rebuild, compression) are added to
# EXTRA_SECTIONS with the same two functions.
SECTIONS: tuple[ModuleType, ...] = (
    query_latency,
    side_by_side,
    http_throughput,
    service_peers,
    startup,
    scaling,
)
EXTRA_SECTIONS: tuple[ModuleType, ...] = (production_load, rebuild_sample, compression)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--quick",
        "--smoke",
        action="store_true",
        help="tiny sizes and 2-second wrk runs, peers included: a smoke run (< 3 minutes) "
        "whose output goes to bench/out/",
    )
    args = parser.parse_args(argv)
    exit_on_sigterm()
    started = dt.datetime.now().astimezone()
    clock = time.perf_counter()
    suffix = " --quick" if args.quick else ""
    sections = []
    for module in (*SECTIONS, *EXTRA_SECTIONS):
        name = module.__name__
        print(f"running {name}{suffix} ...", flush=True)
        rerun = f"python -m {name}{suffix}"
        sections.append(module.run_quick(rerun) if args.quick else module.run_full(rerun))
    document = render_document(f"python -m bench.run_all{suffix}", sections, started)
    # Quick numbers are meaningless as results: they never overwrite the published page.
    target = OUT_DIR / "benchmarks.md" if args.quick else ROOT / "docs" / "benchmarks.md"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(document, encoding="utf-8")
    targets = [t for section in sections for t in section.targets]
    print(render_targets(targets))
    print(f"wrote {target.relative_to(ROOT)} in {time.perf_counter() - clock:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
