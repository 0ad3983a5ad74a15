"""Limits that keep a hostile or careless workbook from exhausting memory or time.

Checked before openpyxl reads a cell: the zip container (member count, each member's
uncompressed size and compression ratio), then one streaming pass over each sheet's XML that
finds the cells holding a value and the merged ranges. The `<dimension>` a writer declares is
not trusted (any program can write `A1:XFD1048576`); the extent is that of the cells and merged
ranges actually present. Cells with no value (styled, bordered blanks) extend it only within the
caps, so a sheet formatted down to row 1048576 still reads.

The caps fit a national list (5,000-50,000 rows of 6-15 columns) many times over:
`MAX_ROWS` rows, `MAX_COLUMNS` columns (A to BL), `MAX_CELL_CHARS` characters in a cell (CSV's
field limit), `MAX_MERGES` merged ranges, zip members of at most `MAX_MEMBER_BYTES`
uncompressed (`MAX_TOTAL_BYTES` in all) and `MAX_TAGS` XML tags in all. XML entity expansion
("billion laughs") is refused by the expat parser itself (2.4 and later).
"""

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import Element, ParseError, iterparse

from openpyxl.utils import column_index_from_string, get_column_letter

from geo.core.errors import SourceError

MAX_ROWS = 100_000
MAX_COLUMNS = 64
MAX_CELL_CHARS = 128 * 1024  # the csv module's default field_size_limit, which CSV lists meet
MAX_MERGES = 200_000
MAX_MEMBERS = 1_000
MAX_MEMBER_BYTES = 128 * 1024 * 1024
MAX_TOTAL_BYTES = 256 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed, for members over RATIO_FLOOR_BYTES
RATIO_FLOOR_BYTES = 1024 * 1024
MAX_TAGS = 8_000_000  # '<' in all XML parts; 50,000 rows of 8 inline-text columns hold 2.3 million
MAX_CELL_PARTS = 10_000  # XML elements inside one cell (rich-text runs and the like)

_COORDINATE_RE = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")


@dataclass(frozen=True)
class Merge:
    """A merged range, 1-based and inclusive; `ref` as the sheet wrote it."""

    min_row: int
    min_col: int
    max_row: int
    max_col: int
    ref: str


@dataclass(frozen=True)
class SheetExtent:
    """The area a sheet really uses: its last row and column with a value or merged range."""

    rows: int
    columns: int
    merges: tuple[Merge, ...]


def check_container(path: Path, archive: zipfile.ZipFile) -> None:
    """Refuse a zip whose members are too many, too large or too compressed to be a list."""
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise _refused(
            path, f"the workbook holds {len(members)} zip members (at most {MAX_MEMBERS})"
        )
    total = 0
    for member in members:
        size, packed = member.file_size, max(member.compress_size, 1)
        total += size
        if size > MAX_MEMBER_BYTES:
            raise _refused(
                path, f"zip member {member.filename!r} unpacks to {_mib(size)} (at most "
                f"{_mib(MAX_MEMBER_BYTES)}); a list of 50,000 rows needs far less"
            )  # fmt: skip
        if size > RATIO_FLOOR_BYTES and size / packed > MAX_RATIO:
            raise _refused(
                path, f"zip member {member.filename!r} is compressed {size // packed}:1 "
                f"(at most {MAX_RATIO}:1), the mark of a zip bomb"
            )  # fmt: skip
    if total > MAX_TOTAL_BYTES:
        raise _refused(
            path, f"the workbook unpacks to {_mib(total)} (at most {_mib(MAX_TOTAL_BYTES)})"
        )
    _count_tags(path, archive, members)


def _count_tags(path: Path, archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> None:
    """Bound the XML elements openpyxl will build (it keeps some of every part in memory):
    one fast pass over the unpacked bytes, counting '<'."""
    tags = 0
    for member in members:
        if not member.filename.endswith((".xml", ".rels")):
            continue
        with archive.open(member) as source:
            while chunk := source.read(1 << 20):
                tags += chunk.count(b"<")
        if tags > MAX_TAGS:
            raise _refused(
                path, f"the workbook holds over {MAX_TAGS:,} XML tags (at {member.filename!r}); "
                "50,000 rows of 8 inline-text columns hold 2.3 million"
            )  # fmt: skip


def scan_sheet(path: Path, sheet: str, source: IO[bytes]) -> SheetExtent:
    """One streaming pass over a worksheet's XML: its real extent, merged ranges and caps.

    Each finished element is dropped from the tree at once (a cell's children live until the
    cell ends), so memory stays one cell whatever the sheet holds. Rows and cells may omit
    their `r` (the format allows it): then they follow the previous one.
    """
    scan = _Scan(path, sheet)
    open_tags: list[Element] = []
    try:
        for event, element in iterparse(source, events=("start", "end")):
            tag = _local_name(element.tag)
            if event == "start":
                open_tags.append(element)
                if tag == "row":
                    scan.start_row(element.get("r"))
                elif tag == "c":
                    scan.cells_open += 1
                continue
            open_tags.pop()
            if tag == "c":
                scan.cells_open -= 1
                scan.cell(element)
            elif tag == "mergeCell":
                scan.merge(element.get("ref") or "")
            elif scan.cells_open:
                scan.count_cell_part()
                continue  # part of a cell's value: the cell reads it when it ends
            if open_tags:
                open_tags[-1].remove(element)  # its only finished child: memory stays flat
    except ParseError as exc:
        raise SourceError(
            f"{path}: the workbook is corrupt: sheet {sheet!r} is not valid XML ({exc})",
            path=str(path),
        ) from None
    return SheetExtent(scan.rows, scan.columns, tuple(scan.merges))


class _Scan:
    """What the pass over one sheet has seen so far."""

    def __init__(self, path: Path, sheet: str) -> None:
        self.path, self.sheet = path, sheet
        self.rows = self.columns = 0  # the extent so far
        self.merges: list[Merge] = []
        self.row = self.column = 0  # where the next cell without `r` goes
        self.cells_open = self.cell_parts = 0

    def start_row(self, ref: str | None) -> None:
        self.row = int(ref) if ref and ref.isdecimal() else self.row + 1
        self.column = 0

    def count_cell_part(self) -> None:
        self.cell_parts += 1
        if self.cell_parts > MAX_CELL_PARTS:
            raise _refused(self.path, f"sheet {self.sheet!r} has a cell of over "
                           f"{MAX_CELL_PARTS:,} XML elements")  # fmt: skip

    def cell(self, element: Element) -> None:
        self.cell_parts = 0
        found = _COORDINATE_RE.fullmatch(element.get("r") or "")
        if found:
            self.column, self.row = _column(self.path, self.sheet, found[1]), int(found[2])
        else:
            self.column += 1
        length = _value_length(element)
        inside = self.row <= MAX_ROWS and self.column <= MAX_COLUMNS
        if inside and (length is None or length <= MAX_CELL_CHARS):
            self.rows, self.columns = max(self.rows, self.row), max(self.columns, self.column)
            return
        if length is None:
            return  # a styled blank outside the bounds (formatting of whole rows): not data
        where = f"{get_column_letter(min(self.column, 16384))}{self.row}"
        if not inside:
            raise _refused(
                self.path, f"sheet {self.sheet!r} has a value in cell {where}, beyond the "
                f"{MAX_ROWS:,} rows and {MAX_COLUMNS} columns (A-{get_column_letter(MAX_COLUMNS)}) "
                "a list may use; delete what lies outside the table and save again"
            )  # fmt: skip
        if length > MAX_CELL_CHARS:
            raise cell_too_long(self.path, self.sheet, where, length)
        self.rows, self.columns = max(self.rows, self.row), max(self.columns, self.column)

    def merge(self, ref: str) -> None:
        merge = _merge(self.path, self.sheet, ref)
        self.merges.append(merge)
        if len(self.merges) > MAX_MERGES:
            raise _refused(self.path, f"sheet {self.sheet!r} has over {MAX_MERGES:,} merged ranges")
        self.rows, self.columns = max(self.rows, merge.max_row), max(self.columns, merge.max_col)


def _column(path: Path, sheet: str, letters: str) -> int:
    try:
        return column_index_from_string(letters.upper())
    except ValueError:
        raise SourceError(
            f"{path}: the workbook is corrupt: sheet {sheet!r} names a column {letters!r}",
            path=str(path),
        ) from None


def _value_length(cell: Element) -> int | None:
    """Characters of a cell's own value (inline text or `<v>`); None when it holds none."""
    length: int | None = None
    for child in cell:
        tag = _local_name(child.tag)
        if tag == "v" and child.text:
            length = (length or 0) + len(child.text)
        elif tag == "is":
            text = "".join(child.itertext())
            if text:
                length = (length or 0) + len(text)
    return length


_LOCAL_NAMES: dict[str, str] = {}


def _local_name(tag: str) -> str:
    """ "row" for "{http://...spreadsheetml/2006/main}row" (cached: a sheet has few tags)."""
    local = _LOCAL_NAMES.get(tag)
    if local is None:
        local = tag.rpartition("}")[2]
        if len(_LOCAL_NAMES) < 1_000:
            _LOCAL_NAMES[tag] = local
    return local


def _merge(path: Path, sheet: str, ref: str) -> Merge:
    corners = [_COORDINATE_RE.fullmatch(part) for part in ref.split(":")]
    if not 1 <= len(corners) <= 2 or not all(corners):
        raise SourceError(
            f"{path}: the workbook is corrupt: sheet {sheet!r} has a merged range {ref!r}",
            path=str(path),
        )
    rows = [int(found[2]) for found in corners if found]
    columns = [_column(path, sheet, found[1]) for found in corners if found]
    merge = Merge(min(rows), min(columns), max(rows), max(columns), ref)
    if merge.max_row > MAX_ROWS or merge.max_col > MAX_COLUMNS:
        raise _refused(
            path, f"sheet {sheet!r} has a merged range {ref} reaching beyond the {MAX_ROWS:,} "
            f"rows and {MAX_COLUMNS} columns a list may use; unmerge it and save again"
        )  # fmt: skip
    return merge


def cell_too_long(path: Path, sheet: str, where: str, length: int) -> SourceError:
    """The error for a cell holding more text than any list needs."""
    return _refused(
        path, f"sheet {sheet!r} cell {where} holds {length:,} characters (at most "
        f"{MAX_CELL_CHARS:,}, as for a CSV field)"
    )  # fmt: skip


def _refused(path: Path, problem: str) -> SourceError:
    return SourceError(f"{path}: refused: {problem}", path=str(path))


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):,.0f} MiB"
