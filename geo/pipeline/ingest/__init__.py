"""Official lists of blood-collection points (CSV or XLSX, Chinese headers) read into records.

`read_source(path)` accounts for every row below a sheet's header: it becomes a `SourceRecord`
(a later row of the same unit and address joins the first one's record, in `same_unit_rows`)
or a `RowIssue` with a reason code, so `rows_read` always equals the rows of the records plus
the issues.
Rows above the header (a title such as "XX省公安机关免费采血点一览表", a note) and blank rows after
a sheet's last non-blank row are not data rows; `SheetSummary` says where the header was and
how many trailing blank rows were ignored. Row numbers are those a person sees: Excel's for
XLSX (with the sheet name), the record number for CSV (a quoted cell holding a line break does
not start a new row), both counting the header and title rows.

XLSX cells covered by a merged range (a province merged down many rows, one phone for two
points) take the range's top-left value, and the record's `merged` says so. Numbers come back
as Excel shows them (13800000000.0 → "13800000000"; a "00000000000" format keeps a leading
0), dates as ISO dates. Formulas are read as last computed by Excel; a workbook written by a
program that stored no computed values reads such cells as empty. A workbook is read in
streaming mode within the bounds of `xlsx_bounds` (rows, columns, cell size, zip members);
one beyond them is refused with a `SourceError` naming the file, sheet and cell.

A NUL byte anywhere in a CSV is refused with its line (no text list holds one).

CSV encodings are not guessed statistically: the file is decoded strictly as UTF-8 with a BOM
(if it starts with one), else as UTF-8, else as GB18030 (a superset of GBK and GB2312), and the
first that decodes without error wins. Real Chinese text in GBK is practically never valid UTF-8,
while statistical detectors misname short GBK files (one such file reads as Korean cp949).
A file none of the three decodes, or that decodes but has no recognisable header, is refused
with a `SourceError` naming the file and the problem.
"""

import hashlib
from pathlib import Path

from geo.pipeline.ingest.files import (
    CSV_DELIMITERS,
    XLSX_SUFFIXES,
    decode_csv,
    read_bytes,
    read_csv,
    source_kind,
)
from geo.pipeline.ingest.header import HEADER_SEARCH_ROWS, find_layout
from geo.pipeline.ingest.records import (
    PHONE_TEXT_SEPARATOR,
    POINT_ID_PREFIX,
    IngestResult,
    IngestWarning,
    Reason,
    RowIssue,
    RowRef,
    SheetSummary,
    SourceField,
    SourceRecord,
    point_id,
    point_id_for,
)
from geo.pipeline.ingest.rows import account
from geo.pipeline.ingest.xlsx import read_xlsx

__all__ = [
    "CSV_DELIMITERS",
    "HEADER_SEARCH_ROWS",
    "PHONE_TEXT_SEPARATOR",
    "POINT_ID_PREFIX",
    "XLSX_SUFFIXES",
    "IngestResult",
    "IngestWarning",
    "Reason",
    "RowIssue",
    "RowRef",
    "SheetSummary",
    "SourceField",
    "SourceRecord",
    "point_id",
    "point_id_for",
    "read_source",
]


def read_source(path: str | Path) -> IngestResult:
    """Read a `.csv` or `.xlsx` list of points; raise `SourceError` if it cannot be read at all.

    >>> import tempfile, pathlib
    >>> text = "单位名称,地址\\n,\\n示例县公安局,示例县１号\\n"
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     source = pathlib.Path(tmp) / "list.csv"
    ...     _ = source.write_text(text, encoding="gb18030")
    ...     result = read_source(source)
    >>> result.encoding, result.rows_read, result.records[0].address, result.issues[0].reason
    ('gb18030', 2, '示例县1号', <Reason.BLANK: 'blank'>)
    """
    path = Path(path)
    raw = read_bytes(path)
    sha256 = hashlib.sha256(raw).hexdigest()
    if source_kind(path, raw) == "xlsx":
        sheets, reader_warnings = read_xlsx(path, raw)
        with_layouts = [(sheet, find_layout(sheet)) for sheet in sheets]
        return account(path, "xlsx", None, with_layouts, reader_warnings, sha256=sha256)
    text, encoding = decode_csv(path, raw)
    return account(path, "csv", encoding, [read_csv(path, text, encoding)], [], sha256=sha256)
