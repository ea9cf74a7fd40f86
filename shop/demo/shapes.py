"""The silhouettes the demo's product pictures show: one per kind of product (data.KINDS).

Owns draw_kind and TEXT_DROP. Each shape is drawn in a 400 x 400 box centred on the picture,
in the ink colour, with a few details (a collar, a pocket, a rim) in the colour the initials
are written in. Plain polygons, ellipses and lines: the same bytes on every machine.
"""

from collections.abc import Callable
from dataclasses import dataclass

from PIL import ImageDraw

# How far below the box's centre the initials sit, so they land on the shape's widest part.
TEXT_DROP = {
    "dress": 110, "sweater": 60, "t-shirt": 50, "shirt": 60, "vest": 80, "jacket": 40,
    "parka": 90, "robe": 110, "trousers": -120, "shorts": -70, "shoe": 75, "boot": 90,
    "sandal": -10, "mug": 25, "bowl": 70, "plate": 0, "teapot": 40, "folded linen": 95,
    "cushion": 0, "vase": 80, "planter": 100, "candle": 20, "bottle": 60, "sleeping bag": 60,
    "chair": -85, "backpack": -25, "bag": 55,
}


@dataclass(frozen=True)
class _Pen:
    """Draws in box coordinates, scaled about the picture's centre."""

    draw: ImageDraw.ImageDraw
    ink: tuple
    detail: tuple
    scale: float

    def at(self, x: float, y: float) -> tuple[float, float]:
        return 300 + (x - 200) * self.scale, 300 + (y - 200) * self.scale

    def polygon(self, *points: tuple[float, float], detail: bool = False) -> None:
        self.draw.polygon([self.at(x, y) for x, y in points],
                          fill=self.detail if detail else self.ink)

    def box(self, x0: float, y0: float, x1: float, y1: float) -> list[tuple[float, float]]:
        return [self.at(x0, y0), self.at(x1, y1)]

    def rounded(self, x0, y0, x1, y1, radius: float, *, detail: bool = False,
                outline: float = 0) -> None:
        colour = self.detail if detail else self.ink
        self.draw.rounded_rectangle(
            self.box(x0, y0, x1, y1), radius=radius * self.scale,
            fill=None if outline else colour, outline=colour if outline else None,
            width=round(outline * self.scale),
        )

    def ellipse(self, x0, y0, x1, y1, *, detail: bool = False, outline: float = 0) -> None:
        colour = self.detail if detail else self.ink
        self.draw.ellipse(self.box(x0, y0, x1, y1), fill=None if outline else colour,
                          outline=colour if outline else None, width=round(outline * self.scale))

    def arc(self, x0, y0, x1, y1, start: float, end: float, width: float) -> None:
        self.draw.arc(self.box(x0, y0, x1, y1), start, end, fill=self.ink,
                      width=round(width * self.scale))

    def chord(self, x0, y0, x1, y1, start: float, end: float) -> None:
        self.draw.chord(self.box(x0, y0, x1, y1), start, end, fill=self.ink)

    def line(self, *points: tuple[float, float], width: float, detail: bool = False) -> None:
        self.draw.line([self.at(x, y) for x, y in points],
                       fill=self.detail if detail else self.ink, width=round(width * self.scale))


# --- clothes -------------------------------------------------------------------------------

def _t_shirt(pen: _Pen) -> None:
    pen.polygon((120, 20), (280, 20), (400, 110), (340, 190), (300, 160), (300, 390),
                (100, 390), (100, 160), (60, 190), (0, 110))


def _long_sleeved(pen: _Pen, hem: float = 390) -> None:
    pen.polygon((130, 20), (270, 20), (350, 50), (400, 360), (340, 372), (300, 170),
                (300, hem), (100, hem), (100, 170), (60, 372), (0, 360), (50, 50))


def _sweater(pen: _Pen) -> None:
    _long_sleeved(pen)
    pen.rounded(150, 8, 250, 40, 14, detail=True, outline=10)  # the ribbed neck


def _shirt(pen: _Pen) -> None:
    _long_sleeved(pen)
    pen.polygon((150, 20), (200, 60), (165, 85), detail=True)  # the collar's points
    pen.polygon((250, 20), (200, 60), (235, 85), detail=True)


def _vest(pen: _Pen) -> None:
    pen.polygon((110, 10), (150, 10), (165, 70), (235, 70), (250, 10), (290, 10), (300, 120),
                (320, 160), (320, 390), (80, 390), (80, 160), (100, 120))


def _dress(pen: _Pen) -> None:
    pen.polygon((140, 10), (165, 10), (175, 50), (225, 50), (235, 10), (260, 10), (265, 100),
                (245, 150), (350, 390), (50, 390), (155, 150), (135, 100))


def _jacket(pen: _Pen) -> None:
    _long_sleeved(pen, hem=360)
    pen.polygon((150, 20), (200, 70), (250, 20), (240, 10), (160, 10))  # a stand collar
    pen.rounded(115, 290, 165, 330, 6, detail=True, outline=7)  # the pockets
    pen.rounded(235, 290, 285, 330, 6, detail=True, outline=7)


def _parka(pen: _Pen) -> None:
    pen.ellipse(130, -20, 270, 110)  # the hood
    pen.ellipse(165, 10, 235, 80, detail=True)  # and its opening
    pen.polygon((120, 70), (280, 70), (350, 100), (395, 380), (340, 390), (310, 200),
                (315, 400), (85, 400), (90, 200), (60, 390), (5, 380), (50, 100))


def _robe(pen: _Pen) -> None:
    pen.polygon((140, 10), (260, 10), (350, 50), (400, 300), (340, 315), (305, 170),
                (320, 400), (80, 400), (95, 170), (60, 315), (0, 300), (50, 50))
    pen.polygon((160, 10), (240, 10), (200, 140), detail=True)  # the shawl collar's opening
    pen.rounded(95, 200, 305, 222, 8, detail=True)  # the belt


def _trousers(pen: _Pen) -> None:
    pen.polygon((100, 10), (300, 10), (325, 390), (220, 390), (200, 140), (180, 390),
                (75, 390))
    pen.line((100, 32), (300, 32), width=6, detail=True)  # the waistband


def _shorts(pen: _Pen) -> None:
    pen.polygon((90, 70), (310, 70), (345, 310), (220, 325), (200, 185), (180, 325),
                (55, 310))
    pen.line((90, 92), (310, 92), width=6, detail=True)


# --- shoes ---------------------------------------------------------------------------------

def _shoe(pen: _Pen) -> None:
    pen.rounded(0, 250, 400, 330, 30)
    pen.polygon((20, 260), (40, 110), (150, 110), (220, 190), (390, 230), (400, 260))


def _boot(pen: _Pen) -> None:
    pen.polygon((60, 10), (200, 10), (210, 220), (370, 255), (400, 300), (400, 360),
                (30, 360), (50, 200))
    pen.line((30, 352), (400, 352), width=12, detail=True)  # the sole


def _sandal(pen: _Pen) -> None:
    # From above: the sole and the two straps across it.
    pen.polygon((150, 5), (250, 5), (300, 80), (285, 220), (290, 330), (250, 395),
                (150, 395), (110, 330), (115, 220), (100, 80))
    pen.rounded(85, 85, 315, 120, 12, detail=True)
    pen.rounded(95, 270, 305, 305, 12, detail=True)


# --- the kitchen and the home --------------------------------------------------------------

def _mug(pen: _Pen) -> None:
    pen.arc(230, 140, 370, 300, 270, 90, 34)  # the handle
    pen.rounded(60, 70, 300, 380, 22)


def _bowl(pen: _Pen) -> None:
    pen.chord(10, -40, 390, 360, 0, 180)
    pen.rounded(140, 345, 260, 380, 10)  # the foot
    pen.ellipse(10, 135, 390, 185, detail=True)  # looking in over the rim


def _plate(pen: _Pen) -> None:
    pen.ellipse(10, 10, 390, 390)
    pen.ellipse(75, 75, 325, 325, detail=True, outline=8)  # the well


def _teapot(pen: _Pen) -> None:
    pen.arc(0, 170, 140, 310, 90, 270, 28)  # the handle
    pen.polygon((290, 230), (385, 130), (400, 150), (320, 310))  # the spout
    pen.chord(145, 70, 255, 170, 180, 360)  # the lid
    pen.ellipse(185, 45, 215, 75)  # its knob
    pen.ellipse(80, 120, 320, 370)


def _folded_linen(pen: _Pen) -> None:
    for top, inset in ((40, 60), (130, 40), (220, 20)):  # a stack, smallest on top
        pen.rounded(inset, top, 400 - inset, top + 150, 24)
        pen.line((inset + 10, top), (390 - inset, top), width=6, detail=True)


def _cushion(pen: _Pen) -> None:
    pen.rounded(20, 70, 380, 330, 70)
    pen.rounded(45, 95, 355, 305, 50, detail=True, outline=5)  # the seam


def _vase(pen: _Pen) -> None:
    pen.polygon((160, 10), (240, 10), (235, 90), (310, 180), (320, 290), (270, 390),
                (130, 390), (80, 290), (90, 180), (165, 90))


def _planter(pen: _Pen) -> None:
    pen.polygon((195, 185), (140, 40), (175, 15), (215, 185))  # the leaves
    pen.polygon((190, 190), (50, 95), (80, 60), (205, 180))
    pen.polygon((205, 190), (330, 70), (360, 105), (215, 190))
    pen.polygon((70, 210), (330, 210), (295, 390), (105, 390))  # the pot
    pen.rounded(50, 180, 350, 232, 10)


def _candle(pen: _Pen) -> None:
    pen.ellipse(175, 5, 225, 85)  # the flame
    pen.line((200, 80), (200, 105), width=6)
    pen.rounded(105, 100, 295, 340, 12)
    pen.rounded(40, 330, 360, 385, 26)  # the holder


# --- the outdoors --------------------------------------------------------------------------

def _bottle(pen: _Pen) -> None:
    pen.rounded(160, 0, 240, 55, 10)  # the cap
    pen.polygon((170, 50), (230, 50), (290, 120), (110, 120))
    pen.rounded(110, 100, 290, 395, 40)


def _sleeping_bag(pen: _Pen) -> None:
    pen.rounded(95, 5, 305, 395, 105)
    pen.ellipse(150, 30, 250, 110, detail=True)  # the hood's opening


def _chair(pen: _Pen) -> None:
    pen.line((100, 230), (310, 392), width=20)  # the crossed legs
    pen.line((300, 230), (90, 392), width=20)
    pen.polygon((85, 20), (315, 20), (295, 200), (105, 200))  # the back
    pen.polygon((65, 195), (335, 195), (315, 250), (85, 250))  # the seat


def _backpack(pen: _Pen) -> None:
    pen.arc(155, 5, 245, 95, 180, 360, 16)  # the handle
    pen.rounded(70, 50, 330, 395, 70)
    pen.rounded(115, 250, 285, 370, 24, detail=True, outline=7)  # the front pocket


def _bag(pen: _Pen) -> None:
    pen.arc(120, 50, 280, 250, 180, 360, 20)  # the handles
    pen.rounded(10, 140, 390, 360, 95)
    pen.line((70, 160), (330, 160), width=6, detail=True)  # the zip


_SHAPES: dict[str, Callable[[_Pen], None]] = {
    "t-shirt": _t_shirt, "sweater": _sweater, "shirt": _shirt, "vest": _vest, "dress": _dress,
    "jacket": _jacket, "parka": _parka, "robe": _robe, "trousers": _trousers,
    "shorts": _shorts, "shoe": _shoe, "boot": _boot, "sandal": _sandal, "mug": _mug,
    "bowl": _bowl, "plate": _plate, "teapot": _teapot, "folded linen": _folded_linen,
    "cushion": _cushion, "vase": _vase, "planter": _planter, "candle": _candle,
    "bottle": _bottle, "sleeping bag": _sleeping_bag, "chair": _chair,
    "backpack": _backpack, "bag": _bag,
}


def draw_kind(draw: ImageDraw.ImageDraw, kind: str, *, ink: tuple, detail: tuple,
              scale: float) -> None:
    """The silhouette of `kind` (a data.KINDS key), scaled about the centre for the detail
    view; an unknown kind is a KeyError, so a noun added without a kind fails to plan."""
    _SHAPES[kind](_Pen(draw, ink, detail, scale))
