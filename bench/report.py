"""Result tables, target checks, machine description and the markdown they render to."""

import datetime as dt
import importlib.metadata
import os
import platform
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from rtree import index as rtree_index

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "bench" / "out"

_LIBRARIES = (
    "numpy", "scipy", "pyproj", "rtree", "fastapi", "starlette", "pydantic", "uvicorn",
    "uvloop", "httptools", "orjson", "asyncpg", "redis", "hiredis", "scikit-learn", "psutil",
    "matplotlib",
)  # fmt: skip


@dataclass(frozen=True)
class Target:
    """A goal the issue sets; checked and printed, never asserted."""

    name: str
    measured: str
    limit: str
    passed: bool


@dataclass(frozen=True)
class Table:
    """One measured table with the command that reproduces it."""

    title: str
    rerun: str
    headers: Sequence[str]
    rows: Sequence[Sequence[str]]
    notes: Sequence[str] = ()


@dataclass
class Section:
    """What one benchmark module hands back to `run_all`."""

    title: str
    tables: list[Table] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # (alt text, PNG path): rendered after the tables, linked relative to the document.
    images: list[tuple[str, Path]] = field(default_factory=list)
    # Plain-words findings, gathered into the document's conclusion.
    conclusions: list[str] = field(default_factory=list)


def shown(path: Path) -> str:
    """A path as the docs should show it: relative when inside the repository."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def percentile_us(samples_ns: Sequence[int] | np.ndarray, q: float) -> float:
    return float(np.percentile(np.asarray(samples_ns, dtype=np.float64), q)) / 1e3


def fmt(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}"


def render_table(table: Table) -> str:
    lines = [f"### {table.title}", ""]
    lines.append("| " + " | ".join(table.headers) + " |")
    lines.append("|" + "|".join("---" for _ in table.headers) + "|")
    lines.extend("| " + " | ".join(row) + " |" for row in table.rows)
    lines.append("")
    lines.extend(f"{note}" for note in table.notes)
    if table.notes:
        lines.append("")
    lines.append(f"Rerun just this table: `{table.rerun}`")
    lines.append("")
    return "\n".join(lines)


def render_targets(targets: Sequence[Target]) -> str:
    lines = ["| target | measured | limit | result |", "|---|---|---|---|"]
    for target in targets:
        verdict = "PASS" if target.passed else "**MISS**"
        lines.append(f"| {target.name} | {target.measured} | {target.limit} | {verdict} |")
    return "\n".join(lines) + "\n"


def render_section(section: Section) -> str:
    parts = [f"## {section.title}", ""]
    parts.extend(f"{note}\n" for note in section.notes)
    parts.extend(render_table(table) for table in section.tables)
    parts.extend(f"![{alt}]({path.name})\n" for alt, path in section.images)
    if section.targets:
        parts.append(render_targets(section.targets))
    return "\n".join(parts)


def _command_output(*argv: str) -> str:
    if shutil.which(argv[0]) is None:
        return f"({argv[0]} not found)"
    # GIT_OPTIONAL_LOCKS=0 keeps `git status` from refreshing the index: this only reads.
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}
    done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, env=env, check=False)
    return (done.stdout or done.stderr).rstrip()


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _control_version(control: Path) -> str:
    """The default_version a PostgreSQL extension's control file declares."""
    for line in control.read_text().splitlines():
        name, _, value = line.partition("=")
        if name.strip() == "default_version":
            return value.strip().strip("'")
    return "unknown version"


def machine_description() -> str:
    """Markdown describing the host, interpreter, libraries and code version measured."""
    lscpu = _command_output("lscpu")
    wanted = ("Model name", "CPU(s):", "Thread(s) per core", "Core(s) per socket", "Hypervisor")
    cpu_lines = [line for line in lscpu.splitlines() if line.strip().startswith(wanted)]
    memory = _command_output("free", "-g").splitlines()
    versions = ", ".join(f"{name} {_version(name)}" for name in _LIBRARIES)
    spatialindex = rtree_index.__c_api_version__.decode()
    dirty = _command_output("git", "status", "--porcelain")
    commit = _command_output("git", "rev-parse", "--short", "HEAD")
    wrk = _command_output("wrk", "--version").splitlines()[0] if shutil.which("wrk") else None
    redis = _command_output("redis-server", "--version")
    postgis = sorted(Path("/usr/share/postgresql").glob("*/extension/postgis.control"))
    postgres = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))
    lines = [
        "```",
        *cpu_lines,
        f"nproc: {_command_output('nproc')}",
        *memory,
        f"load average at start: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}",
        f"kernel: {platform.system()} {platform.release()}",
        "```",
        "",
        f"- Python {platform.python_version()} ({sys.executable})",
        f"- {versions}, libspatialindex {spatialindex}",
        f"- wrk: {wrk or 'not on PATH'}",
        f"- PostgreSQL: {_command_output(str(postgres[-1]), '-V') if postgres else 'not installed'}"
        f"; PostGIS {_control_version(postgis[-1]) if postgis else 'not installed'}",
        f"- Redis: {redis}",
        f"- code: commit {commit}{' with uncommitted changes' if dirty else ''}",
    ]
    return "\n".join(lines) + "\n"


def render_document(command: str, sections: Sequence[Section], started: dt.datetime) -> str:
    targets = [target for section in sections for target in section.targets]
    conclusions = [line for section in sections for line in section.conclusions]
    parts = [
        "# Benchmarks",
        "",
        "<!-- Generated by bench/run_all.py from measured numbers. Do not edit by hand. -->",
        "",
        f"Generated {started.isoformat(timespec='seconds')} by `{command}` "
        "(from the repository root, with the project venv).",
        "",
        "The machine is a shared, noisy 2-core VM: compare ratios within one run, not absolute "
        "numbers across runs.",
        "",
        "## How to reproduce",
        "",
        "`make bench` (or `.venv/bin/python -m bench.run_all` after `pip install -e '.[test]'`, "
        "which pulls in the `bench` extra: asyncpg, redis with hiredis, matplotlib, psutil, "
        "scikit-learn) regenerates every table and plot on this page. The harness needs `wrk`, "
        "Debian's `postgresql-15-postgis-3` and `redis-server`; when they are missing and it "
        "runs as root it installs them with apt-get, otherwise it skips that peer and says so "
        "here. It starts a throwaway PostgreSQL cluster (as the `postgres` user when run as "
        "root) and a Redis without persistence, each in a temporary directory on a unix socket "
        "and a free loopback port, and stops and deletes them however the run ends. "
        "`python -m bench.run_all --quick` is the CI smoke run: every part at tiny N, written "
        "to bench/out/. Each table names the command that reruns just its section.",
        "",
        "One-off comparisons of two checkouts or two code paths (a layout change, the /nearest "
        "profile before and after) are not part of this run; they are kept with their "
        "commands in [benchmarks-history.md](benchmarks-history.md).",
        "",
        "## Machine",
        "",
        machine_description(),
        "## Targets",
        "",
        render_targets(targets) if targets else "(no targets measured)\n",
    ]
    if conclusions:
        parts += ["## Conclusion in plain words", "", *(f"- {line}" for line in conclusions), ""]
    parts.extend(render_section(section) for section in sections)
    return "\n".join(parts)
