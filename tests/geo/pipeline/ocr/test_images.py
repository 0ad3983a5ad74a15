"""Image files checked before decoding: empty, corrupt, huge, other formats; skew removed."""

import itertools
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from bench.ocr_tables import Style, degrade, render_table, sample_rows
from geo.core.errors import SourceError
from geo.pipeline.ocr.images import ImageError, bands, load_image


def _png_claiming(path: Path, width: int, height: int) -> None:
    """A PNG whose header claims width x height (valid CRC) with no real pixel data."""
    Image.new("L", (8, 8), 255).save(path)
    raw = bytearray(path.read_bytes())
    ihdr = raw.index(b"IHDR")
    raw[ihdr + 4 : ihdr + 12] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(raw[ihdr : ihdr + 17]))
    raw[ihdr + 17 : ihdr + 21] = struct.pack(">I", crc)
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.png", b"", "the file is empty"),
        ("notes.jpg", "名单见附件".encode(), "not an image"),
        ("cut.png", None, "damaged or truncated"),
        ("anim.gif", None, "GIF images are not read"),
        ("huge.png", None, "over the limit of 50"),
        ("bomb.png", None, "over the limit of 50"),
    ],
)
def test_a_bad_file_is_refused_with_its_name_and_why(
    tmp_path: Path, name: str, content: bytes | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    elif name == "cut.png":
        Image.new("RGB", (300, 300), "white").save(path)
        path.write_bytes(path.read_bytes()[:200])
    elif name == "anim.gif":
        Image.new("RGB", (10, 10), "white").save(path)
    elif name == "huge.png":
        _png_claiming(path, 10_000, 6_000)  # 60 megapixels: refused from the header alone
    else:
        _png_claiming(path, 20_000, 10_000)  # 200: Pillow itself refuses while opening
    with pytest.raises(ImageError, match=message) as caught:
        load_image(path)
    assert str(path) in str(caught.value)
    assert isinstance(caught.value, SourceError)


def test_a_missing_file_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(ImageError, match="cannot open"):
        load_image(tmp_path / "nowhere.png")


@pytest.mark.parametrize("angle", [-2.0, 1.2, 2.0])
def test_a_rotated_table_is_turned_level(tmp_path: Path, angle: float) -> None:
    image = render_table(sample_rows(6), Style()).image
    path = tmp_path / "turned.png"
    degrade(image, rotate_deg=angle).save(path)
    page = load_image(path)
    assert page.skew_deg == pytest.approx(-angle, abs=0.15)


def test_a_level_image_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "level.png"
    render_table(sample_rows(4), Style(ruled=False)).image.save(path)
    page = load_image(path)
    assert page.skew_deg == 0.0
    with Image.open(path) as image:
        assert page.pixels.shape[:2] == (image.height, image.width)


def test_bands_cover_the_image_with_overlap() -> None:
    spans = bands(10_500, 1600, 200)
    assert spans[0][0] == 0 and spans[-1][1] == 10_500
    assert all(bottom - top == 1600 for top, bottom in spans)
    assert all(a[1] - b[0] >= 200 for a, b in itertools.pairwise(spans))
