"""Seasonal goods in the demo history (see dashboard.demo.history): a few products that sell by
the week and the year as well as to taste, so that the stock forecasts (dashboard.forecasting)
have demand with a shape to learn, and the low-stock panel something to foretell.

Owns Seasons and its use case, extras: the seasonal goods an order placed on a day takes
besides its basket. Each of SEASONAL names a product by the noun its name ends with; of the
catalogue's products of that noun, the variant with the fewest units available (the first by
SKU among equals) is the one that sells, so the goods that sell fastest are those the shop is
short of: in the demo catalogue the chair and the hip pack are sold out, and lead the
low-stock panel with their forecasts, and the blanket has three left. A catalogue without
those nouns has no seasonal goods, and its history is what it was without them.

An order placed on a day takes a seasonal variant with a chance of its share × its week's
weight for the weekday × its year's for the day: a camp chair mostly at weekends, a hip pack
more and more over the last months, a sleeping bag in summer, a throw blanket in winter, each
mostly at weekends. The draws come from a generator of their own, so the baskets stay those
the customers' tastes drew (dashboard.demo.tastes); a seasonal variant is one line more, where
the basket has room for it.
"""

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from dashboard.demo.tastes import Offered

WEEKENDS = (0.15, 0.1, 0.1, 0.15, 0.4, 1.0, 0.9)  # Monday first
SATURDAYS = (0.1, 0.1, 0.1, 0.15, 0.3, 1.0, 0.6)
SUNDAYS = (0.15, 0.1, 0.1, 0.15, 0.25, 0.6, 1.0)
GROWTH_DAYS = 120  # a growing product's sales climb over the history's last days
LOW = 0.05  # a seasonal product's year out of season, against 1 at its peak

Year = Callable[[date, float], float]  # (the day, how far into the history: 0 to 1)


def steady(day: date, into: float) -> float:
    return 1.0


def growing(day: date, into: float) -> float:
    """Flat at a tenth, then up to its peak on the history's last day."""
    start = 1 - GROWTH_DAYS / 365
    return 0.1 + 0.9 * max(0.0, (into - start) / (1 - start))


def _peaking(on: int) -> Year:
    """A year that peaks on day `on` of the year and sells almost nothing in the other half."""
    def year(day: date, into: float) -> float:
        angle = 2 * math.pi * (day.timetuple().tm_yday - on) / 365.25
        return LOW + (1 - LOW) * max(0.0, math.cos(angle))
    return year


summer, winter = _peaking(196), _peaking(350)  # mid-July, mid-December


@dataclass(frozen=True)
class Season:
    noun: str  # the product's name ends with it
    share: float  # of the orders on its best weekday at its peak that take it
    week: tuple[float, ...]
    year: Year


SEASONAL = (
    Season("Camp Chair", 0.08, WEEKENDS, steady),
    Season("Hip Pack", 0.2, SATURDAYS, growing),
    Season("Sleeping Bag", 0.15, WEEKENDS, summer),
    Season("Throw Blanket", 0.12, SUNDAYS, winter),
)


class Seasons:
    """The seasonal variants among `offered` (`available` units of each, `sku` to break
    ties) over the history's `days`; `seed` names the generator of the draws."""

    def __init__(self, offered: list[Offered], *, available: dict[int, int],
                 sku: dict[int, str], days: list[date], seed: int):
        self._rng = random.Random(f"seasons-{seed}")  # noqa: S311 - made-up history
        self.variants: list[tuple[Season, Offered]] = []
        for season in SEASONAL:
            of_noun = [v for v in offered if v.name.endswith(season.noun)]
            if of_noun:
                chosen = min(of_noun, key=lambda v: (available[v.pk], sku[v.pk]))
                self.variants.append((season, chosen))
        self._chances = {
            day: [season.share * season.week[day.weekday()] * season.year(day, index / len(days))
                  for season, _ in self.variants]
            for index, day in enumerate(days, start=1)
        }

    def extras(self, day: date) -> list[Offered]:
        """The seasonal variants an order placed on `day` takes, besides its basket."""
        return [variant for (_, variant), chance in zip(self.variants, self._chances[day],
                                                         strict=True)
                if self._rng.random() < chance]
