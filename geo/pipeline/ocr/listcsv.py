"""The CSV a reading writes: the list's own columns, then the OCR columns, one row per table row.

The list's columns carry the header text read from the image, so `scripts/build_index.py`
maps them by the same rules as any list. The OCR columns have ASCII names no header rule maps
to a field, so a build reads them as extra columns:

- `ocr_image`, `ocr_row`, `ocr_box` (x0,y0,x1,y1 in the straightened image): where the row is;
- `ocr_confidence`: each cell's confidence, as JSON {label: 0-1};
- `ocr_flags`: the flagged cells, `label:flag+flag; ...` (empty when none);
- `reviewed`: "yes" once a person has checked the row (the review page sets it).

A list is "from OCR" when its header has `ocr_flags` and `reviewed`; a build refuses it while a
row has flags and is not reviewed (`unreviewed_rows`). Only the standard library is used here,
so a build needs no OCR packages to check a list.
"""

import csv
import io
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from geo.pipeline.ocr.model import OcrResult, OcrRow

OCR_COLUMNS = ("ocr_image", "ocr_row", "ocr_box", "ocr_confidence", "ocr_flags", "reviewed")
REVIEWED = "yes"


def flags_text(row: OcrRow) -> str:
    """The row's flagged cells, e.g. "联系电话:low_confidence+phone_format"."""
    return "; ".join(f"{label}:{'+'.join(flags)}" for label, flags in row.flagged().items())


def csv_rows(result: OcrResult) -> list[list[str]]:
    """Header and rows of the CSV; the title read above the header first, as lists print it."""
    out: list[list[str]] = [[line] for line in result.title]
    out.append([*result.labels, *OCR_COLUMNS])
    for row in result.rows:
        confidence = {label: round(cell.confidence, 3) for label, cell in row.cells.items()}
        out.append(
            [
                *(row.cells[label].text for label in result.labels),
                row.image,
                str(row.position),
                ",".join(str(v) for v in row.box),
                json.dumps(confidence, ensure_ascii=False),
                flags_text(row),
                "",
            ]
        )
    return out


def csv_text(rows: Sequence[Sequence[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def write_csv(result: OcrResult, path: Path) -> None:
    """Written aside then renamed: a CSV is never half there. UTF-8 with BOM, for Excel."""
    write_atomic(path, "\ufeff" + csv_text(csv_rows(result)))


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


@dataclass(frozen=True)
class OcrListStatus:
    """How far a list from OCR has been reviewed."""

    rows: int
    flagged_rows: int
    unreviewed_rows: int  # flagged and not marked reviewed
    first_unreviewed: tuple[str, ...]  # "image row N" of the first few

    def describe(self) -> str:
        """For the build report and the manifest: the list came from OCR, and its review."""
        return (
            f"read from images by OCR (scripts/read_images.py): {self.rows} rows, "
            f"{self.flagged_rows} with flagged cells, {self.flagged_rows - self.unreviewed_rows} "
            "of them reviewed"
        )

    def refusal(self, path: Path) -> str:
        """What to do about a list from OCR whose flagged cells nobody has checked."""
        first = ", ".join(self.first_unreviewed)
        return (
            f"refused: {path} was read from images by OCR and {self.unreviewed_rows} of its "
            f"rows have flagged cells (unsure text, malformed phone numbers) not marked reviewed "
            f"(first: {first}). Open {path.with_suffix('.review.html').name} beside it, check "
            "those cells against the image crops, tick the rows and export the corrected CSV; "
            "then build from that file. --force publishes anyway."
        )


def ocr_list_status(path: Path) -> OcrListStatus | None:
    """The review state of a CSV written by `write_csv`; None for any other list.

    Reads only CSV text (an XLSX list never comes from here); a file that is not UTF-8 or has
    no OCR header is not an OCR list.
    """
    if path.suffix.lower() != ".csv":
        return None
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    records = list(csv.reader(io.StringIO(text)))
    header_index = next(
        (i for i, r in enumerate(records[:30]) if "ocr_flags" in r and "reviewed" in r), None
    )
    if header_index is None:
        return None
    header = records[header_index]
    flags, reviewed = header.index("ocr_flags"), header.index("reviewed")
    image, position = header.index("ocr_image"), header.index("ocr_row")
    body = [r for r in records[header_index + 1 :] if any(cell.strip() for cell in r)]

    def cell(record: list[str], index: int) -> str:
        return record[index].strip() if index < len(record) else ""

    flagged = [r for r in body if cell(r, flags)]
    unreviewed = [r for r in flagged if cell(r, reviewed).lower() != REVIEWED]
    where = tuple(f"{cell(r, image)} row {cell(r, position)}" for r in unreviewed[:5])
    return OcrListStatus(len(body), len(flagged), len(unreviewed), where)
