"""Housekeeping of the published tree that only a build may do, under its lock."""

import os
import secrets
import shutil
from pathlib import Path

from geo.core.errors import PublishError
from geo.dataset import CURRENT_NAME, published_dir, published_versions, read_current_version


def prune_versions(data_dir: Path, *, keep: int) -> list[str]:
    """Delete all but the newest `keep` versions, never the one CURRENT names; return the
    deleted names. Leftover staging directories of interrupted publishes go too."""
    if keep < 1:
        raise PublishError(f"keep must be at least 1, got {keep}")
    root = published_dir(data_dir)
    current = read_current_version(data_dir)
    deleted = []
    for manifest in published_versions(data_dir)[:-keep]:
        if manifest.version == current:
            continue
        # Renamed aside first, so an interrupted delete never leaves a half version in place.
        doomed = root / f".deleting-{manifest.version}-{secrets.token_hex(4)}"
        os.rename(root / manifest.version, doomed)
        shutil.rmtree(doomed, ignore_errors=True)
        deleted.append(manifest.version)
    remove_leftovers(data_dir)
    return deleted


def remove_leftovers(data_dir: Path) -> None:
    """Delete what interrupted publishes and prunes leave behind (never served, never listed).

    Only safe while no other build runs: scripts/build_index.py holds its lock.
    """
    root = published_dir(data_dir)
    for leftover in [*root.glob(".staging-*"), *root.glob(".deleting-*")]:
        shutil.rmtree(leftover, ignore_errors=True)
    for leftover in root.glob(f".{CURRENT_NAME}.*"):
        leftover.unlink(missing_ok=True)
