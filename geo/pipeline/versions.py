"""The published tree as a build sees it, under its lock: the version a new build is compared
with, version names, housekeeping (pruning, leftovers), listing and rollback."""

import contextlib
import fcntl
import os
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from geo.core.errors import DatasetError, PublishError
from geo.dataset import (
    CURRENT_NAME,
    Dataset,
    check_version_name,
    load_current,
    load_version,
    point_current_at,
    published_dir,
    published_versions,
    read_current_version,
)
from geo.pipeline.diff import dataset_points, diff_points
from geo.pipeline.report import diff_lines


@contextlib.contextmanager
def build_lock(data_dir: Path) -> Iterator[None]:
    """One build at a time per data directory (`BlockingIOError` if another holds it); the
    kernel drops the lock if the build is killed."""
    root = published_dir(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".build.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield


def new_version_name(source_digest: str) -> str:
    """The default name of a new version: UTC time and the source's hash."""
    return f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{source_digest[:8]}"


@dataclass(frozen=True)
class Baseline:
    """What a new build is compared with: the served version, or when CURRENT does not load,
    the newest version that does (`problem` then says what is wrong with CURRENT)."""

    dataset: Dataset | None
    problem: str | None = None

    @property
    def unverified(self) -> bool:
        """Something was published, yet no version loads to compare a new build with."""
        return self.problem is not None and self.dataset is None

    @property
    def warning(self) -> str | None:
        """What ops should read when CURRENT does not load; None when it does."""
        if self.problem is None:
            return None
        instead = (
            f"comparing with {self.dataset.manifest.version}, the newest version that loads"
            if self.dataset is not None
            else "no published version loads"
        )
        return f"warning: published/CURRENT does not load ({self.problem}); {instead}"


def baseline(data_dir: Path) -> Baseline:
    """The dataset a new build must not be worse than (see `Baseline`)."""
    try:
        return Baseline(load_current(data_dir))
    except DatasetError as exc:
        if not (published_dir(data_dir) / CURRENT_NAME).exists():
            return Baseline(None)  # nothing was ever published
        problem = str(exc)
    for manifest in reversed(published_versions(data_dir)):
        try:
            return Baseline(load_version(data_dir, manifest.version), problem)
        except DatasetError:
            continue
    return Baseline(None, problem)


def prune_versions(data_dir: Path, *, keep: int) -> list[str]:
    """Delete all but the newest `keep` versions, never the one CURRENT names; return the
    deleted names. Leftover staging directories of interrupted publishes go too.

    Only directories that are what their manifest says (a valid name, stored under it) are
    pruned: anything else was never published by this code and is left for a person.
    """
    if keep < 1:
        raise PublishError(f"keep must be at least 1, got {keep}")
    root = published_dir(data_dir)
    current = read_current_version(data_dir)
    deleted: list[str] = []
    for manifest in published_versions(data_dir)[:-keep]:
        if manifest.version in (current, *deleted) or not _is_stored_version(
            root, manifest.version
        ):
            continue
        # Renamed aside first, so an interrupted delete never leaves a half version in place.
        doomed = root / f".deleting-{manifest.version}-{secrets.token_hex(4)}"
        os.rename(root / manifest.version, doomed)
        shutil.rmtree(doomed, ignore_errors=True)
        deleted.append(manifest.version)
    remove_leftovers(data_dir)
    return deleted


def _is_stored_version(root: Path, version: str) -> bool:
    try:
        check_version_name(version, where="version")
    except DatasetError:
        return False
    return (root / version).is_dir() and not (root / version).is_symlink()


def remove_leftovers(data_dir: Path) -> None:
    """Delete what interrupted publishes and prunes leave behind (never served, never listed).

    Only safe while no other build runs: scripts/build_index.py holds its lock.
    """
    root = published_dir(data_dir)
    for leftover in [*root.glob(".staging-*"), *root.glob(".deleting-*")]:
        shutil.rmtree(leftover, ignore_errors=True)
    for leftover in root.glob(f".{CURRENT_NAME}.*"):
        leftover.unlink(missing_ok=True)


def version_listing(data_dir: Path) -> list[str]:
    """One line per published version, oldest first; `*` marks the one CURRENT names."""
    try:
        current = read_current_version(data_dir)
    except DatasetError:
        current = None
    return [
        f"{'*' if manifest.version == current else ' '} {manifest.version:<40} "
        f"{manifest.points:>6} points  {manifest.built_at}"
        f"{' SAMPLE' if manifest.sample else ''}  {manifest.source}"
        for manifest in published_versions(data_dir)
    ]


def rollback(data_dir: Path, version: str) -> list[str]:
    """Serve `version` again (CURRENT flipped atomically); what changed, as lines to print.

    `DatasetError` (and nothing changed) if that version does not load.
    """
    target = load_version(data_dir, version)
    base = baseline(data_dir)
    current = base.dataset
    diff = diff_points(dataset_points(current), dataset_points(target))
    lines = [base.warning] if base.warning else []
    lines += diff_lines(diff, current.manifest.version if current else None, version)
    point_current_at(data_dir, version)
    return [*lines, f"rolled back: published/CURRENT now names {version}."]
