"""The OCR engine, loaded once per module, and images of sample tables written to disk.

The engine needs the [ocr] extra; without it these tests skip, unless CI is set, where they
fail. Images come from bench/ocr_tables.py (sample data; phones in the unassigned 154 block).
"""

import importlib.util
import os
from pathlib import Path

import pytest

from bench.ocr_tables import Rendered, Style, degrade, render_table, sample_rows, save_jpeg
from geo.pipeline.ocr.engine import RapidEngine

MISSING = (
    None
    if importlib.util.find_spec("rapidocr_onnxruntime")
    else "OCR tests need the [ocr] extra: pip install -e '.[ocr]'"
)

ORDER = ("seq", "city", "name", "address", "contact", "phone")


@pytest.fixture(scope="module")
def engine() -> RapidEngine:
    if MISSING:
        if os.environ.get("CI"):
            pytest.fail(MISSING)
        pytest.skip(MISSING)
    return RapidEngine()


def write_table(
    path: Path, rows: list[dict[str, str]], style: Style | None = None, **degradation: float
) -> Rendered:
    """Render rows, degrade, and save as PNG (or JPEG with `quality`)."""
    quality = int(degradation.pop("quality", 0))
    rendered = render_table(rows, style or Style())
    image = degrade(rendered.image, **degradation) if degradation else rendered.image
    if quality:
        save_jpeg(image, path, quality)
    else:
        image.save(path)
    return rendered


__all__ = ["ORDER", "Style", "engine", "sample_rows", "write_table"]
