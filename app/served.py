"""The dataset being served: a Catalogue plus its JSON pieces, held in one swappable reference.

Each point's JSON is serialised once when a version is loaded, so answering /nearest only
joins bytes: FastAPI's generic encoder would cost more than the geodesic search itself.
"""

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from app.models import DatasetInfo
from geo.catalogue import Catalogue, regions
from geo.crs import Crs, from_wgs84
from geo.dataset import Dataset, load_current
from geo.navigation import navigation_links
from geo.phones import split_phones

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
    notice: str | None
    envelope_json: bytes  # b'"dataset":{...},"notice":...' shared by every data response
    # Per coordinate system, each point's JSON object without its closing brace.
    points_open_json: dict[Crs, tuple[bytes, ...]]
    regions_json: bytes  # the whole /regions answer

    @property
    def sample(self) -> bool:
        return self.info.sample

    def point_json(self, position: int, crs: Crs = Crs.WGS84) -> bytes:
        return self.points_open_json[crs][position] + b"}"


def _point_dicts(dataset: Dataset) -> list[dict[str, Any]]:
    """Every point's public fields, with dialable phones and map-app links; lat/lon added later."""
    names = [props["name"] for props in dataset.properties]
    places = [
        "".join(dict.fromkeys(filter(None, (p["province"], p.get("city"), p.get("district")))))
        for p in dataset.properties
    ]  # 北京市 is both province and city: said once
    links = navigation_links(dataset.lons, dataset.lats, names, places)
    points = []
    for props, navigation in zip(dataset.properties, links, strict=True):
        point = {name: props.get(name) for name in POINT_FIELDS}
        # `phones` holds one number per entry; an older list may only have the raw cell.
        cells = props["phones"] or [props["phone_text"]]
        calls = {phone: None for cell in cells for phone in split_phones(cell)}
        point["calls"] = [{"number": phone.display, "uri": phone.tel} for phone in calls]
        point["navigation"] = navigation.as_dict()
        points.append(point)
    return points


def _points_json(dataset: Dataset, points: list[dict[str, Any]]) -> dict[Crs, tuple[bytes, ...]]:
    by_crs = {}
    for crs in Crs:
        lons, lats = from_wgs84(dataset.lons, dataset.lats, target=crs)
        # Seven decimals (~1 cm) is what the dataset stores; more digits would be noise.
        lons_list = np.round(lons, 7).tolist()
        lats_list = np.round(lats, 7).tolist()
        by_crs[crs] = tuple(
            orjson.dumps({**point, "lat": lat, "lon": lon})[:-1]
            for point, lon, lat in zip(points, lons_list, lats_list, strict=True)
        )
    return by_crs


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
    provinces = [
        {**vars(province), "areas": [vars(area) for area in province.areas]}
        for province in regions(catalogue)
    ]
    regions_json = b"{" + envelope + b',"provinces":' + orjson.dumps(provinces) + b"}"
    return ServedDataset(
        catalogue=catalogue,
        info=info,
        notice=notice,
        envelope_json=envelope,
        points_open_json=_points_json(dataset, _point_dicts(dataset)),
        regions_json=regions_json,
    )


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
            # The details name server paths: they go to the log, the public gets the gist.
            log.error("cannot load the published dataset: %s", exc)
            self.problem = (
                "the published dataset is missing or failed validation; "
                "the operator can find the reason in the service log"
            )
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
