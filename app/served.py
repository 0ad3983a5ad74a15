"""The dataset being served: a Catalogue plus its JSON pieces, held in one swappable reference.

Each point's JSON is serialised once per loaded version, so answering /nearest only joins
bytes: FastAPI's generic encoder would cost more than the geodesic search itself. A small
dataset is serialised whole at load; a large one point by point, the first time each point is
shown, so a million points are ready in seconds and a worker holds only what it has served.
"""

import asyncio
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Literal

import numpy as np

from app import json_writer as jw
from app import metrics
from app.models import DatasetInfo
from geo.core.crs import Crs, from_wgs84
from geo.core.errors import DatasetError
from geo.core.phones import split_phones
from geo.dataset import (
    COORDINATE_DECIMALS,
    Dataset,
    PointRecord,
    load_version,
    read_current_version,
)
from geo.query.catalogue import Catalogue, regions
from geo.query.navigation import navigation_links

log = logging.getLogger("xunqin.dataset")

SAMPLE_NOTICE = (
    "样例数据：仅用于演示，并非公安部公布的采血点名单，请勿据此前往。"
    " / Sample data for demonstration only: not the official list of blood-collection points."
)

# Kept for tracing a record back through the build, not for the public. `contacts` is public,
# written after `located` below without the rows it came from.
_UNPUBLISHED = frozenset({"source_row", "geocoder", "resolved", "warnings", "sheet", "source_rows"})
# Public fields of a point, in response order; `lat`/`lon` come from the geometry.
POINT_FIELDS = tuple(
    f.name for f in fields(PointRecord) if f.name not in _UNPUBLISHED | {"contacts"}
)


@dataclass(frozen=True)
class ServedDataset:
    """One loaded version, ready to answer; never modified after construction."""

    catalogue: Catalogue
    info: DatasetInfo
    notice: str | None
    envelope_json: bytes  # members '"dataset":{...},"notice":...' shared by every data answer
    # Per coordinate system, each point as an open object (app/json_writer.py).
    points_open_json: dict[Crs, "PointsJson"]
    regions_json: bytes  # the whole /regions answer

    @property
    def sample(self) -> bool:
        return self.info.sample

    def point_json(self, position: int, crs: Crs = Crs.WGS84) -> bytes:
        return jw.close(self.points_open_json[crs][position])


def _calls(cells: Iterable[str]) -> list[dict[str, str]]:
    """Dialable numbers in the given texts, each once, in order."""
    calls = {phone: None for cell in cells for phone in split_phones(cell)}
    return [{"number": phone.display, "uri": phone.tel} for phone in calls]


def _public_contacts(record: PointRecord) -> list[dict[str, Any]]:
    """Each officer with their numbers; a row repeating an earlier one's officer and numbers
    (its text written differently) is shown once. The rows stay in the published dataset."""
    shown: dict[tuple[str | None, tuple[str, ...] | str], dict[str, Any]] = {}
    for row in record.contact_rows():
        # Without a recognised number, the text itself is what a person reads: keep each.
        shown.setdefault(
            (row.contact, row.phones or row.phone_text),
            {
                "contact": row.contact,
                "phones": list(row.phones),
                "phone_text": row.phone_text,
                "calls": _calls(row.phones or [row.phone_text]),
            },
        )
    return list(shown.values())


def _point_dicts(dataset: Dataset, positions: Sequence[int]) -> list[dict[str, Any]]:
    """These points' public fields, with dialable phones and map-app links; lat/lon added later.

    A point without a location (known only to its province) gets no map-app links: they would
    lead to its province's seat, where it is not."""
    properties = [dataset.properties[position] for position in positions]
    names = [props["name"] for props in properties]
    places = [
        "".join(dict.fromkeys(filter(None, (p["province"], p.get("city"), p.get("district")))))
        for p in properties
    ]  # 北京市 is both province and city: said once
    links = navigation_links(dataset.lons[positions], dataset.lats[positions], names, places)
    points = []
    for props, navigation in zip(properties, links, strict=True):
        record = PointRecord.from_properties(props)
        point = {name: props.get(name) for name in POINT_FIELDS}
        point["located"] = record.located
        point["contacts"] = _public_contacts(record)
        # `phones` holds one number per entry; an older list may only have the raw cell.
        point["calls"] = _calls(props["phones"] or [props["phone_text"]])
        point["navigation"] = navigation.as_dict() if record.located else None
        points.append(point)
    return points


def _open_json(
    dataset: Dataset, positions: Sequence[int], points: list[dict[str, Any]], crs: Crs
) -> list[bytes]:
    lons, lats = from_wgs84(dataset.lons[positions], dataset.lats[positions], target=crs)
    # What the dataset stores (~1 cm); more digits would be noise.
    lons_list = np.round(lons, COORDINATE_DECIMALS).tolist()
    lats_list = np.round(lats, COORDINATE_DECIMALS).tolist()
    # No coordinates for a point without a location: a client must not map it there.
    return [
        jw.open_object(
            {**point, "lat": lat, "lon": lon}
            if point["located"]
            else {**point, "lat": None, "lon": None}
        )
        for point, lon, lat in zip(points, lons_list, lats_list, strict=True)
    ]


class PointsJson(Sequence[bytes]):
    """Every point's open JSON object in one coordinate system, written once, when first asked:
    not at load, where writing the sample's 3,182 points three times took ~0.2 s of a start.

    Concurrent first requests for one point may both write it: the bytes are the same.
    """

    def __init__(self, dataset: Dataset, crs: Crs) -> None:
        self._dataset = dataset
        self._crs = crs
        self._written: list[bytes | None] = [None] * len(dataset)

    def __len__(self) -> int:
        return len(self._written)

    def __getitem__(self, position: Any) -> Any:
        if isinstance(position, slice):
            return [self[at] for at in range(*position.indices(len(self)))]
        return self.many([int(position)])[0]

    def many(self, positions: Sequence[int]) -> list[bytes]:
        """These points' JSON, in order; the ones not yet written are written in one pass
        (a first /points page of 50 costs one vectorised call, not 50)."""
        written = self._written
        missing = [position for position in dict.fromkeys(positions) if written[position] is None]
        if missing:
            dataset = self._dataset
            fresh = _open_json(dataset, missing, _point_dicts(dataset, missing), self._crs)
            for position, one in zip(missing, fresh, strict=True):
                written[position] = one
        return [written[position] for position in positions]  # type: ignore[misc]  # all written


def _points_json(dataset: Dataset) -> dict[Crs, PointsJson]:
    return {crs: PointsJson(dataset, crs) for crs in Crs}


def serve(dataset: Dataset) -> ServedDataset:
    """Build the index and the pre-serialised JSON for one dataset version."""
    catalogue = Catalogue.build(dataset)
    manifest = dataset.manifest
    info = DatasetInfo(**{name: getattr(manifest, name) for name in DatasetInfo.model_fields})
    notice = SAMPLE_NOTICE if manifest.sample else None
    envelope = jw.members({"dataset": info.model_dump(), "notice": notice})
    provinces = [
        {**vars(province), "areas": [vars(area) for area in province.areas]}
        for province in regions(catalogue)
    ]
    regions_json = jw.obj(envelope, jw.member("provinces", jw.value(provinces)))
    return ServedDataset(
        catalogue=catalogue,
        info=info,
        notice=notice,
        envelope_json=envelope,
        points_open_json=_points_json(dataset),
        regions_json=regions_json,
    )


@dataclass(frozen=True)
class ReloadOutcome:
    """What one load attempt did; `detail` may name server paths, so it is for operators only."""

    status: Literal["loaded", "unchanged", "refused"]
    version: str | None  # the version served afterwards
    previous: str | None  # the version served before
    attempted: str | None  # the version CURRENT named
    seconds: float
    detail: str | None = None


class DatasetHolder:
    """The single place the served dataset lives: replaced whole, read once per request.

    A new version is loaded and indexed aside, then swapped in with one assignment, so a
    request that already holds the old `ServedDataset` finishes on it. A version that fails
    validation is refused and remembered, so a periodic check does not retry it every time;
    the old version keeps serving.
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.current: ServedDataset | None = None
        self.problem: str | None = "dataset not loaded yet"
        self.refused_version: str | None = None
        self._lock = asyncio.Lock()

    def load(self, *, force: bool = False) -> ReloadOutcome:
        """Serve what CURRENT names, unless it is already served (or was refused, unless
        `force`). Never raises: a failure keeps the previous version and says why."""
        started = time.perf_counter()
        previous = self.current.info.version if self.current else None
        try:
            version = read_current_version(self.data_dir)
        except DatasetError as exc:
            return self._refuse(None, previous, started, str(exc))
        if version == previous or (version == self.refused_version and not force):
            return ReloadOutcome("unchanged", previous, previous, version, 0.0)
        try:
            fresh = serve(load_version(self.data_dir, version))
        except Exception as exc:  # any failure must leave the previous version serving
            return self._refuse(version, previous, started, str(exc))
        # Cleared first: a request between these lines must not see the new version together
        # with the refusal it replaces.
        self.problem = None
        self.refused_version = None
        self.current = fresh  # the swap: one reference assignment
        seconds = time.perf_counter() - started
        metrics.record_dataset(version, fresh.info.points, fresh.sample, seconds)
        if previous is not None:
            metrics.record_reload(True, seconds)
        log.info(
            "serving dataset %s (%d points%s) loaded in %.0f ms%s",
            fresh.info.version,
            fresh.info.points,
            ", SAMPLE" if fresh.sample else "",
            seconds * 1000,
            f", replacing {previous}" if previous else "",
        )
        return ReloadOutcome("loaded", version, previous, version, seconds)

    async def reload(self, *, force: bool = False) -> ReloadOutcome:
        """`load` in a worker thread, one at a time, so requests keep being answered meanwhile."""
        async with self._lock:
            return await asyncio.to_thread(self.load, force=force)

    async def follow(self, interval_s: float) -> None:
        """Check CURRENT every `interval_s` seconds: how each of several workers notices a
        version published by scripts/build_index.py. Reading one small file is the whole cost."""
        while True:
            await asyncio.sleep(interval_s)
            await self.reload()

    def _refuse(
        self, version: str | None, previous: str | None, started: float, detail: str
    ) -> ReloadOutcome:
        # The details name server paths: they go to the log, the public gets the gist.
        self.refused_version = version
        reason = "no_current" if version is None else "invalid_dataset"
        metrics.record_reload(False, time.perf_counter() - started, reason)
        if previous is None:
            self.problem = (
                "the published dataset is missing or failed validation; "
                "the operator can find the reason in the service log"
            )
            log.error("cannot load the published dataset: %s", detail)
        else:
            log.error("refused dataset %s, still serving %s: %s", version, previous, detail)
        return ReloadOutcome(
            "refused", previous, previous, version, time.perf_counter() - started, detail
        )
