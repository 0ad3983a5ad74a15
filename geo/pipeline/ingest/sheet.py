"""A sheet as read from CSV or XLSX, before any header is known: rows of published cell text."""

from dataclasses import dataclass

from openpyxl.utils import get_column_letter

from geo.core.text import fold_cell


@dataclass(frozen=True)
class Cell:
    """One cell's text as published (numbers and dates as Excel shows them) and its origin."""

    text: str
    merged_from: str | None = None  # top-left coordinate of the merged range it came from


@dataclass(frozen=True)
class Row:
    """The cells of one row and the row number a person sees (1-based)."""

    number: int
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Sheet:
    """Every row of one worksheet (name None for CSV), title and header rows included."""

    name: str | None
    rows: tuple[Row, ...]


def has_own_content(row: Row) -> bool:
    """Whether a row holds text of its own, not only values merged down from rows above."""
    return any(cell.merged_from is None and fold_cell(cell.text) for cell in row.cells)


def origin(cell: Cell, column: int, row_number: int) -> str:
    """The coordinate a cell's value comes from: its merged range's top-left, or itself.

    >>> origin(Cell("x"), 1, 7), origin(Cell("x", merged_from="A2"), 1, 7)
    ('B7', 'A2')
    """
    return cell.merged_from or f"{get_column_letter(column + 1)}{row_number}"


def sheet_label(name: str | None) -> str:
    """How messages name a sheet: "the file" for CSV."""
    return "the file" if name is None else f"sheet {name!r}"
