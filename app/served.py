"""The dataset being served: a Catalogue plus its JSON pieces, held in one swappable reference.

Each point's JSON is serialised once when a version is loaded, so answering /nearest only
joins bytes: FastAPI's generic encoder would cost more than the geodesic search itself.
"""

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from app.models import DatasetInfo
from geo.catalogue import Catalogue
from geo.dataset import Dataset, load_current

log = logging.getLogger("xunqin.dataset")

SAMPLE_NOTICE = (
    "样例数据：仅用于演示，并非公安部公布的采血点名单，请勿据此前往。"
    " / Sample data for demonstration only: not the official list of blood-collection points."
)

# Public fields of a point, in response order; `lat`/`lon` come from the geometry.
POINT_FIELDS = (
    "id", "name", "address", "province", "city", "district", "adcode",
    "contact", "phones", "phone_text", "precision", "note",
)  # fmt: skip


@dataclass(frozen=True)
class ServedDataset:
    """One loaded version, ready to answer; never modified after construction."""

    catalogue: Catalogue
    info: DatasetInfo
    envelope_json: bytes  # b'"dataset":{...},"notice":...' shared by every data response
    points_open_json: tuple[bytes, ...]  # each point's JSON object without its closing brace

    @property
    def sample(self) -> bool:
        return self.info.sample

    def point_dict(self, position: int) -> dict[str, Any]:
        props = self.catalogue.dataset.properties[position]
        point = {name: props.get(name) for name in POINT_FIELDS}
        point["lat"] = float(self.catalogue.dataset.lats[position])
        point["lon"] = float(self.catalogue.dataset.lons[position])
        return point

    def point_json(self, position: int) -> bytes:
        return self.points_open_json[position] + b"}"


def serve(dataset: Dataset) -> ServedDataset:
    """Build the index and the pre-serialised JSON for one dataset version."""
    catalogue = Catalogue.build(dataset)
    manifest = dataset.manifest
    info = DatasetInfo(
        version=manifest.version,
        points=manifest.points,
        sample=manifest.sample,
        built_at=manifest.built_at,
        source=manifest.source,
    )
    notice = SAMPLE_NOTICE if manifest.sample else None
    envelope = (
        b'"dataset":' + orjson.dumps(info.model_dump()) + b',"notice":' + orjson.dumps(notice)
    )
    served = ServedDataset(catalogue, info, envelope, ())
    points = tuple(orjson.dumps(served.point_dict(i))[:-1] for i in range(len(dataset)))
    return ServedDataset(catalogue, info, envelope, points)


class DatasetHolder:
    """The single place the current dataset lives; replaced whole, read once per request."""

    def __init__(self) -> None:
        self.current: ServedDataset | None = None
        self.problem: str | None = "dataset not loaded yet"

    def load(self, data_dir: Path) -> None:
        """Load CURRENT; on failure keep what is served and record why, without raising."""
        started = time.perf_counter()
        try:
            fresh = serve(load_current(data_dir))
        except Exception as exc:  # any failure must leave the previous version serving
            self.problem = f"cannot load the published dataset: {exc}"
            log.error("%s", self.problem)
            return
        self.current = fresh
        self.problem = None
        log.info(
            "serving dataset %s (%d points%s) loaded in %.0f ms",
            fresh.info.version,
            fresh.info.points,
            ", SAMPLE" if fresh.sample else "",
            (time.perf_counter() - started) * 1000,
        )
