"""Drawing the demo's product images: a JPEG per ImageSpec, made with Pillow alone.

Owns draw_image and its colour helpers (each kind of product's silhouette is in shop.demo.shapes).
Images are drawn locally, so the demo needs no network and no system fonts, and the same spec
gives the same bytes on every machine.
"""

import io
from functools import cache

from PIL import Image, ImageDraw, ImageFont

from shop.demo.data import IMAGE_QUALITY, IMAGE_SIZE, PALETTE
from shop.demo.plan import ImageSpec
from shop.demo.shapes import TEXT_DROP, draw_kind


def draw_image(spec: ImageSpec) -> bytes:
    """A JPEG: a soft gradient in the colour, a shape for the kind of product, its initials."""
    base = _rgb(PALETTE[spec.colour][1])
    light = _mix(base, (255, 255, 255), 0.45)
    # The front fades top to bottom, the detail view from the centre: two different pictures.
    mask = _gradient(radial=spec.position > 0)
    picture = Image.composite(
        Image.new("RGB", mask.size, base), Image.new("RGB", mask.size, light), mask
    )
    is_pale = _luminance(base) > 0.7
    ink = _mix(base, (0, 0, 0), 0.45) if is_pale else (250, 250, 247)
    draw = ImageDraw.Draw(picture)
    scale = 1.0 if spec.position == 0 else 1.25
    letters = (250, 250, 247) if is_pale else base
    draw_kind(draw, spec.kind, ink=ink, detail=letters, scale=scale)
    middle = 300 + TEXT_DROP[spec.kind] * scale
    draw.text((300, middle), spec.initials, font=_font(84), fill=letters, anchor="mm")
    draw.text((300, 560), f"No. {spec.number:03d}", font=_font(26), fill=ink, anchor="mm")
    output = io.BytesIO()
    picture.save(output, "JPEG", quality=IMAGE_QUALITY, optimize=True)
    return output.getvalue()


@cache
def _gradient(*, radial: bool) -> Image.Image:
    # Only read after this, so the threads can share it; resizing it per image was the slow part.
    mask = Image.radial_gradient("L") if radial else Image.linear_gradient("L")
    return mask.resize((IMAGE_SIZE, IMAGE_SIZE))


def _font(size: int) -> ImageFont.FreeTypeFont:
    # The font bundled with Pillow, so images look the same on every machine. Loading it is
    # cheap, and a font per call keeps FreeType's state out of the threads' way.
    return ImageFont.load_default(size=size)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))


def _mix(colour: tuple, other: tuple, amount: float) -> tuple[int, int, int]:
    return tuple(round(a + (b - a) * amount) for a, b in zip(colour, other, strict=True))


def _luminance(colour: tuple) -> float:
    red, green, blue = colour
    return (0.299 * red + 0.587 * green + 0.114 * blue) / 255
