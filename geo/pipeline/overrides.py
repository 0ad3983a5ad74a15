"""Manual coordinates that win over every geocoder: `data/overrides.csv`, checked row by row.

Columns: `id` (a published point id) or `address` (matched after NFKC and whitespace folding),
`lon`, `lat`, `crs` (wgs84, gcj02 or bd09: the system the numbers were read in) and `note`
(who checked it, how). Lines starting with `#` are comments. A bad row is reported with its line
number and never applied; it does not stop the other rows from loading.
"""

import csv
import io
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geo.core.crs import Crs, MainlandBoundary, in_mainland, to_wgs84
from geo.core.errors import SourceError
from geo.core.text import lookup_text
from geo.geocode.base import GeocodeQuery, Placement
from geo.pipeline.ingest.files import decode_csv

COLUMNS = ("id", "address", "lon", "lat", "crs", "note")
REQUIRED_COLUMNS = ("lon", "lat", "crs")


@dataclass(frozen=True)
class Override:
    """One checked coordinate, already in WGS-84; `row` is its line in the file."""

    row: int
    point_id: str | None
    address: str | None
    lon: float
    lat: float
    crs: Crs  # the system the file gave it in
    note: str

    def placement(self) -> Placement:
        return Placement(
            lon=self.lon,
            lat=self.lat,
            precision="exact",
            source="override",
            resolved=self.note or self.address or self.point_id or "",
            raw={"row": self.row, "crs": self.crs.value, "note": self.note},
        )


@dataclass(frozen=True)
class OverrideProblem:
    """A row that was not applied, and why."""

    row: int
    message: str


@dataclass(frozen=True)
class Overrides:
    """Valid overrides by point id and by normalised address."""

    by_id: Mapping[str, Override] = field(default_factory=dict)
    by_address: Mapping[str, Override] = field(default_factory=dict)

    def __len__(self) -> int:
        return len({id(override) for override in (*self.by_id.values(), *self.by_address.values())})

    def find(self, point_id: str | None = None, address: str | None = None) -> Override | None:
        """The override for this point id, else for this address; None if there is none."""
        if point_id and point_id in self.by_id:
            return self.by_id[point_id]
        if address:
            return self.by_address.get(lookup_text(address))
        return None

    def place(self, query: GeocodeQuery, point_id: str | None = None) -> Placement | None:
        """The override's placement for a record (by id, its address, or its full text)."""
        override = self.find(point_id, query.address) or self.find(address=query.text())
        return override.placement() if override is not None else None


@dataclass(frozen=True)
class LoadedOverrides:
    overrides: Overrides
    problems: list[OverrideProblem]


def _lines_without_comments(lines: Iterator[str]) -> Iterator[str]:
    # A comment becomes an empty line, which csv skips, so line numbers stay those of the file.
    for line in lines:
        yield "\n" if line.lstrip().startswith("#") else line


def _parse_row(
    row: int, record: Mapping[str, str], boundary: MainlandBoundary | None
) -> Override | str:
    point_id = lookup_text(record.get("id") or "") or None
    address = lookup_text(record.get("address") or "") or None
    if point_id is None and address is None:
        return "neither id nor address is given"
    numbers: dict[str, float] = {}
    for column, limit in (("lon", 180.0), ("lat", 90.0)):
        text = lookup_text(record.get(column) or "")
        try:
            value = float(text)
        except ValueError:
            return f"{column} must be a number in degrees, got {text!r}"
        if not math.isfinite(value) or abs(value) > limit:
            return f"{column} must be within [-{limit:g}, {limit:g}], got {text!r}"
        numbers[column] = value
    crs_text = lookup_text(record.get("crs") or "").lower()
    try:
        crs = Crs(crs_text)
    except ValueError:
        known = ", ".join(member.value for member in Crs)
        return f"crs must be one of {known}, got {crs_text!r}"
    lon, lat = to_wgs84(numbers["lon"], numbers["lat"], source=crs, boundary=boundary)
    if not bool(in_mainland([lon], [lat], boundary=boundary)[0]):
        return f"point ({numbers['lon']}, {numbers['lat']}) {crs.value} is outside mainland China"
    note = (record.get("note") or "").strip()
    return Override(row, point_id, address, lon, lat, crs, note)


def load_overrides(path: Path, *, boundary: MainlandBoundary | None = None) -> LoadedOverrides:
    """Read an overrides file: the valid rows, and a problem for each row left out.

    It is decoded as the source lists are (UTF-8 with or without a BOM, else GB18030, which is
    what Excel on Chinese Windows writes). A file that is missing, a directory, or not text in
    those encodings is a `SourceError`; a row that is not valid CSV (a field over the csv
    module's limit, a stray quote) is a problem on its line; a file without the needed columns
    is one problem and no overrides.
    """
    by_id: dict[str, Override] = {}
    by_address: dict[str, Override] = {}
    problems: list[OverrideProblem] = []
    text = _read_text(path)
    reader = csv.reader(_lines_without_comments(iter(io.StringIO(text, newline=""))))
    header: list[str] | None = None
    for cells in _rows_or_problems(reader, problems):
        row = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if header is None:
            header = [lookup_text(cell).lower() for cell in cells]
            missing = [name for name in REQUIRED_COLUMNS if name not in header]
            if missing or not {"id", "address"} & set(header):
                wanted = ", ".join(COLUMNS)
                message = f"the header must name the columns {wanted}; got {str(cells)[:200]}"
                return LoadedOverrides(Overrides(), [OverrideProblem(row, message)])
            continue
        record = dict(zip(header, cells, strict=False))
        parsed = _parse_row(row, record, boundary)
        if isinstance(parsed, str):
            problems.append(OverrideProblem(row, parsed))
            continue
        clash = (parsed.point_id and by_id.get(parsed.point_id)) or (
            parsed.address and by_address.get(parsed.address)
        )
        if clash:
            message = f"same id or address as row {clash.row}, which is kept"
            problems.append(OverrideProblem(row, message))
            continue
        if parsed.point_id:
            by_id[parsed.point_id] = parsed
        if parsed.address:
            by_address[parsed.address] = parsed
    if header is None:
        message = f"no header line; expected the columns {', '.join(COLUMNS)}"
        problems.append(OverrideProblem(reader.line_num, message))
    return LoadedOverrides(Overrides(by_id, by_address), problems)


def _read_text(path: Path) -> str:
    """The file's text, decoded as the source lists are; "" for an empty file."""
    if path.is_dir():
        raise SourceError(f"{path}: is a directory, not an overrides file", path=str(path))
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SourceError(f"{path}: no such file", path=str(path)) from None
    except OSError as exc:
        raise SourceError(f"{path}: cannot read ({exc.strerror or exc})", path=str(path)) from None
    return decode_csv(path, raw)[0] if raw.strip() else ""


def _rows_or_problems(reader: Any, problems: list[OverrideProblem]) -> Iterator[list[str]]:
    """The reader's rows; a line csv cannot parse becomes a problem and reading goes on."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            problems.append(OverrideProblem(reader.line_num, f"not valid CSV ({exc})"))
