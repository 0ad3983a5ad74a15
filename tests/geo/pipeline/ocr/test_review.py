"""The review page as text: escaped cells, counts, flags; the browser test is in tests/scripts."""

from pathlib import Path

import numpy as np

from geo.pipeline.ocr.images import PageImage
from geo.pipeline.ocr.model import LOW_CONFIDENCE, OcrCell, OcrResult, OcrRow, Problem
from geo.pipeline.ocr.review import review_page


def test_cells_are_escaped_flags_shown_and_nothing_is_fetched() -> None:
    cells = {
        "单位名称": OcrCell("示例县公安局</script><img src=x onerror=alert(1)>"),
        "地址": OcrCell("示例县样例路1号"),
        "电话": OcrCell("15400000000", 0.62, [LOW_CONFIDENCE]),
    }
    rows = [OcrRow("p.png", 1, (0, 0, 40, 20), cells)]
    result = OcrResult(
        ["单位名称", "地址", "电话"],
        rows,
        [Problem("seq_gap", "p.png", "序号 3 after 1: row 2 missed", 2)],
        title=["示例（样例数据）"],
    )
    page = PageImage(Path("p.png"), np.full((30, 50, 3), 255, dtype=np.uint8), 0.0)
    html = review_page(result, {"p.png": page}, "list.csv")
    assert "<img src=x" not in html and "&lt;img src=x" in html
    assert html.count("</script>") == 2  # the data block and the page's script, nothing else
    assert "default-src 'none'" in html and "http" not in html.replace("http-equiv", "")
    assert "class='low_confidence'" in html and "confidence 0.620; low confidence" in html
    assert "row 2 missed" in html and "示例（样例数据）" in html
    assert "data:image/png;base64," in html
