"""Published datasets: a WGS-84 GeoJSON FeatureCollection plus a manifest, under a version.

Layout::

    <data_dir>/published/<version>/points.geojson
    <data_dir>/published/<version>/manifest.json
    <data_dir>/published/<version>/points.packed    # optional, derived: geo/packed.py
    <data_dir>/published/CURRENT            # one line: the version to serve

A dataset is validated in full on load and before publishing, so a reader never sees a
half-written or inconsistent one, and a writer cannot publish one.
"""

import hashlib
import logging
import os
import re
import secrets
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from geo import packed as pk
from geo.core.errors import DatasetError, PublishError
from geo.core.geodesy import FloatArray

# Declared there, re-exported here: the dataset's one point type and its GeoJSON form.
from geo.features import COORDINATE_DECIMALS as COORDINATE_DECIMALS
from geo.features import PROPERTY_TYPES as PROPERTY_TYPES
from geo.features import make_feature as make_feature
from geo.features import parse_feature_collection as parse_feature_collection
from geo.features import serialise_feature_chunks as serialise_feature_chunks
from geo.features import serialise_feature_collection as serialise_feature_collection
from geo.record import PointRecord as PointRecord

FORMAT = "xunqin-dataset/1"
GEOJSON_NAME = "points.geojson"
MANIFEST_NAME = "manifest.json"
CURRENT_NAME = "CURRENT"
PUBLISHED_DIR = "published"
log = logging.getLogger("xunqin.dataset")

_VERSION_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")  # always fullmatch
_UNCHECKED = ("format", "crs")  # manifest fields _read_manifest does not type-check


@dataclass(frozen=True)
class Manifest:
    """What a published dataset is, where it came from and how to check it."""

    version: str
    points: int
    sha256: str
    built_at: str
    source: str
    sample: bool
    builder: str
    format: str = FORMAT
    crs: str = "EPSG:4326"
    notes: str = ""
    packed: str = ""  # the sidecar's file name; "" for a version published without one
    packed_sha256: str = ""

    def to_json(self) -> dict[str, Any]:
        shown = asdict(self)  # a version without a sidecar keeps the manifest it always had
        return shown if self.packed else {k: v for k, v in shown.items() if "packed" not in k}


@dataclass(frozen=True)
class Dataset:
    """A loaded, validated dataset: parallel coordinate arrays and per-point properties (from a
    sidecar, decoded when asked, with its mapped columns in `packed`; from GeoJSON, tuples)."""

    manifest: Manifest
    lons: FloatArray
    lats: FloatArray
    ids: Sequence[str]
    properties: Sequence[Mapping[str, Any]]
    packed: pk.Packed | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def records(self) -> tuple[PointRecord, ...]:
        """Every point's properties as a `PointRecord`, in order."""
        return tuple(PointRecord.from_properties(props) for props in self.properties)


def published_dir(data_dir: Path) -> Path:
    return Path(data_dir) / PUBLISHED_DIR


def read_current_version(data_dir: Path) -> str:
    """The version named by `<data_dir>/published/CURRENT`."""
    pointer = published_dir(data_dir) / CURRENT_NAME
    try:
        version = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise DatasetError(
            f"no published dataset: {pointer} does not exist "
            "(publish one with scripts/build_index.py or scripts/make_sample_dataset.py)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"cannot read {pointer}: {exc}") from None
    check_version_name(version, where=str(pointer))
    return version


def load_current(data_dir: Path) -> Dataset:
    """Load and validate the dataset that CURRENT names."""
    return load_version(data_dir, read_current_version(data_dir))


def load_version(data_dir: Path, version: str) -> Dataset:
    """Load and validate one published version; raise `DatasetError` saying what is wrong."""
    check_version_name(version, where="version")
    directory = published_dir(data_dir) / version
    manifest = _read_manifest(directory / MANIFEST_NAME)
    if manifest.version != version:
        raise DatasetError(
            f"{directory / MANIFEST_NAME}: manifest names version {manifest.version!r}, "
            f"but it is stored as {version!r}"
        )
    if manifest.packed:
        try:
            packed = pk.open_packed(
                directory / Path(manifest.packed).name,  # never outside the version
                sha256=manifest.packed_sha256,
                geojson_sha256=manifest.sha256,
                points=manifest.points,
            )
        except pk.PackError as exc:
            log.warning("%s; reading %s instead and packing it in memory", exc, GEOJSON_NAME)
        else:
            props = pk.PackedProperties(packed)
            return Dataset(manifest, packed.lons, packed.lats, pk.PackedIds(packed), props, packed)
    else:
        log.info("version %s has no sidecar: reading its %s", version, GEOJSON_NAME)
    geojson_path = directory / GEOJSON_NAME
    try:
        raw = geojson_path.read_bytes()
    except OSError as exc:
        raise DatasetError(f"cannot read {geojson_path}: {exc.strerror or exc}") from None
    digest = hashlib.sha256(raw).hexdigest()
    if digest != manifest.sha256:
        raise DatasetError(
            f"{geojson_path}: sha256 is {digest}, manifest says {manifest.sha256} "
            "(the file is corrupt or was changed after publishing)"
        )
    lons, lats, ids, properties = parse_feature_collection(raw, where=str(geojson_path))
    if len(ids) != manifest.points:
        raise DatasetError(
            f"{geojson_path}: holds {len(ids)} points, manifest says {manifest.points}"
        )
    return Dataset(manifest, lons, lats, ids, properties)


def publish_dataset(
    data_dir: Path,
    features: Sequence[Mapping[str, Any]],
    *,
    version: str,
    source: str,
    sample: bool,
    builder: str,
    notes: str = "",
    built_at: datetime | None = None,
    packed: bool = False,
) -> Manifest:
    """Validate, write aside, fsync, rename into place, then flip CURRENT atomically.

    With `packed`, the sidecar servers map instead of parsing (geo/packed.py) is written too.
    Interrupted at any point, CURRENT still names the previous complete version.
    """
    check_version_name(version, where="version")
    return publish_serialised(
        data_dir, serialise_feature_collection(features), version=version, source=source,
        sample=sample, builder=builder, notes=notes, built_at=built_at, packed=packed,
    )  # fmt: skip


def publish_serialised(
    data_dir: Path,
    raw: bytes,
    *,
    version: str,
    source: str,
    sample: bool,
    builder: str,
    notes: str = "",
    built_at: datetime | None = None,
    packed: bool = False,
) -> Manifest:
    """`publish_dataset` for GeoJSON already serialised by `serialise_feature_collection`, so a
    very large dataset need not be held as features and as bytes at once."""
    check_version_name(version, where="version")
    try:
        parsed = parse_feature_collection(raw, where=f"new version {version}")
        geojson_sha256 = hashlib.sha256(raw).hexdigest()
        sidecar = pk.pack(*parsed, geojson_sha256=geojson_sha256) if packed else b""
    except DatasetError as exc:
        raise PublishError(f"refusing to publish an invalid dataset: {exc}") from None

    root = published_dir(data_dir)
    final = root / version
    if final.exists():
        raise PublishError(f"version {version!r} is already published at {final}")
    root.mkdir(parents=True, exist_ok=True)
    manifest = Manifest(
        version=version,
        points=len(parsed[2]),
        sha256=geojson_sha256,
        built_at=(built_at or datetime.now(UTC)).isoformat(timespec="seconds"),
        source=source,
        sample=sample,
        builder=builder,
        notes=notes,
        packed=pk.PACKED_NAME if packed else "",
        packed_sha256=hashlib.sha256(sidecar).hexdigest() if packed else "",
    )
    staging = root / f".staging-{version}-{secrets.token_hex(4)}"
    staging.mkdir()
    try:
        pk.write_synced(staging / GEOJSON_NAME, raw)
        if packed:
            pk.write_synced(staging / pk.PACKED_NAME, sidecar)
        manifest_bytes = orjson.dumps(manifest.to_json(), option=orjson.OPT_INDENT_2) + b"\n"
        pk.write_synced(staging / MANIFEST_NAME, manifest_bytes)
        pk.fsync_dir(staging)
        staging.rename(final)
        pk.fsync_dir(root)
        point_current_at(data_dir, version)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return manifest


def point_current_at(data_dir: Path, version: str) -> None:
    """Atomically make CURRENT name `version` (which must load cleanly)."""
    load_version(data_dir, version)
    root = published_dir(data_dir)
    temporary = root / f".{CURRENT_NAME}.{secrets.token_hex(4)}"
    pk.write_synced(temporary, f"{version}\n".encode())
    os.replace(temporary, root / CURRENT_NAME)
    pk.fsync_dir(root)


def _read_manifest(path: Path) -> Manifest:
    try:
        document = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        raise DatasetError(f"{path} does not exist") from None
    except OSError as exc:
        raise DatasetError(f"cannot read {path}: {exc.strerror or exc}") from None
    except orjson.JSONDecodeError as exc:
        raise DatasetError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(document, dict):
        raise DatasetError(f"{path}: manifest must be a JSON object")
    if document.get("format") != FORMAT:
        raise DatasetError(f"{path}: format is {document.get('format')!r}, expected {FORMAT!r}")
    try:
        manifest = Manifest(**document)
    except TypeError as exc:
        raise DatasetError(f"{path}: unexpected manifest fields ({exc})") from None
    # Every field has a plain type; format is checked above, crs has never been checked.
    for name, kind in ((f.name, f.type) for f in fields(Manifest) if f.name not in _UNCHECKED):
        if isinstance(kind, type) and not isinstance(getattr(manifest, name), kind):
            raise DatasetError(f"{path}: manifest field {name!r} must be {kind.__name__}")
    return manifest


def check_version_name(version: str, *, where: str = "--version") -> None:
    """`DatasetError` unless `publish_dataset` would accept the name; a build checks it before
    it writes anything named after it (its report).

    >>> check_version_name("20260101-120000-ab12cd34")
    >>> check_version_name("v9\\n")
    Traceback (most recent call last):
    ...
    geo.core.errors.DatasetError: --version: 'v9\\n' is not a valid version name (letters, \
digits, '.', '_', '-'; at most 64 characters)
    """
    if not _VERSION_RE.fullmatch(version):  # match's `$` would accept "v9\n"
        raise DatasetError(
            f"{where}: {version!r} is not a valid version name "
            "(letters, digits, '.', '_', '-'; at most 64 characters)"
        )


def published_versions(data_dir: Path) -> list[Manifest]:
    """Every published version whose manifest reads cleanly, oldest first (by built_at, name).

    Only manifests are read, not the points: listing stays cheap however large the versions are.
    """
    root = published_dir(data_dir)
    manifests = []
    for directory in sorted(root.iterdir()) if root.is_dir() else []:
        # A directory whose name no build could have chosen ("v9\n") is not a version.
        if not directory.is_dir() or not _VERSION_RE.fullmatch(directory.name):
            continue
        try:
            manifests.append(_read_manifest(directory / MANIFEST_NAME))
        except DatasetError:
            continue  # not a version (or a broken one): never served, never counted
    return sorted(manifests, key=lambda manifest: (manifest.built_at, manifest.version))
