"""What reading images gives: rows of cells with confidence and flags, and reported problems."""

from dataclasses import dataclass, field

# Flags a cell can carry; any of them means a person must look before the list is published.
LOW_CONFIDENCE = "low_confidence"
PHONE_FORMAT = "phone_format"
UNREAD = "unread"  # ink in the cell but no text read
FLAG_NAMES = (LOW_CONFIDENCE, PHONE_FORMAT, UNREAD)


@dataclass
class OcrCell:
    """One cell as read: its text, the lowest confidence of its text lines, and its flags."""

    text: str
    confidence: float = 1.0
    flags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # e.g. "merged" (a cell spanning rows)

    def flag(self, name: str) -> None:
        if name not in self.flags:
            self.flags.append(name)


@dataclass
class OcrRow:
    """One table row: the image it is in, its position there (1-based) and box, its cells."""

    image: str
    position: int
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in the image as read (straightened)
    cells: dict[str, OcrCell]  # header label -> cell
    cut_top: bool = False  # starts at the image's top edge: may continue a row above
    cut_bottom: bool = False  # ends at the image's bottom edge: may go on in the next image
    notes: list[str] = field(default_factory=list)

    def flagged(self) -> dict[str, list[str]]:
        """Flags per label, for the cells that have any."""
        return {label: cell.flags for label, cell in self.cells.items() if cell.flags}

    @property
    def where(self) -> str:
        return f"{self.image} row {self.position} (y {self.box[1]}-{self.box[3]})"


@dataclass(frozen=True)
class Problem:
    """Something a person must know: a row that did not become a CSV row, a gap in 序号, ...

    `kind`: `unreadable_image`, `no_header`, `columns_mismatch`, `seq_gap`, `seq_repeat`,
    `seq_missing`, `overlap_duplicate`, `cut_row`, `text_outside_table`.
    """

    kind: str
    image: str
    detail: str
    position: int | None = None  # the row in the image, when it is about one row


@dataclass
class OcrResult:
    """Every image's rows in order, the header labels of the CSV, and the problems found."""

    labels: list[str]
    rows: list[OcrRow]
    problems: list[Problem]
    title: list[str] = field(default_factory=list)  # text above the first header
    seconds_per_image: dict[str, float] = field(default_factory=dict)

    def flagged_cells(self) -> int:
        return sum(len(row.flagged()) for row in self.rows)
