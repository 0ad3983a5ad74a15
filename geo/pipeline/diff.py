"""What changed between two versions of the list: what ops read before a new version goes live.

Points are matched by id first (ids are derived from name + address, so an unchanged record keeps
its id); a point whose address was edited gets a new id, so unmatched points are then paired by
name within the same division and reported as changed rather than as one removal plus one
addition.
"""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from geo.core.geodesy import WGS84_GEOD

MOVED_M = 500.0  # a point that moved further than this is listed as moved


@dataclass(frozen=True)
class PointState:
    """The parts of a published point that a diff compares."""

    id: str
    name: str
    address: str
    adcode: str | None
    lon: float
    lat: float
    phone_text: str
    phones: tuple[str, ...]
    precision: str

    @classmethod
    def from_properties(cls, lon: float, lat: float, props: Mapping[str, Any]) -> "PointState":
        return cls(
            id=props["id"],
            name=props["name"],
            address=props["address"],
            adcode=props.get("adcode"),
            lon=float(lon),
            lat=float(lat),
            phone_text=props["phone_text"],
            phones=tuple(props["phones"]),
            precision=props["precision"],
        )


@dataclass(frozen=True)
class Change:
    """One point present in both versions with something different."""

    old: PointState
    new: PointState
    moved_m: float
    fields: tuple[str, ...]  # which compared fields differ

    def to_json(self) -> dict[str, Any]:
        return {
            "old_id": self.old.id,
            "id": self.new.id,
            "name": self.new.name,
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
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "moved_threshold_m": self.moved_threshold_m,
            "counts": self.counts(),
            "added": [{"id": p.id, "name": p.name, "address": p.address} for p in self.added],
            "removed": [{"id": p.id, "name": p.name, "address": p.address} for p in self.removed],
            "moved": [c.to_json() for c in self.moved],
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
    value = getattr(point, name)
    return list(value) if isinstance(value, tuple) else value


def diff_points(
    old: Sequence[PointState], new: Sequence[PointState], *, moved_m: float = MOVED_M
) -> DatasetDiff:
    """Compare two versions' points.

    >>> a = PointState("x", "甲县公安局", "甲路1号", "430121", 113.0, 28.0, "", (), "county")
    >>> b = PointState("y", "甲县公安局", "甲路9号", "430121", 113.01, 28.0, "", (), "county")
    >>> d = diff_points([a], [b])
    >>> d.counts()["moved"], d.changed[0].fields, round(d.changed[0].moved_m)
    (1, ('address',), 984)
    """
    old_by_id = {p.id: p for p in old}
    new_by_id = {p.id: p for p in new}
    pairs = [(old_by_id[i], new_by_id[i]) for i in new_by_id if i in old_by_id]
    left_old = [p for p in old if p.id not in new_by_id]
    left_new = [p for p in new if p.id not in old_by_id]

    # Same name in the same division, ids differ: the record was edited, not replaced.
    waiting: dict[tuple[str, str | None], list[PointState]] = defaultdict(list)
    for point in left_old:
        waiting[(point.name, point.adcode)].append(point)
    added = []
    for point in left_new:
        candidates = waiting.get((point.name, point.adcode))
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
        fields = tuple(f for f in _COMPARED if getattr(before, f) != getattr(after, f))
        if fields or distance > 0.01:
            changed.append(Change(before, after, distance, fields))
        else:
            unchanged += 1
    removed.sort(key=lambda p: p.id)
    added.sort(key=lambda p: p.id)
    changed.sort(key=lambda c: c.new.id)
    return DatasetDiff(tuple(added), tuple(removed), tuple(changed), unchanged, moved_m)
