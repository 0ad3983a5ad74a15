"""A table's grid: the ruled lines of an image, or columns and lines from text alignment.

Ruled: horizontal and vertical rules are the long thin runs of ink (a morphological opening
keeps runs several text lines long, which no character has); a row boundary is a row of the
image where such runs cover a good part of the table. A boundary missing inside one column
(a city cell merged down over its rows) is recorded in `joined`, so the cell spans.

Unruled: lines of text are clustered by their vertical centres; columns come from the header
boxes later (`geo.pipeline.ocr.table`), since only the header says where a column is.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from geo.pipeline.ocr.engine import TextBox

_MIN_RULES = 3  # a grid needs at least two cells each way


@dataclass(frozen=True)
class Grid:
    """Row boundaries `ys` and column boundaries `xs` (image pixels, increasing).

    `joined` holds (boundary, column) pairs: boundary k (between band k-1 and band k) is
    absent inside that column, so the two cells are one.
    """

    xs: tuple[float, ...]
    ys: tuple[float, ...]
    joined: frozenset[tuple[int, int]] = field(default_factory=frozenset)

    @property
    def columns(self) -> int:
        return len(self.xs) - 1

    @property
    def bands(self) -> int:
        return len(self.ys) - 1

    def column_of(self, x: float) -> int | None:
        return _index(self.xs, x)

    def band_of(self, y: float) -> int | None:
        return _index(self.ys, y)


def _index(edges: Sequence[float], value: float) -> int | None:
    position = int(np.searchsorted(edges, value)) - 1
    return position if 0 <= position < len(edges) - 1 else None


def find_rules(mask: NDArray[np.bool_], text_height: float) -> Grid | None:
    """The ruled grid of an ink mask, or None when the image has no (usable) rules."""
    import cv2

    ink = mask.astype(np.uint8)
    length = max(40, int(text_height * 3))
    # A slight tolerance across the rule, so a photo's slanted rules still join up.
    horizontal = cv2.morphologyEx(
        cv2.dilate(ink, np.ones((3, 1), np.uint8)),
        cv2.MORPH_OPEN,
        cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1)),
    )
    vertical = cv2.morphologyEx(
        cv2.dilate(ink, np.ones((1, 3), np.uint8)),
        cv2.MORPH_OPEN,
        cv2.getStructuringElement(cv2.MORPH_RECT, (1, length)),
    )
    # Summed over a window: a photo's slanted rule spreads over several columns of pixels.
    window = max(3, int(text_height * 0.8)) | 1
    xs = _rule_positions(np.convolve(vertical.sum(axis=0), np.ones(window), mode="same"))
    ys = _rule_positions(horizontal.sum(axis=1))
    # A continuation image may hold a single rule across; the image's edges close its rows.
    if len(xs) < _MIN_RULES or not ys:
        return None
    joined = frozenset(
        (k, column)
        for k in range(1, len(ys) - 1)
        for column in range(len(xs) - 1)
        if not _rule_across(ink, ys[k], xs[column], xs[column + 1])
    )
    return Grid(tuple(xs), tuple(ys), joined)


def _rule_positions(profile: NDArray[np.int64] | NDArray[np.float64]) -> list[float]:
    """Centres of the runs of the profile above 40% of its peak: one per rule."""
    if profile.size == 0 or profile.max() == 0:
        return []
    above = profile >= profile.max() * 0.4
    positions, start = [], None
    for index, flag in enumerate([*above.tolist(), False]):
        if flag and start is None:
            start = index
        elif not flag and start is not None:
            peak = start + int(np.argmax(profile[start:index]))
            positions.append(float(peak) if index - start > 8 else (start + index - 1) / 2)
            start = None
    return positions


def _rule_across(ink: NDArray[np.uint8], y: float, x0: float, x1: float) -> bool:
    """Whether a rule at `y` runs across the span x0..x1 (a narrow column too).

    One pixel row near `y` inked over 85% of the span: a line of text never is, since its
    characters have gaps and its cell has padding.
    """
    top, bottom = max(0, int(y) - 3), int(y) + 4
    left, right = int(x0) + 4, int(x1) - 3
    if right <= left:
        return True
    covered = ink[top:bottom, left:right].mean(axis=1)
    return bool(covered.size and covered.max() >= 0.85)


def text_lines(boxes: Sequence[TextBox]) -> list[list[TextBox]]:
    """Boxes grouped into lines of text, top to bottom, each line left to right."""
    if not boxes:
        return []
    height = float(np.median([box.height for box in boxes]))
    lines: list[list[TextBox]] = []
    for box in sorted(boxes, key=lambda b: b.cy):
        if lines and abs(box.cy - np.mean([b.cy for b in lines[-1]])) <= height * 0.5:
            lines[-1].append(box)
        else:
            lines.append([box])
    return [sorted(line, key=lambda b: b.x0) for line in lines]
