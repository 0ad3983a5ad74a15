"""Synthetic images of a provincial list, for the OCR tests and bench/ocr_accuracy.py.

Every table is SAMPLE data and says so in its title: real city and district names, unit names
built from them, addresses on a "样例路" (sample road), numbered placeholder contacts
(示例联系人07), and mobile numbers in the 154 block, a 1xx prefix no Chinese operator has been
assigned, so no number printed here can reach a person. The numbers still pass the project's
format rules (11 digits from 1[3-9]), so the reader must read them, not reject them.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIR = Path("/usr/share/fonts/truetype")
# Debian packages fonts-wqy-zenhei, fonts-wqy-microhei, fonts-arphic-uming.
FONTS = {
    "wqy-zenhei": FONT_DIR / "wqy" / "wqy-zenhei.ttc",
    "wqy-microhei": FONT_DIR / "wqy" / "wqy-microhei.ttc",
    "arphic-uming": FONT_DIR / "arphic" / "uming.ttc",
}
# The fields in published order, with the header text a province might print over them.
HEADERS = {
    "seq": "序号",
    "city": "地市",
    "name": "单位名称",
    "address": "地址",
    "contact": "负责人",
    "phone": "联系电话",
}
DEFAULT_ORDER = ("seq", "city", "name", "address", "contact", "phone")
_CITIES = {
    "长沙市": ("芙蓉区", "天心区", "岳麓区", "开福区", "雨花区", "望城区", "浏阳市"),
    "株洲市": ("荷塘区", "芦淞区", "石峰区", "天元区", "醴陵市", "攸县"),
    "湘潭市": ("雨湖区", "岳塘区", "湘潭县", "湘乡市", "韶山市"),
    "衡阳市": ("珠晖区", "雁峰区", "石鼓区", "蒸湘区", "南岳区", "衡阳县", "衡南县"),
    "岳阳市": ("岳阳楼区", "云溪区", "君山区", "岳阳县", "华容县", "湘阴县"),
}
UNASSIGNED_MOBILE_PREFIX = "154"


@dataclass(frozen=True)
class Style:
    """How a table is drawn."""

    font: str = "wqy-zenhei"
    font_size: int = 22
    order: tuple[str, ...] = DEFAULT_ORDER
    ruled: bool = True
    merge_city: bool = False  # one city cell spanning its rows, as lists merge them down
    title: str = "示例省公安机关免费采血点（样例数据，非官方名单）"
    header: bool = True


@dataclass
class Rendered:
    """An image and the rows it shows (field -> text), in order."""

    image: Image.Image
    rows: list[dict[str, str]]
    row_boxes: list[tuple[int, int]] = field(default_factory=list)  # y-top, y-bottom per row


def sample_rows(count: int, seed: int = 7, start: int = 1) -> list[dict[str, str]]:
    """`count` sample rows; cities come in runs of 1-4 rows, as lists group them."""
    rng = random.Random(seed)
    rows: list[dict[str, str]] = []
    cities = list(_CITIES)
    while len(rows) < count:
        city = rng.choice(cities)
        for _ in range(rng.randint(1, 4)):
            if len(rows) == count:
                break
            district = rng.choice(_CITIES[city])
            kind = rng.choice(("分局", "刑侦大队", "分局刑侦大队", "公安局"))
            unit = f"{city}公安局{district}{kind}" if kind != "公安局" else f"{district}公安局"
            phones = [_mobile(rng) for _ in range(2 if rng.random() < 0.15 else 1)]
            rows.append(
                {
                    "seq": str(start + len(rows)),
                    "city": city,
                    "name": unit,
                    "address": f"{city}{district}样例路{rng.randint(1, 999)}号",
                    "contact": f"示例联系人{rng.randint(1, 99):02d}",
                    "phone": "、".join(phones),
                }
            )
    return rows


def _mobile(rng: random.Random) -> str:
    return UNASSIGNED_MOBILE_PREFIX + "".join(str(rng.randint(0, 9)) for _ in range(8))


def render_table(rows: Sequence[dict[str, str]], style: Style = Style()) -> Rendered:
    """Draw rows as a list image: title, header, one line per cell (addresses may wrap)."""
    font = ImageFont.truetype(str(FONTS[style.font]), style.font_size)
    pad = style.font_size // 2
    line_h = int(style.font_size * 1.5)
    widths = {
        key: max(_text_width(font, HEADERS[key]), *(_text_width(font, r[key]) for r in rows))
        for key in style.order
    }
    if style.ruled:
        widths["address"] = min(widths["address"], style.font_size * 11)  # long ones wrap
    col_w = [widths[key] + 2 * pad for key in style.order]
    gap = 0 if style.ruled else style.font_size * 2
    width = sum(col_w) + gap * (len(col_w) - 1) + 2 * pad + 2
    lines = [[_wrap(font, row[key], widths[key]) for key in style.order] for row in rows]
    heights = [max(len(cell) for cell in row) * line_h + pad for row in lines]
    title_h = line_h * 2
    header_h = line_h + pad if style.header else 0
    height = title_h + header_h + sum(heights) + 2 * pad
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.text((pad, pad), style.title, font=font, fill="black")
    xs = [pad]
    for w in col_w:
        xs.append(xs[-1] + w + gap)
    top = title_h
    ys = [top]
    if style.header:
        for column, key in enumerate(style.order):
            _cell_text(draw, font, [HEADERS[key]], xs[column], top, col_w[column], header_h)
        ys.append(top + header_h)
    for h in heights:
        ys.append(ys[-1] + h)
    body_top = ys[1] if style.header else ys[0]
    city_column = style.order.index("city") if "city" in style.order else -1
    runs = _city_runs(rows) if style.merge_city and city_column >= 0 else {}
    row_boxes = []
    for index, row_lines in enumerate(lines):
        y0, y1 = ys[index + (1 if style.header else 0)], ys[index + (2 if style.header else 1)]
        row_boxes.append((y0, y1))
        for column, cell in enumerate(row_lines):
            if column == city_column and runs:
                if index not in runs:
                    continue
                end = ys[runs[index] + (2 if style.header else 1)]
                _cell_text(draw, font, cell, xs[column], y0, col_w[column], end - y0)
                continue
            _cell_text(draw, font, cell, xs[column], y0, col_w[column], y1 - y0)
    if style.ruled:
        right = xs[-1] - gap
        for y in ys:
            spans = [(xs[0], right)]
            if runs and body_top < y < ys[-1]:
                # A merged city cell has no line across it inside its run.
                inside = any(
                    ys[s + (1 if style.header else 0)] < y < ys[e + (2 if style.header else 1)]
                    for s, e in runs.items()
                )
                if inside:
                    spans = [(xs[0], xs[city_column]), (xs[city_column + 1], right)]
            for x0, x1 in spans:
                draw.line([(x0, y), (x1, y)], fill="black", width=2)
        for x in xs:
            draw.line([(x, ys[0]), (x, ys[-1])], fill="black", width=2)
    return Rendered(image, [dict(r) for r in rows], row_boxes)


def _city_runs(rows: Sequence[dict[str, str]]) -> dict[int, int]:
    """First row index -> last row index of each run of one city."""
    runs: dict[int, int] = {}
    start = 0
    for index in range(1, len(rows) + 1):
        if index == len(rows) or rows[index]["city"] != rows[start]["city"]:
            runs[start] = index - 1
            start = index
    return runs


def _text_width(font: ImageFont.FreeTypeFont, text: str) -> int:
    return int(font.getlength(text))


def _wrap(font: ImageFont.FreeTypeFont, text: str, width: int) -> list[str]:
    lines, current = [], ""
    for char in text:
        if current and _text_width(font, current + char) > width:
            lines.append(current)
            current = char
        else:
            current += char
    return [*lines, current]


def _cell_text(
    draw: ImageDraw.ImageDraw,
    font: ImageFont.FreeTypeFont,
    lines: list[str],
    x: int,
    y: int,
    w: int,
    h: int,
) -> None:
    line_h = int(font.size * 1.5)
    top = y + (h - line_h * len(lines)) // 2 + (line_h - font.size) // 2
    for number, text in enumerate(lines):
        left = x + (w - _text_width(font, text)) // 2
        draw.text((left, top + number * line_h), text, font=font, fill="black")


# Degradations -------------------------------------------------------------------------------


def degrade(
    image: Image.Image,
    *,
    scale: float = 1.0,
    rotate_deg: float = 0.0,
    noise: float = 0.0,
    blur: float = 0.0,
    perspective: float = 0.0,
    seed: int = 1,
) -> Image.Image:
    """A copy as a phone photo or a re-shared screenshot might make it."""
    out = image.convert("RGB")
    if scale != 1.0:
        size = (max(1, round(out.width * scale)), max(1, round(out.height * scale)))
        out = out.resize(size, Image.Resampling.BICUBIC)
    if perspective:
        out = _perspective(out, perspective)
    if rotate_deg:
        out = out.rotate(rotate_deg, Image.Resampling.BICUBIC, expand=True, fillcolor="white")
    if blur:
        out = out.filter(ImageFilter.GaussianBlur(blur))
    if noise:
        rng = np.random.default_rng(seed)
        pixels = np.asarray(out, dtype=np.float32)
        pixels += rng.normal(0.0, noise * 255.0, pixels.shape)
        out = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    return out


def _perspective(image: Image.Image, amount: float) -> Image.Image:
    """The top edge narrower than the bottom by `amount` of the width, as a photo from below."""
    w, h = image.size
    inset = amount * w / 2
    # Pillow's PERSPECTIVE maps output to input; solve for the 8 coefficients.
    src = [(inset, 0), (w - inset, 0), (w, h), (0, h)]
    dst = [(0, 0), (w, 0), (w, h), (0, h)]
    matrix = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        matrix.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        matrix.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    coefficients = np.linalg.solve(np.array(matrix), np.array(src).reshape(8))
    return image.transform(
        (w, h),
        Image.Transform.PERSPECTIVE,
        tuple(coefficients),
        Image.Resampling.BICUBIC,
        fillcolor="white",
    )


def save_jpeg(image: Image.Image, path: Path, quality: int) -> Path:
    image.convert("RGB").save(path, "JPEG", quality=quality)
    return path
