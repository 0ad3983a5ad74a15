"""Images of a list, checked before they are decoded, then straightened.

A file is refused with an `ImageError` naming it when it is empty, not an image, an image in a
format other than JPEG, PNG or WebP, larger than `MAX_PIXELS` (read from the header, before a
single pixel is decoded), or truncated. The caller goes on with the other files.
"""

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageOps, UnidentifiedImageError

from geo.core.errors import SourceError

MAX_PIXELS = 50_000_000
FORMATS = frozenset({"JPEG", "PNG", "WEBP", "MPO"})  # MPO: JPEG from phone cameras
MAX_SKEW_DEG = 4.0
_SKEW_WIDTH = 800  # skew is estimated on a copy this wide: fast, and precise to ~0.1 degree

Pixels = NDArray[np.uint8]


class ImageError(SourceError):
    """An image file cannot be read; the message names the file and what is wrong."""


@dataclass(frozen=True)
class PageImage:
    """One decoded image: its file, pixels (RGB, straightened) and the skew removed."""

    path: Path
    pixels: Pixels
    skew_deg: float

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])


def load_image(path: Path, *, max_pixels: int = MAX_PIXELS, deskew: bool = True) -> PageImage:
    """Decode one image file, refusing anything unsafe or unreadable with an `ImageError`."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ImageError(f"{path}: cannot open: {exc.strerror or exc}") from exc
    if size == 0:
        raise ImageError(f"{path}: the file is empty")
    try:
        with warnings.catch_warnings():
            # The limit below is ours; Pillow's own bomb warning (at 89 megapixels) is moot.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            opened = Image.open(path)
        with opened:
            # Only the header has been read here: refuse huge images before decoding them.
            width, height = opened.size
            if opened.format not in FORMATS:
                raise ImageError(
                    f"{path}: {opened.format} images are not read; give JPEG, PNG or WebP"
                )
            if width * height > max_pixels:
                raise ImageError(
                    f"{path}: {width}x{height} is {width * height / 1e6:.0f} megapixels, over "
                    f"the limit of {max_pixels / 1e6:.0f}; cut it into smaller images"
                )
            opened.load()
            upright = ImageOps.exif_transpose(opened).convert("RGB")
    except ImageError:
        raise
    except Image.DecompressionBombError as exc:
        raise ImageError(f"{path}: {exc}; over the limit of {max_pixels / 1e6:.0f}") from exc
    except UnidentifiedImageError as exc:
        raise ImageError(f"{path}: not an image (JPEG, PNG or WebP expected)") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageError(f"{path}: the image is damaged or truncated: {exc}") from exc
    pixels = np.asarray(upright, dtype=np.uint8)
    skew = estimate_skew(pixels) if deskew else 0.0
    if abs(skew) >= 0.1:
        pixels = rotate(pixels, skew)
    return PageImage(path, pixels, skew)


def gray(pixels: Pixels) -> Pixels:
    """Luminance of an RGB image."""
    weights = np.array([0.299, 0.587, 0.114], dtype=np.float32)
    return (pixels.astype(np.float32) @ weights).astype(np.uint8)


def ink(pixels: Pixels) -> NDArray[np.bool_]:
    """Dark pixels: text and rules (a global threshold between paper and ink)."""
    luminance = gray(pixels) if pixels.ndim == 3 else pixels
    paper = float(np.percentile(luminance, 90))
    mask: NDArray[np.bool_] = luminance < paper * 0.6
    return mask


def estimate_skew(pixels: Pixels) -> float:
    """Degrees to rotate by (counter-clockwise) so text lines and rules run level.

    The angle that makes the row profile of the ink sharpest (rules and text lines fall
    into few rows), searched coarse then fine within ±`MAX_SKEW_DEG`.
    """
    import cv2

    height, width = pixels.shape[:2]
    factor = min(1.0, _SKEW_WIDTH / width)
    small = np.asarray(
        cv2.resize(
            (ink(pixels) * 255).astype(np.uint8),
            (max(1, int(width * factor)), max(1, int(height * factor))),
            interpolation=cv2.INTER_AREA,
        ),
        dtype=np.uint8,
    )

    def sharpness(angle: float) -> float:
        turned = _turn(small, angle, border=0)
        profile = turned.astype(np.float64).sum(axis=1)
        return float(np.square(np.diff(profile)).sum())

    best = max(np.arange(-MAX_SKEW_DEG, MAX_SKEW_DEG + 1e-9, 0.5), key=sharpness)
    fine = np.arange(best - 0.5, best + 0.5 + 1e-9, 0.05)
    return round(float(max(fine, key=sharpness)), 2)


def rotate(pixels: Pixels, angle: float) -> Pixels:
    """The image turned by `angle` degrees counter-clockwise, grown to keep every corner."""
    return _turn(pixels, angle, border=255)


def _turn(pixels: Pixels, angle: float, border: int) -> Pixels:
    import cv2

    height, width = pixels.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_w, new_h = int(height * sin + width * cos), int(height * cos + width * sin)
    matrix[0, 2] += new_w / 2 - width / 2
    matrix[1, 2] += new_h / 2 - height / 2
    value = (border,) * (3 if pixels.ndim == 3 else 1)
    turned = cv2.warpAffine(
        pixels, matrix, (new_w, new_h), flags=cv2.INTER_LINEAR, borderValue=value
    )
    return np.asarray(turned, dtype=np.uint8)


def bands(height: int, tile: int, overlap: int) -> list[tuple[int, int]]:
    """Horizontal bands (top, bottom) covering `height`, each `tile` tall, overlapping.

    The last band is moved up to end at the bottom rather than cut short: the engine would
    enlarge a thin band to its minimum size, which costs more than the extra overlap.

    >>> bands(100, 200, 20)
    [(0, 100)]
    >>> bands(500, 200, 50)
    [(0, 200), (150, 350), (300, 500)]
    >>> bands(420, 200, 50)
    [(0, 200), (150, 350), (220, 420)]
    """
    if height <= tile:
        return [(0, height)]
    out, top = [], 0
    while top + tile < height:
        out.append((top, top + tile))
        top += tile - overlap
    out.append((height - tile, height))
    return out
