"""The packed sidecar of a published version: arrays a server maps instead of parsing GeoJSON.

`points.geojson` stays the canonical file; `points.packed` is derived from it at publish time
and checked by the manifest's `packed_sha256`. A server memory-maps it read-only, so every
worker (and the OS cache) shares one copy of its pages, and nothing is parsed at load: each
point's properties stay UTF-8 JSON in one blob, decoded only when a point is shown.

Layout: the 8-byte magic, the format version and the header length (two little-endian u32),
a JSON header naming every section's dtype, shape and offset, then the sections, each aligned
to 64 bytes::

    lons, lats      <f8 [N]   WGS-84 degrees, as in the GeoJSON
    located         |b1 [N]   geo.record.is_located of each point's precision
    ids             |S  [N]   UTF-8 ids, in dataset order
    id_order        <i8 [N]   positions sorted by id (code point order, like Python's str)
    sorted_ids      |S  [N]   ids[id_order], searched by `position_of`
    provinces, cities, adcodes  |S [N]  UTF-8, "" where a point has none
    browse_order    <i8 [N]   positions ordered by (adcode, id)
    props_offsets   <i8 [N+1] where each point's properties JSON starts in props_blob
    props_blob      |u1       every point's properties, orjson-serialised, back to back
    rtree_offsets   <i8 [P+1] where each page of the located points' R-tree starts in
    rtree_blob      |u1       rtree_blob (geo/rtree_pages.py); P = 0 for no tree

UTF-8 keeps code point order and prefixes (`s.startswith(q)` iff the encodings do), so ids
sort and names match in bytes as they would in str.
"""

import hashlib
import mmap
import os
import weakref
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, overload

import numpy as np
import numpy.typing as npt
import orjson

from geo.core.errors import DatasetError
from geo.core.geodesy import ecef_m
from geo.record import is_located
from geo.rtree_pages import RtreePages, build_rtree_pages

PACKED_NAME = "points.packed"
MAGIC = b"XQPACK\x00\x01"
FORMAT_VERSION = 2  # 2 added the R-tree's pages; a server refuses (and repacks) any other
_ALIGN = 64
_PREFIX = len(MAGIC) + 8  # magic, format version, header length

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
BytesArray = npt.NDArray[np.bytes_]


class PackError(DatasetError):
    """A sidecar that cannot be trusted: missing, truncated, altered or of another format."""


def _utf8_column(values: Sequence[str], *, what: str) -> BytesArray:
    encoded = [value.encode() for value in values]
    # numpy's fixed-width bytes drop trailing NULs, so a text ending in one would change.
    if any(item.endswith(b"\x00") for item in encoded):
        raise PackError(f"cannot pack {what}: a value ends with a NUL character")
    width = max((len(item) for item in encoded), default=0)
    return np.array(encoded, dtype=f"S{max(width, 1)}")


def pack(
    lons: npt.ArrayLike,
    lats: npt.ArrayLike,
    ids: Sequence[str],
    properties: Sequence[Mapping[str, Any]],
    *,
    geojson_sha256: str,
    with_rtree: bool = True,
) -> bytes:
    """The sidecar's bytes for one validated dataset (the order of its points kept).

    With `with_rtree`, the R-tree of its located points (in dataset order, numbered from 0)
    is built and stored, so a server opens it instead of building it.
    """
    count = len(ids)
    located = np.array([is_located(p.get("precision")) for p in properties], dtype="|b1")
    lon_column, lat_column = np.asarray(lons, dtype="<f8"), np.asarray(lats, dtype="<f8")
    rtree_offsets, rtree_blob = np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.uint8)
    if with_rtree and located.any():
        xyz = ecef_m(lon_column[located], lat_column[located])
        rtree_offsets, rtree_blob = build_rtree_pages(xyz)
    id_column = _utf8_column(ids, what="ids")
    id_order = np.argsort(id_column, kind="stable").astype(np.int64)
    adcodes = _utf8_column([p.get("adcode") or "" for p in properties], what="adcodes")
    # One growing buffer, not a list of blobs: orjson's bytes each keep ~4 KiB allocated, so a
    # list of a million of them held 4 GB for 0.3 GB of JSON.
    blob = bytearray()
    offsets = np.zeros(count + 1, dtype=np.int64)
    for position, point in enumerate(properties, start=1):
        blob += orjson.dumps(point)
        offsets[position] = len(blob)
    sections: dict[str, np.ndarray] = {
        "lons": lon_column,
        "lats": lat_column,
        "located": located,
        "ids": id_column,
        "id_order": id_order,
        "sorted_ids": id_column[id_order],
        "provinces": _utf8_column([p.get("province") or "" for p in properties], what="names"),
        "cities": _utf8_column([p.get("city") or "" for p in properties], what="names"),
        "adcodes": adcodes,
        "browse_order": np.lexsort((id_column, adcodes)).astype(np.int64),
        "props_offsets": offsets,
        "props_blob": np.frombuffer(blob, dtype=np.uint8),
        "rtree_offsets": rtree_offsets,
        "rtree_blob": rtree_blob,
    }
    table: dict[str, dict[str, Any]] = {}
    position = 0
    for name, array in sections.items():
        table[name] = {"dtype": array.dtype.str, "shape": list(array.shape), "offset": position}
        position += -(-array.nbytes // _ALIGN) * _ALIGN
    header = orjson.dumps({"points": count, "geojson_sha256": geojson_sha256, "sections": table})
    header += b" " * (-(_PREFIX + len(header)) % _ALIGN)
    parts: list[Any] = [
        MAGIC + FORMAT_VERSION.to_bytes(4, "little") + len(header).to_bytes(4, "little"),
        header,
    ]
    for array in sections.values():
        # Views, not copies: the one copy is the join, into the sidecar's bytes.
        parts.append(np.ascontiguousarray(array).data.cast("B"))
        parts.append(b"\0" * (-array.nbytes % _ALIGN))
    return b"".join(parts)


class Packed:
    """A sidecar opened over a buffer (a read-only memory map, or bytes packed in memory).

    Its arrays are views into the buffer: a mapped file's pages are shared, never copied.
    """

    def __init__(self, buffer: Any, *, where: str) -> None:
        view = memoryview(buffer)
        if len(view) < _PREFIX or bytes(view[: len(MAGIC)]) != MAGIC:
            raise PackError(f"{where}: not a packed sidecar (bad magic bytes)")
        version = int.from_bytes(view[len(MAGIC) : len(MAGIC) + 4], "little")
        if version != FORMAT_VERSION:
            raise PackError(
                f"{where}: sidecar format version {version}, this server reads {FORMAT_VERSION}"
            )
        header_length = int.from_bytes(view[len(MAGIC) + 4 : _PREFIX], "little")
        start = _PREFIX + header_length
        try:
            header = orjson.loads(bytes(view[_PREFIX:start]))
            self.points: int = int(header["points"])
            self.geojson_sha256: str = str(header["geojson_sha256"])
            self._arrays = {
                name: self._section(buffer, start, spec, where=f"{where}: section {name}")
                for name, spec in header["sections"].items()
            }
            a = self._arrays
            self.lons: FloatArray = a["lons"]
            self.lats: FloatArray = a["lats"]
            self.located: BoolArray = a["located"]
            self.ids: BytesArray = a["ids"]
            self.id_order: IntArray = a["id_order"]
            self.sorted_ids: BytesArray = a["sorted_ids"]
            self.provinces: BytesArray = a["provinces"]
            self.cities: BytesArray = a["cities"]
            self.adcodes: BytesArray = a["adcodes"]
            self.browse_order: IntArray = a["browse_order"]
            self._offsets: IntArray = a["props_offsets"]
            self._blob: npt.NDArray[np.uint8] = a["props_blob"]
            self._blob_start = start + int(header["sections"]["props_blob"]["offset"])
            self._rtree_offsets: IntArray = a["rtree_offsets"]
            self._rtree_blob: npt.NDArray[np.uint8] = a["rtree_blob"]
            self._rtree_start = start + int(header["sections"]["rtree_blob"]["offset"])
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise PackError(f"{where}: unreadable sidecar header or section ({exc})") from None
        for name, array in self._arrays.items():
            expected = self.points + 1 if name == "props_offsets" else self.points
            if name.startswith("rtree_") or name == "props_blob":
                continue
            if array.shape != (expected,):
                raise PackError(f"{where}: section {name} holds {array.shape}, not {expected}")
        for offsets, blob, what in (
            (self._offsets, self._blob, "properties"),
            (self._rtree_offsets, self._rtree_blob, "R-tree"),
        ):
            if len(offsets) == 0 or offsets[-1] != len(blob) or (np.diff(offsets) < 0).any():
                raise PackError(f"{where}: {what} blob does not match its offsets")
        self._buffer = buffer  # keeps the map open while any view lives
        self._file: int | None = None  # a descriptor to read the blob from, see `read_from`

    @staticmethod
    def _section(buffer: Any, start: int, spec: Mapping[str, Any], *, where: str) -> np.ndarray:
        dtype = np.dtype(spec["dtype"])
        if dtype.hasobject:
            raise PackError(f"{where}: object dtype")
        count = int(np.prod(spec["shape"], dtype=np.int64))
        offset = start + int(spec["offset"])
        if offset < start or offset + count * dtype.itemsize > len(memoryview(buffer)):
            raise PackError(f"{where}: runs past the end of the file (truncated?)")
        array = np.frombuffer(buffer, dtype=dtype, count=count, offset=offset)
        array.flags.writeable = False
        return array

    def __len__(self) -> int:
        return self.points

    def read_from(self, descriptor: int) -> None:
        """Read properties from this open file instead of the map, closing it with `self`.

        A page fault on a mapped file also maps its cached neighbours (fault-around, 64 KiB),
        so showing a few thousand random points through the map made most of the blob count
        in every worker's PSS; `os.pread` copies just the bytes asked for.
        """
        self._file = descriptor
        weakref.finalize(self, os.close, descriptor)

    def properties_at(self, position: int) -> dict[str, Any]:
        begin, end = int(self._offsets[position]), int(self._offsets[position + 1])
        if self._file is None:
            raw = self._blob[begin:end].tobytes()
        else:
            raw = os.pread(self._file, end - begin, self._blob_start + begin)
        decoded: dict[str, Any] = orjson.loads(raw)
        return decoded

    def rtree_pages(self) -> RtreePages | None:
        """The located points' stored R-tree, or None if this sidecar has none."""
        if len(self._rtree_offsets) < 2:
            return None
        if self._file is None:
            return RtreePages.in_blob(self._rtree_offsets, self._rtree_blob)
        descriptor, start = self._file, self._rtree_start
        # Read by pread like the properties: each worker keeps the pages it visits anyway.
        return RtreePages(
            self._rtree_offsets,
            lambda begin, end: os.pread(descriptor, end - begin, start + begin),
        )

    def position_of(self, point_id: str) -> int | None:
        key = point_id.encode()
        at = int(np.searchsorted(self.sorted_ids, key))
        if at < self.points and self.sorted_ids[at] == key and not key.endswith(b"\x00"):
            return int(self.id_order[at])
        return None

    def id_ranks(self) -> IntArray:
        """Each position's rank in id order: ties in distance are broken by it."""
        ranks = np.empty(self.points, dtype=np.int64)
        ranks[self.id_order] = np.arange(self.points, dtype=np.int64)
        return ranks


class PackedProperties(Sequence[Mapping[str, Any]]):
    """Every point's properties, decoded from the blob when asked for."""

    def __init__(self, packed: Packed) -> None:
        self._packed = packed

    def __len__(self) -> int:
        return len(self._packed)

    @overload
    def __getitem__(self, index: int) -> Mapping[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Mapping[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        return self._packed.properties_at(index % len(self))


class PackedIds(Sequence[str]):
    """Every point's id, decoded when asked for."""

    def __init__(self, packed: Packed) -> None:
        self._ids = packed.ids

    def __len__(self) -> int:
        return len(self._ids)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [item.decode() for item in self._ids[index].tolist()]
        return self._ids[index].decode()


class IdLookup(Mapping[str, int]):
    """Position by id, by binary search in the sidecar's sorted ids: no dict of N entries."""

    def __init__(self, packed: Packed) -> None:
        self._packed = packed

    def __getitem__(self, point_id: str) -> int:
        position = self._packed.position_of(point_id)
        if position is None:
            raise KeyError(point_id)
        return position

    def get(self, point_id: str, default: Any = None) -> Any:
        position = self._packed.position_of(point_id)
        return default if position is None else position

    def __iter__(self) -> Iterator[str]:
        return (item.decode() for item in self._packed.ids.tolist())

    def __len__(self) -> int:
        return len(self._packed)


def open_packed(path: Path, *, sha256: str, geojson_sha256: str, points: int) -> Packed:
    """Check the sidecar against the manifest, then map it read-only; `PackError` if wrong.

    The checksum is computed by reading, not through the map, so checking does not make the
    whole file resident in this process (PSS) before a query needs it.
    """
    try:
        with open(path, "rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
            if digest != sha256:
                raise PackError(
                    f"{path}: sha256 is {digest}, manifest says {sha256} "
                    "(the sidecar is corrupt or was changed after publishing)"
                )
            mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            descriptor = os.dup(handle.fileno())
    except OSError as exc:
        raise PackError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        packed = Packed(mapped, where=str(path))
    except PackError:
        os.close(descriptor)
        raise
    packed.read_from(descriptor)
    if packed.geojson_sha256 != geojson_sha256 or packed.points != points:
        raise PackError(f"{path}: packed from another points.geojson than the manifest names")
    return packed


def pack_in_memory(
    lons: npt.ArrayLike,
    lats: npt.ArrayLike,
    ids: Sequence[str],
    properties: Sequence[Mapping[str, Any]],
) -> Packed:
    """The same columns for a dataset without a usable sidecar, built from its parsed points."""
    # Building the tree into pages costs more than building it in memory, for no gain here.
    raw = pack(lons, lats, ids, properties, geojson_sha256="", with_rtree=False)
    return Packed(raw, where="sidecar packed in memory")


def write_synced(path: Path, data: bytes) -> None:
    """Write `data` and fsync it: published files are durable before CURRENT names them."""
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
