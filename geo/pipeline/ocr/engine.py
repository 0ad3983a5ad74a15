"""The OCR engine: text boxes with their confidence, from RapidOCR (PP-OCRv4 models, offline).

`rapidocr-onnxruntime` (the `[ocr]` extra) ships its detection and recognition models in the
wheel and runs them on the CPU with onnxruntime: nothing is downloaded at run time. Load the
engine once per run (`RapidEngine()` takes about half a second) and reuse it for every image.

Tall images (long screenshots) are read in overlapping bands no taller than `BAND_HEIGHT`, so
the engine never shrinks them until the text is unreadable; each box is kept from the one band
that owns its centre, so a line in an overlap is read once.
"""

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from geo.pipeline.ocr.images import Pixels, bands

BAND_HEIGHT = 1600
BAND_OVERLAP = 200  # more than two text lines, so every line lies whole inside some band
MIN_SCORE = 0.3  # lower reads are noise; between this and the flag threshold they are flagged


@dataclass(frozen=True)
class TextBox:
    """One line of text found in an image: its bounds in image pixels and confidence (0-1)."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    score: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def height(self) -> float:
        return self.y1 - self.y0


class Engine(Protocol):
    """Anything that finds and reads the text lines of an RGB image."""

    def read(self, pixels: Pixels) -> list[TextBox]: ...

    def recognise(self, pixels: Pixels) -> tuple[str, float]:
        """The text of an image holding one line (no detection), and its confidence."""
        ...


class EngineMissing(RuntimeError):
    """The `[ocr]` extra is not installed."""


class RapidEngine:
    """RapidOCR on onnxruntime, threads as many as the machine has."""

    def __init__(self, band_height: int = BAND_HEIGHT) -> None:
        self.band_height = band_height
        try:
            from rapidocr_onnxruntime import RapidOCR
        except ImportError as exc:
            raise EngineMissing(
                "OCR needs the [ocr] extra: pip install -e '.[ocr]' (rapidocr-onnxruntime)"
            ) from exc
        # No shrinking inside the engine (bands keep images small) and low reads kept, so
        # they can be flagged rather than silently dropped.
        self._ocr: Any = RapidOCR(text_score=MIN_SCORE, max_side_len=8000, use_cls=False)

    def read(self, pixels: Pixels) -> list[TextBox]:
        height = int(pixels.shape[0])
        spans = bands(height, self.band_height, BAND_OVERLAP)
        # Each band owns the lines whose centre lies between the middles of its two overlaps.
        cuts = [0.0, *((a[1] + b[0]) / 2 for a, b in itertools.pairwise(spans)), float(height)]
        found: list[TextBox] = []
        for index, (top, bottom) in enumerate(spans):
            own_top, own_bottom = cuts[index], cuts[index + 1]
            for box in self._read_band(pixels[top:bottom], top):
                if own_top <= box.cy < own_bottom:
                    found.append(box)
        return found

    def recognise(self, pixels: Pixels) -> tuple[str, float]:
        if pixels.size == 0:
            return "", 0.0
        result, _ = self._ocr(
            np.ascontiguousarray(pixels[:, :, ::-1]), use_det=False, use_cls=False
        )
        if not result:
            return "", 0.0
        text, score = result[0]
        return str(text).strip(), float(score)

    def _read_band(self, band: Pixels, top: int) -> list[TextBox]:
        # RapidOCR takes BGR, as OpenCV reads images.
        result, _ = self._ocr(np.ascontiguousarray(band[:, :, ::-1]), use_cls=False)
        return [_box(quad, text, float(score), top) for quad, text, score in result or ()]


def _box(quad: Sequence[Sequence[float]], text: str, score: float, top: int) -> TextBox:
    xs = [float(point[0]) for point in quad]
    ys = [float(point[1]) + top for point in quad]
    return TextBox(min(xs), min(ys), max(xs), max(ys), text.strip(), score)
