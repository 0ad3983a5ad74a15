"""What changed between two versions of the list: what ops read before a new version goes live.

Points are matched by id first (ids are derived from name + address, so an unchanged record keeps
its id); a point whose address was edited gets a new id, so unmatched points are then paired by
name within the same division and reported as changed rather than as one removal plus one
addition. Points built from several rows of the same unit are counted as `merged`: their later
rows are in the point (its contacts), not lost.
"""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from geo.core.geodesy import WGS84_GEOD
from geo.dataset import Dataset, PointRecord

MOVED_M = 500.0  # a point that moved further than this is listed as moved


@dataclass(frozen=True)
class PointState:
    """A published point as a diff compares it: its properties and where it lies."""

    record: PointRecord
    lon: float
    lat: float


def dataset_points(dataset: Dataset | None) -> list[PointState]:
    """Every point of a loaded dataset, in order; none for no dataset."""
    if dataset is None:
        return []
    return [
        PointState(record, lon, lat)
        for record, lon, lat in zip(
            dataset.records(), dataset.lons.tolist(), dataset.lats.tolist(), strict=True
        )
    ]


def feature_points(features: Sequence[Mapping[str, Any]]) -> list[PointState]:
    """Every point of GeoJSON features not yet published, in order."""
    return [
        PointState(
            PointRecord.from_properties(f["properties"]),
            float(f["geometry"]["coordinates"][0]),
            float(f["geometry"]["coordinates"][1]),
        )
        for f in features
    ]


@dataclass(frozen=True)
class Change:
    """One point present in both versions with something different."""

    old: PointState
    new: PointState
    moved_m: float
    fields: tuple[str, ...]  # which compared fields differ

    def to_json(self) -> dict[str, Any]:
        return {
            "old_id": self.old.record.id,
            "id": self.new.record.id,
            "name": self.new.record.name,
            "moved_m": round(self.moved_m, 1),
            "fields": list(self.fields),
            "old": {field: _shown(self.old, field) for field in self.fields},
            "new": {field: _shown(self.new, field) for field in self.fields},
        }


@dataclass(frozen=True)
class DatasetDiff:
    added: tuple[PointState, ...] = ()
    removed: tuple[PointState, ...] = ()
    changed: tuple[Change, ...] = ()
    unchanged: int = 0
    moved_threshold_m: float = MOVED_M
    _summary: dict[str, int] = field(default_factory=dict, compare=False)
    merged: tuple[PointState, ...] = ()  # new points carrying more than one source row

    @property
    def moved(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changed if c.moved_m > self.moved_threshold_m)

    @property
    def phones_changed(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changed if "phones" in c.fields or "phone_text" in c.fields)

    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "removed": len(self.removed),
            "changed": len(self.changed),
            "moved": len(self.moved),
            "phones_changed": len(self.phones_changed),
            "unchanged": self.unchanged,
            "merged": len(self.merged),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "moved_threshold_m": self.moved_threshold_m,
            "counts": self.counts(),
            "added": [_listed(p) for p in self.added],
            "removed": [_listed(p) for p in self.removed],
            "moved": [c.to_json() for c in self.moved],
            "merged": [
                {**_listed(p), "source_rows": list(p.record.source_rows)} for p in self.merged
            ],
            "phones_changed": [c.to_json() for c in self.phones_changed],
            "other_changes": [
                c.to_json()
                for c in self.changed
                if c.moved_m <= self.moved_threshold_m
                and "phones" not in c.fields
                and "phone_text" not in c.fields
            ],
        }


_COMPARED = ("name", "address", "adcode", "phone_text", "phones", "precision")


def _shown(point: PointState, name: str) -> Any:
    value = getattr(point.record, name)
    return list(value) if isinstance(value, tuple) else value


def _listed(point: PointState) -> dict[str, str]:
    return {"id": point.record.id, "name": point.record.name, "address": point.record.address}


def diff_points(
    old: Sequence[PointState], new: Sequence[PointState], *, moved_m: float = MOVED_M
) -> DatasetDiff:
    """Compare two versions' points.

    >>> a = PointRecord("x", "甲县公安局", "甲路1号", "湖南省", None, None, "430121", None, (),
    ...                 "", "county", 1)
    >>> from dataclasses import replace
    >>> b = replace(a, id="y", address="甲路9号")
    >>> d = diff_points([PointState(a, 113.0, 28.0)], [PointState(b, 113.01, 28.0)])
    >>> d.counts()["moved"], d.changed[0].fields, round(d.changed[0].moved_m)
    (1, ('address',), 984)
    """
    old_by_id = {p.record.id: p for p in old}
    new_by_id = {p.record.id: p for p in new}
    pairs = [(old_by_id[i], new_by_id[i]) for i in new_by_id if i in old_by_id]
    left_old = [p for p in old if p.record.id not in new_by_id]
    left_new = [p for p in new if p.record.id not in old_by_id]

    # Same name in the same division, ids differ: the record was edited, not replaced.
    waiting: dict[tuple[str, str | None], list[PointState]] = defaultdict(list)
    for point in left_old:
        waiting[(point.record.name, point.record.adcode)].append(point)
    added = []
    for point in left_new:
        candidates = waiting.get((point.record.name, point.record.adcode))
        if candidates:
            pairs.append((candidates.pop(0), point))
        else:
            added.append(point)
    removed = [p for group in waiting.values() for p in group]

    changed = []
    unchanged = 0
    distances: list[float] = []
    if pairs:
        _, _, metres = WGS84_GEOD.inv(
            np.array([o.lon for o, _ in pairs]),
            np.array([o.lat for o, _ in pairs]),
            np.array([n.lon for _, n in pairs]),
            np.array([n.lat for _, n in pairs]),
        )
        distances = np.atleast_1d(metres).tolist()
    for (before, after), distance in zip(pairs, distances, strict=True):
        fields = tuple(
            f for f in _COMPARED if getattr(before.record, f) != getattr(after.record, f)
        )
        if fields or distance > 0.01:
            changed.append(Change(before, after, distance, fields))
        else:
            unchanged += 1
    removed.sort(key=lambda p: p.record.id)
    added.sort(key=lambda p: p.record.id)
    changed.sort(key=lambda c: c.new.record.id)
    merged = sorted((p for p in new if len(p.record.source_rows) > 1), key=lambda p: p.record.id)
    return DatasetDiff(
        tuple(added), tuple(removed), tuple(changed), unchanged, moved_m, merged=tuple(merged)
    )
