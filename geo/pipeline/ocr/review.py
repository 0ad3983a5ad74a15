"""LIST.review.html: a static proofreading page, one file, opened straight from disk.

Each row of the list is shown under the crop of the image it was read from (embedded as a
data: URI), with its cells editable; flagged cells (low confidence, a phone that fails the
number rules, ink but no text) are highlighted and say why. Counts sit at the top. "Export
corrected CSV" downloads the CSV with the edits and a `reviewed` column set for the rows
ticked: the file `scripts/build_index.py` accepts. No server, no network: the page's content
security policy allows only its own inline script and style and data: images.
"""

import base64
import html
import io
import json
from collections import Counter
from collections.abc import Mapping

from PIL import Image

from geo.pipeline.ocr.images import PageImage
from geo.pipeline.ocr.listcsv import REVIEWED, csv_rows
from geo.pipeline.ocr.model import FLAG_NAMES, OcrResult, OcrRow

CROP_MAX_WIDTH = 1000
_FLAG_TEXT = {
    "low_confidence": "low confidence",
    "phone_format": "not a well-formed phone number",
    "unread": "ink in the cell but no text read",
}
_STYLE = """
body { font: 15px/1.4 "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif; margin: 1em; }
header { position: sticky; top: 0; background: #fff; padding: .5em 0;
  border-bottom: 1px solid #999; }
.counts span { margin-right: 1.5em; }
.counts b { font-size: 120%; }
table { border-collapse: collapse; margin-top: 1em; }
td, th { border: 1px solid #bbb; padding: 2px 6px; vertical-align: top; }
tr.crop td { border: none; padding-top: 1em; }
tr.crop img { max-width: 100%; border: 1px solid #888; }
td.low_confidence { background: #ffe08a; }
td.phone_format, td.unread { background: #ff9e9e; font-weight: bold; }
td.edited { outline: 2px solid #2a6ad8; }
tr.reviewed td { background-image: linear-gradient(#e6f5e6, #e6f5e6); }
.where { color: #555; font-size: 85%; }
.problems li { color: #8a1f1f; }
button { font-size: 100%; margin-right: 1em; }
"""
_SCRIPT = """
const data = JSON.parse(document.getElementById('csv-data').textContent);
const rows = Array.from(document.querySelectorAll('tr.cells'));
function countReviewed() {
  const ticked = rows.filter(r => r.querySelector('input.reviewed').checked);
  document.getElementById('reviewed-count').textContent = ticked.length;
  const open = ticked.length === rows.length ? 0 :
    rows.filter(r => r.dataset.flagged === '1' && !r.querySelector('input.reviewed').checked)
      .length;
  document.getElementById('open-count').textContent = open;
}
rows.forEach(r => {
  r.querySelector('input.reviewed').addEventListener('change', e => {
    r.classList.toggle('reviewed', e.target.checked); countReviewed();
  });
  r.querySelectorAll('td[data-label]').forEach(td => td.addEventListener('input', () => {
    td.classList.add('edited');
  }));
});
document.getElementById('mark-all').addEventListener('click', () => {
  rows.forEach(r => {
    r.querySelector('input.reviewed').checked = true; r.classList.add('reviewed');
  });
  countReviewed();
});
function quote(value) {
  return /[",\\r\\n]/.test(value) ? '"' + value.replace(/"/g, '""') + '"' : value;
}
document.getElementById('export').addEventListener('click', () => {
  const header = data.header, labels = data.labels;
  const lines = data.title.map(t => quote(t));
  lines.push(header.map(quote).join(','));
  rows.forEach((r, i) => {
    const record = data.rows[i].slice();
    r.querySelectorAll('td[data-label]').forEach(td => {
      record[labels.indexOf(td.dataset.label)] = td.innerText.replace(/[\\r\\n]+/g, '').trim();
    });
    const ticked = r.querySelector('input.reviewed').checked;
    record[header.indexOf('reviewed')] = ticked ? '%REVIEWED%' : '';
    lines.push(record.map(quote).join(','));
  });
  const blob = new Blob(['\\ufeff' + lines.join('\\n') + '\\n'], {type: 'text/csv;charset=utf-8'});
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = data.filename;
  document.body.appendChild(link); link.click(); link.remove();
});
countReviewed();
"""


def review_page(result: OcrResult, pages: Mapping[str, PageImage], csv_name: str) -> str:
    """The whole page; `csv_name` is the file name the export suggests."""
    table = csv_rows(result)
    skip = len(result.title)
    title, header, body = table[:skip], table[skip], table[skip + 1 :]
    data = {
        "title": [row[0] for row in title],
        "header": header,
        "labels": header,
        "rows": body,
        "filename": csv_name,
    }
    flags = Counter(
        flag for row in result.rows for cell in row.cells.values() for flag in cell.flags
    )
    flagged_rows = sum(1 for row in result.rows if row.flagged())
    counts = [
        ("rows", len(result.rows)),
        ("flagged cells", sum(flags.values())),
        ("flagged rows", flagged_rows),
        *((_FLAG_TEXT[name], flags[name]) for name in FLAG_NAMES if flags[name]),
        ("problems", len(result.problems)),
    ]
    parts = [
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>",
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
        "img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">",
        f"<title>校对 {html.escape(csv_name)}</title><style>{_STYLE}</style></head><body>",
        "<header><h1>OCR 校对 / proofreading: " + html.escape(csv_name) + "</h1>",
        *(f"<p>{html.escape(line)}</p>" for line in result.title),
        "<p class='counts'>",
        *(f"<span><b>{n}</b> {html.escape(label)}</span>" for label, n in counts),
        "<span><b id='reviewed-count'>0</b> reviewed</span>",
        "<span><b id='open-count'>0</b> flagged and not reviewed</span></p>",
        "<button id='export'>export corrected CSV</button>",
        "<button id='mark-all'>mark all reviewed</button></header>",
        _problems(result),
        "<table><thead><tr>",
        *(f"<th>{html.escape(label)}</th>" for label in result.labels),
        "<th>reviewed</th></tr></thead><tbody>",
        *(_row(row, result.labels, pages) for row in result.rows),
        "</tbody></table>",
        "<script type='application/json' id='csv-data'>",
        # No "<" at all inside the data block, so no cell can close it or open a tag.
        json.dumps(data, ensure_ascii=False).replace("<", "\\u003c"),
        "</script><script>",
        _SCRIPT.replace("%REVIEWED%", REVIEWED),
        "</script></body></html>",
    ]
    return "\n".join(parts)


def _problems(result: OcrResult) -> str:
    if not result.problems:
        return "<p>No problems: every 序号 follows the one before, every image was read.</p>"
    items = "".join(
        f"<li><b>{html.escape(p.kind)}</b> {html.escape(p.image)}: {html.escape(p.detail)}</li>"
        for p in result.problems
    )
    return f"<details open class='problems'><summary>problems</summary><ul>{items}</ul></details>"


def _row(row: OcrRow, labels: list[str], pages: Mapping[str, PageImage]) -> str:
    width = len(labels) + 1
    crop = _crop_uri(pages.get(row.image), row.box)
    image = f"<img alt='{html.escape(row.where)}' src='{crop}'>" if crop else ""
    cells = []
    for label in labels:
        cell = row.cells[label]
        why = ", ".join(_FLAG_TEXT[f] for f in cell.flags)
        tip = f"confidence {cell.confidence:.3f}" + (f"; {why}" if why else "")
        classes = " ".join(cell.flags)
        cells.append(
            f"<td contenteditable='true' data-label='{html.escape(label)}' "
            f"class='{classes}' title='{html.escape(tip)}'>{html.escape(cell.text)}</td>"
        )
    flagged = "1" if row.flagged() else "0"
    return (
        f"<tr class='crop'><td colspan='{width}'><div class='where'>{html.escape(row.where)}"
        f"{' · ' + html.escape('; '.join(row.notes)) if row.notes else ''}</div>{image}</td></tr>"
        f"<tr class='cells' data-flagged='{flagged}'>{''.join(cells)}"
        "<td><label><input type='checkbox' class='reviewed'> ok</label></td></tr>"
    )


def _crop_uri(page: PageImage | None, box: tuple[int, int, int, int]) -> str:
    if page is None:
        return ""
    x0, y0, x1, y1 = box
    pixels = page.pixels[max(0, y0 - 4) : y1 + 4, max(0, x0 - 4) : x1 + 4]
    if pixels.size == 0:
        return ""
    crop = Image.fromarray(pixels)
    if crop.width > CROP_MAX_WIDTH:
        crop = crop.resize(
            (CROP_MAX_WIDTH, max(1, round(crop.height * CROP_MAX_WIDTH / crop.width)))
        )
    buffer = io.BytesIO()
    crop.convert("L").save(buffer, "PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
