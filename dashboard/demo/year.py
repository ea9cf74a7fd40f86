"""The shape of the demo's year (dashboard.demo.history): how busy each day is (weekday,
season, Black Friday, growth), when in the day its orders are placed, and how many
storefront sessions a day of that many orders had."""

import math
import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAY_WEIGHTS = (1.0, 0.95, 0.95, 1.0, 1.05, 1.25, 1.3)  # Monday first
# Orders by the hour they are placed, from midnight to 22:00 (none after 23:00).
HOUR_WEIGHTS = (1, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 7, 6, 6, 6, 7, 8, 10, 11, 11, 9, 6)


def day_weights(rng: random.Random, days: list[date]) -> list[float]:
    """How busy each day is: weekday × season × growth × a little noise."""
    weights = []
    for index, day in enumerate(days):
        # The yearly curve peaks in mid-December and bottoms out in mid-June.
        season = 1 + 0.3 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 350) / 365.25)
        if (day.month, day.day) >= (11, 24) and (day.month, day.day) <= (12, 2):
            season *= 1.6  # Black Friday to Cyber Monday
        growth = 0.85 + 0.3 * index / len(days)
        weights.append(WEEKDAY_WEIGHTS[day.weekday()] * season * growth * rng.uniform(0.9, 1.1))
    return weights


def apportion(total: int, weights: list[float]) -> list[int]:
    """`total` split in proportion to `weights`, in whole numbers that add up to it (largest
    remainders get the units left over)."""
    scale = total / sum(weights)
    shares = [weight * scale for weight in weights]
    counts = [int(share) for share in shares]
    by_remainder = sorted(range(len(shares)), key=lambda i: (counts[i] - shares[i], i))
    for index in by_remainder[: total - sum(counts)]:
        counts[index] += 1
    return counts


def times(rng: random.Random, day: date, count: int, zone: ZoneInfo) -> list[datetime]:
    """When the day's orders were placed, in order: mostly in the evening, none after 23:00
    so that every payment lands on the same day."""
    hours = rng.choices(range(len(HOUR_WEIGHTS)), weights=HOUR_WEIGHTS, k=count)
    seconds = sorted(hour * 3600 + rng.randrange(3600) for hour in hours)
    start = datetime.combine(day, time.min, tzinfo=zone)
    return [start + timedelta(seconds=s) for s in seconds]


def sessions_per_day(rng: random.Random, days: list[date], weights: list[float],
                      orders: int, counts: list[int]) -> list[tuple[date, int, int]]:
    """(day, sessions, sessions that ordered): the day's expected orders ÷ a conversion rate
    of 2–3 %, of which as many ordered as orders were placed that day."""
    scale = orders / sum(weights)
    return [
        (day, max(placed, round(weight * scale / rng.uniform(0.02, 0.03)), 1), placed)
        for day, weight, placed in zip(days, weights, counts, strict=True)
    ]
