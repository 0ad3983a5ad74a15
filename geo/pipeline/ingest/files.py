"""A source file's bytes: which kind it is, what is refused, and CSV text in its encoding."""

import csv
import io
from pathlib import Path

from geo.core.errors import SourceError
from geo.core.text import fold_cell
from geo.pipeline.ingest.header import HEADER_SEARCH_ROWS, Layout, find_layout
from geo.pipeline.ingest.sheet import Cell, Row, Sheet

CSV_DELIMITERS = (",", "\t", ";", "|")
XLSX_SUFFIXES = (".xlsx", ".xlsm")

_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")  # .xls, and also encrypted .xlsx
_ENCRYPTED_OOXML_STREAM = "EncryptionInfo".encode("utf-16-le")


def read_bytes(path: Path) -> bytes:
    """The file's bytes; `SourceError` when it is missing, unreadable or empty."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SourceError(f"{path}: no such file", path=str(path)) from None
    except OSError as exc:
        raise SourceError(f"{path}: cannot read ({exc.strerror or exc})", path=str(path)) from None
    if not raw.strip():
        raise SourceError(f"{path}: the file is empty", path=str(path))
    return raw


def source_kind(path: Path, raw: bytes) -> str:
    """ "csv" or "xlsx" by suffix; `SourceError` for .xls, encrypted or unknown files."""
    suffix = path.suffix.lower()
    if suffix == ".xls" or raw.startswith(_OLE2_MAGIC):
        raise SourceError(_ole2_problem(path, raw), path=str(path))
    if suffix in XLSX_SUFFIXES:
        if not raw.startswith(_ZIP_MAGIC):
            raise SourceError(
                f"{path}: not an .xlsx workbook (it is not a zip container); "
                "if it is CSV text, give it the .csv suffix",
                path=str(path),
            )
        return "xlsx"
    if suffix == ".csv":
        return "csv"
    raise SourceError(
        f"{path}: unsupported file type {suffix or '(no suffix)'!r}; "
        "expected .csv (UTF-8 or GB18030) or .xlsx",
        path=str(path),
    )


def _ole2_problem(path: Path, raw: bytes) -> str:
    if raw.startswith(_OLE2_MAGIC) and _ENCRYPTED_OOXML_STREAM in raw:
        return (
            f"{path}: the workbook is password-protected (encrypted); "
            "remove the password in Excel or WPS and save it again as .xlsx"
        )
    if raw.startswith(_OLE2_MAGIC):
        return f"{path}: an old Excel 97-2003 (.xls) workbook; save it as .xlsx and try again"
    return f"{path}: .xls files are not read; save the workbook as .xlsx and try again"


def decode_csv(path: Path, raw: bytes) -> tuple[str, str]:
    """CSV bytes as text and the encoding that decoded them: UTF-8 (BOM or not), else GB18030."""
    if raw.startswith(_ZIP_MAGIC):
        raise SourceError(
            f"{path}: this is a zip container (an .xlsx workbook?), not CSV text; "
            "give it the .xlsx suffix",
            path=str(path),
        )
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw[:4096]:
        raise SourceError(
            f"{path}: UTF-16 text or a binary file (it contains NUL bytes); "
            "save the list as CSV in UTF-8",
            path=str(path),
        )
    if (nul := raw.find(b"\x00")) >= 0:  # later than the first 4 KiB: no text has one either
        line = raw.count(b"\n", 0, nul) + 1
        raise SourceError(
            f"{path}: a NUL byte (0x00) at offset {nul}, line {line}: not text; the file is "
            "damaged or not CSV",
            path=str(path),
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw.decode("utf-8-sig"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise SourceError(
                f"{path}: starts with a UTF-8 byte order mark but {_bad_byte(raw, exc)} "
                "is not UTF-8",
                path=str(path),
            ) from None
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError as gb_error:
            raise SourceError(
                f"{path}: neither UTF-8 ({_bad_byte(raw, utf8_error)}) nor GB18030 "
                f"({_bad_byte(raw, gb_error)}); save the list as CSV in UTF-8",
                path=str(path),
            ) from None
        return text, "gb18030"


def _bad_byte(raw: bytes, error: UnicodeDecodeError) -> str:
    line = raw.count(b"\n", 0, error.start) + 1
    return f"byte 0x{raw[error.start]:02X} at offset {error.start}, line {line}"


def read_csv(path: Path, text: str, encoding: str) -> tuple[Sheet, Layout]:
    """CSV text as a sheet and its header, under the first delimiter that shows a header."""
    if not text.strip():
        raise SourceError(f"{path}: the file is empty", path=str(path))
    for delimiter in CSV_DELIMITERS:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            parsed = list(reader)
        except csv.Error as exc:  # a field over 128 KiB, the csv module's limit, and the like
            raise SourceError(
                f"{path}: not valid CSV at line {reader.line_num} ({exc})", path=str(path)
            ) from None
        rows = tuple(
            Row(number, tuple(Cell(value) for value in values))
            for number, values in enumerate(parsed, start=1)
        )
        sheet = Sheet(None, rows)
        layout = find_layout(sheet)
        if layout is not None:
            return sheet, layout
    first_line = fold_cell(text.lstrip().split("\n", 1)[0])[:80]
    raise SourceError(
        f"{path}: no recognisable header in the first {HEADER_SEARCH_ROWS} rows "
        f"(read as {encoding}); expected a name column (单位名称, 采血点名称, ...) and an "
        f"address column (地址, 详细地址, ...); the first line reads {first_line!r}",
        path=str(path),
    )
