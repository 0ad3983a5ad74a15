"""The checks that keep a misread list from reaching a family: phone cells and 序号 continuity.

A phone cell is flagged when its confidence is below `PHONE_MIN_CONFIDENCE` or its text is not
made only of numbers `geo.core.phones` recognises with the right shape: an 11-digit mobile from
1[3-9]; a landline with an area code, 010 and 02x followed by 8 digits, 03xx-09xx by 7 or 8.
Any other cell is flagged below `CELL_MIN_CONFIDENCE`.
"""

import re
from collections.abc import Sequence

from geo.core.phones import split_phones
from geo.core.text import fold_width
from geo.pipeline.ingest.header import Layout
from geo.pipeline.ingest.records import SourceField
from geo.pipeline.ocr.model import LOW_CONFIDENCE, PHONE_FORMAT, OcrRow, Problem

PHONE_MIN_CONFIDENCE = 0.95
CELL_MIN_CONFIDENCE = 0.90
PHONE_FIELDS = (SourceField.OFFICE_PHONE, SourceField.MOBILE)
_SEPARATORS = re.compile(r"\s*(?:[、,，;；/／|｜]|或|及|和)\s*")


def phone_problem(text: str) -> str | None:
    """Why a phone cell's text is not a well-formed list of numbers, or None if it is.

    >>> [phone_problem(t) for t in ("010-60000000", "0731-6000000、13900000000", "")]
    [None, None, None]
    >>> phone_problem("1390000000")
    'not a phone number: 1390000000'
    >>> phone_problem("010-6000000")
    'area code 010 takes an 8-digit number: 010-6000000'
    >>> phone_problem("60000000")
    'no area code: 60000000'
    >>> phone_problem("2060000000")
    'area code written without its 0: 2060000000'
    """
    folded = fold_width(text).strip()
    for chunk in filter(None, _SEPARATORS.split(folded)):
        if not re.search(r"\d", chunk):
            continue
        phones = split_phones(chunk)
        # The digits as the cell wrote them (a dropped trunk 0 is not in the cell).
        found = "".join(re.sub(r"\D", "", p.tel)[p.trunk_added :] for p in phones)
        # Every digit in some number, and several numbers only apart by spaces, not "." etc.
        if found != re.sub(r"\D", "", chunk) or len(phones) not in (1, len(chunk.split())):
            return f"not a phone number: {chunk}"
        for phone in phones:
            if phone.trunk_added:
                return f"area code written without its 0: {chunk}"
            problem = _shape_problem(re.sub(r"\D", "", phone.tel.split(",")[0]), chunk)
            if problem:
                return problem
    return None


def _shape_problem(digits: str, chunk: str) -> str | None:
    if len(digits) == 11 and digits.startswith("1"):
        return None
    if not digits.startswith("0"):
        return f"no area code: {chunk}"
    # 010 and 02x are the 3-digit codes (8-digit numbers); 03xx-09xx take 7 or 8 digits.
    code = digits[:3] if digits[1] in "12" else digits[:4]
    local = len(digits) - len(code)
    if len(code) == 3 and code[1] == "1" and code != "010":
        return f"no such area code {code}: {chunk}"
    if len(code) == 3 and local != 8:
        return f"area code {code} takes an 8-digit number: {chunk}"
    if len(code) == 4 and local not in (7, 8):
        return f"area code {code} takes a 7- or 8-digit number: {chunk}"
    return None


def flag_cells(rows: Sequence[OcrRow], layout: Layout) -> None:
    """Flag low-confidence cells, and phone cells that are unsure or malformed."""
    phone_labels = {
        layout.labels[column] for key in PHONE_FIELDS for column in layout.fields.get(key, ())
    }
    for row in rows:
        for label, cell in row.cells.items():
            is_phone = label in phone_labels
            threshold = PHONE_MIN_CONFIDENCE if is_phone else CELL_MIN_CONFIDENCE
            if cell.text and cell.confidence < threshold:
                cell.flag(LOW_CONFIDENCE)
            if is_phone and cell.text and phone_problem(cell.text):
                cell.flag(PHONE_FORMAT)


def seq_problems(rows: Sequence[OcrRow], seq_label: str | None) -> list[Problem]:
    """Gaps, repeats and missing numbers in the 序号 column: a row missed, split or misread."""
    if seq_label is None:
        return []
    problems: list[Problem] = []
    previous: int | None = None
    for row in rows:
        text = fold_width(row.cells[seq_label].text).strip() if seq_label in row.cells else ""
        if not text.isdigit():
            what = f"no 序号 ({text!r})" if text else "no 序号"
            problems.append(
                Problem(
                    "seq_missing", row.image, f"{row.where}: {what}: a split row?", row.position
                )
            )
            continue
        number = int(text)
        if previous is not None and number != previous + 1:
            if number > previous + 1:
                missing = f"{previous + 1}" + (
                    f"-{number - 1}" if number - 1 > previous + 1 else ""
                )
                problems.append(
                    Problem(
                        "seq_gap",
                        row.image,
                        f"{row.where}: 序号 {number} after {previous}: row {missing} missed",
                        row.position,
                    )
                )
            else:
                problems.append(
                    Problem(
                        "seq_repeat",
                        row.image,
                        f"{row.where}: 序号 {number} after {previous}",
                        row.position,
                    )
                )
        previous = number
    return problems
