"""Never publish a worse dataset: whether a built list may replace the one being served."""

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from geo.dataset import Dataset, serialise_feature_collection
from geo.pipeline.diff import DatasetDiff

Decision = Literal["publish", "refuse", "unchanged"]
DEFAULT_MAX_LOSS = 0.10  # share of the served points a new version may lose unasked


@dataclass(frozen=True)
class Verdict:
    """Publish, refuse, or nothing to do, and the sentence that says why."""

    decision: Decision
    message: str


def loss_share(served: Dataset | None, diff: DatasetDiff) -> float:
    """Share of the served version's points that the new one no longer has."""
    if served is None or len(served) == 0:
        return 0.0
    return len(diff.removed) / len(served)


def judge(
    served: Dataset | None,
    features: Sequence[Mapping[str, Any]],
    diff: DatasetDiff,
    *,
    max_loss: float = DEFAULT_MAX_LOSS,
    force: bool = False,
    dry_run: bool = False,
    current_problem: str | None = None,
) -> Verdict:
    """The verdict on replacing `served` by the new `features` (`diff` between the two);
    `force` publishes despite a loss over `max_loss`, `dry_run` only says what would be done.

    `current_problem` says why published/CURRENT does not load: `served` is then the newest
    version that does (None if none does, and only `force` publishes: nothing can show the new
    list is not a loss), and an unchanged list is published anyway, to mend CURRENT.
    """
    if not features:
        return Verdict("refuse", "refused: no point could be published from this list.")
    if current_problem is not None and served is None and not force:
        return Verdict(
            "refuse",
            f"refused: published/CURRENT does not load ({current_problem}) and no other "
            "published version loads, so nothing shows this list loses no points; check the "
            "list, or rerun with --force to publish it anyway.",
        )
    if served is not None and current_problem is None and _same_points(served, features):
        return Verdict("unchanged", f"nothing changed: {served.manifest.version} stays current.")
    share = loss_share(served, diff)
    if served is not None and served.manifest.sample:
        share = 0.0  # replacing sample data with a real list is not a loss
    if share > max_loss and not force:
        return Verdict(
            "refuse",
            f"refused: {len(diff.removed)} of {len(served or [])} current points "
            f"({share:.0%}) would disappear, more than --max-loss {max_loss:.0%}; check the "
            "list, or rerun with --force if this is intended.",
        )
    if dry_run:
        return Verdict("publish", "dry run: nothing was published.")
    return Verdict("publish", "publishing.")


def _same_points(served: Dataset, features: Sequence[Mapping[str, Any]]) -> bool:
    raw = serialise_feature_collection(features)
    return hashlib.sha256(raw).hexdigest() == served.manifest.sha256
