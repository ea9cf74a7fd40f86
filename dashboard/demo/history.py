"""A year of made-up order history for the demo and the benchmark: `manage.py seed_demo`.

Owns seed_order_history. The history is deterministic: random.Random generators named by
the seed, so the same seed, number of orders, catalogue and last day always give the same
orders, figures and sessions. It is written with bulk inserts, a batch at a time, in one
transaction. These are past orders: stock is not touched, and no email, task or signal goes
out.

What it holds: 365 days up to yesterday with weekly and yearly seasonality (busy weekends,
a Black Friday week, a December peak, a slow summer) and steady growth; customers who come
back (some with accounts, some guests); 1 to 4 lines an order from the catalogue on sale,
each line its seller's at the seller's commission; orders priced with the shop's automatic
offers in force and, for some, its first discount code, each discount recorded as checkout
records it (nothing off where the shop has no promotions), and shipping charged per parcel,
one per seller; orders paid, their parcels shipped and delivered by their age
(dashboard.demo.fulfilment), some refunded in full or in part, some cancelled or expired
unpaid; a capture payment per paid order and a refund payment per refund; storefront
sessions per day at a conversion rate of 2 to 3 %; views of the product pages sold from and
of their shops' pages (dashboard.demo.views); and reviews by some of the customers with an
account of what was delivered to them (dashboard.demo.reviews), the products' cached
ratings recounted from those rows. Each paid order says whether it is its customer's repeat
purchase, as shop's mark_paid says it, other seeds' orders included.

What is in a basket is what people buy (dashboard.demo.tastes): each customer has a taste
they keep whenever they come back (a favourite aisle or two, a colour or two, cheap,
mid-priced or dear goods) and most of their lines suit it, the rest coming from the whole
catalogue, popular products more often; after an order's first line about half are goods
bought with one already in the basket (shoes with a dress, a teapot with a mug), and a
customer who comes back often starts with something that goes with what they bought
before. So what a customer bought before, and what others bought with it, foretell what
they buy next far better than popularity does, and every product still sells. A few seasonal
goods sell by the week and the year besides (dashboard.demo.seasons), for the stock
forecasts to learn.

Every order has its risk row, as checkout and the payment keep it, the recent ones scored by
shop's own rules (dashboard.demo.risk says which); a history of ATTACKS_FROM orders or more
has about thirty of them placed by attackers in its last fortnight (dashboard.demo.attacks),
and those paid, not shipped and risky are held for review as shop holds them. The attackers'
orders are among the `orders` asked for: the everyday ones are that many fewer.
"""

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction

from dashboard import kpis, rollup_build
from dashboard.demo import attacks, bulk, risk, views, year
from dashboard.demo.attacks import Attempt
from dashboard.demo.catalogue import NothingToSell, Stock, stock_on_sale
from dashboard.demo.orders import make_attempt, make_order
from dashboard.demo.people import DOMAIN, FirstPurchases, plan_customers
from dashboard.demo.reviews import Purchases, write_reviews
from shop.models import Order, OrderLine
from shop.risk import facts
from shop.services.checkout import NUMBER_ALPHABET

DAYS = 365
RETURNING_SHARE = 0.35  # orders placed by someone who ordered before
# A smaller history has no attacks: thirty orders would be too large a part of its fortnight.
ATTACKS_FROM = 2000


class SeedError(Exception):
    """The history cannot be seeded; the message says why and what to do."""


class AlreadySeeded(SeedError):
    """This seed's history is in the database already."""


@dataclass(frozen=True)
class SeedResult:
    first_day: date
    last_day: date
    orders: int
    paid: int
    lines: int
    payments: int
    customers: int
    sessions: int
    reviews: int
    attacks: int = 0  # orders placed by attackers (dashboard.demo.attacks)
    held: int = 0  # orders held for review


def seed_order_history(
    *, orders: int, seed: int = 1, until: date | None = None, customers: int | None = None
) -> SeedResult:
    """Add `orders` orders over the 365 days up to `until` (yesterday in the store's time
    zone by default), with their customers (`customers` of them, if given), payments and
    sessions. Raises SeedError, adding nothing, when there is no catalogue to sell from, and
    AlreadySeeded when this seed's history is already here.
    """
    if orders < 1:
        raise SeedError("Ask for at least one order.")
    zone = kpis.store_zone()
    until = until or kpis.today() - timedelta(days=1)
    days = [until - timedelta(days=n) for n in range(DAYS - 1, -1, -1)]
    rng = random.Random(seed)  # noqa: S311 - made-up history, not security
    numbers = _OrderNumbers(seed)
    with transaction.atomic():
        if Order.objects.filter(number=numbers.peek()).exists():
            raise AlreadySeeded(
                f"The history of seed {seed} is already here; nothing was added. Give another "
                "--seed to add more."
            )
        try:
            stock = stock_on_sale(rng, seed, days)
        except NothingToSell as error:
            raise SeedError(str(error)) from None
        weights = year.day_weights(rng, days)
        hostile = random.Random(f"attacks-{seed}")  # noqa: S311 - made-up history
        attempts = attacks.plan(hostile, days, zone, seed) if orders >= ATTACKS_FROM else []
        counts = year.apportion(orders - len(attempts), weights)
        people = plan_customers(
            rng, orders - len(attempts), returning_share=RETURNING_SHARE, customers=customers
        )
        joined = datetime.combine(days[0], time(9), tzinfo=zone) - timedelta(days=30)
        user_ids = bulk.create_users(people.people, joined=joined)
        writer = bulk.OrderWriter()
        horizon = datetime.combine(until + timedelta(days=1), time.min, tzinfo=zone)
        firsts = FirstPurchases(_first_purchases())
        purchases = Purchases(stock.product_of)
        sold: Counter[tuple[date, int]] = Counter()  # units by day and product, for the views
        # Parcels after an order's first draw from a generator of their own (see fulfilment).
        later = random.Random(f"parcels-{seed}")  # noqa: S311 - made-up history
        sources = risk.Sources(random.Random(f"risk-{seed}"))  # noqa: S311 - made-up history
        for day, count in zip(days, counts, strict=True):
            made = []
            for placed_at in year.times(rng, day, count, zone):
                person = people.next()
                made.append(make_order(rng, later, stock, numbers.take(), person,
                                       user_ids.get(person.email), placed_at, horizon))
            _mark_repeat_purchases([order for order, *_ in made], firsts)
            for order, lines, payments, discounts, shipments in made:
                writer.add(order, lines, payments, discounts, shipments, sources.row(order))
                purchases.note(order, lines)
                _note_sold(sold, stock, day, lines)
        writer.flush()
        with facts.replaying():  # the usual order worked out once a day, not once an order
            for attempt in attempts:
                order, lines, *rest = make_attempt(hostile, stock, numbers.take(), attempt,
                                                   horizon)
                _mark_repeat_purchases([order], firsts)
                writer.add(order, lines, *rest)
                writer.flush()  # the next attempt is scored with this one among the rows
                _note_sold(sold, stock, _day(attempt, zone), lines)
            bulk.mark_repeat_purchases(firsts.no_longer_first)
            held = _score_and_hold(since=horizon - timedelta(days=risk.SCORED_DAYS))
        placed = Counter(dict(zip(days, counts, strict=True)))
        placed.update(_day(attempt, zone) for attempt in attempts)
        sessions = bulk.add_sessions(f"demo{seed}", year.sessions_per_day(
            rng, days, weights, orders, [placed[day] for day in days]))
        # Generators of their own, so that the orders stay what they were before these.
        views.add_page_views(random.Random(f"views-{seed}"), sold)  # noqa: S311
        reviews = write_reviews(
            random.Random(f"reviews-{seed}"), purchases, horizon=horizon  # noqa: S311
        )
    kpis.forget_session_days(days)  # counts the dashboard kept of these days are out of date
    bulk.refresh_statistics()
    rollup_build.build()  # bulk inserts send no signal: the dashboard's day rows, from these rows
    attackers = len({attempt.person.email for attempt in attempts})
    return SeedResult(days[0], days[-1], orders, writer.paid, writer.lines, writer.payments,
                      len(people.people) + attackers, sessions, reviews, len(attempts), held)


def _day(attempt: Attempt, zone: ZoneInfo) -> date:
    return attempt.placed_at.astimezone(zone).date()


def _note_sold(sold: Counter[tuple[date, int]], stock: Stock, day: date,
               lines: list[OrderLine]) -> None:
    for line in lines:
        sold[(day, stock.product_of[line.variant_id])] += line.quantity


def _score_and_hold(*, since: datetime) -> int:
    """Score the orders placed since `since` that are not yet (the attempts are) and hold
    those paid, not shipped and risky; returns how many are held."""
    bulk.refresh_statistics()  # the scoring counts rows over fresh indexes
    risk.score_recent(since=since)
    return risk.hold_risky(since=since)


# --- who bought before ----------------------------------------------------------------------


def _first_purchases() -> dict[str, tuple[datetime, int]]:
    """The made-up customers' first paid orders already in the database (another seed's):
    {email: (paid_at, pk)}."""
    earlier = Order.objects.filter(
        email__endswith=f"@{DOMAIN}", paid_at__isnull=False, is_repeat_purchase=False
    ).order_by("paid_at", "pk").values_list("email", "paid_at", "pk")
    firsts: dict[str, tuple[datetime, int]] = {}
    for email, paid_at, pk in earlier:
        firsts.setdefault(email.lower(), (paid_at, pk))
    return firsts


def _mark_repeat_purchases(orders: list[Order], firsts: FirstPurchases) -> None:
    """Mark a day's orders, all paid on that day, in the order they were paid (the one made
    first when two were paid at once, as it gets the smaller pk)."""
    paid = sorted((order for order in orders if order.paid_at), key=lambda o: o.paid_at)
    for order in paid:
        order.is_repeat_purchase = firsts.mark(order.email, order.paid_at)


class _OrderNumbers:
    """Numbers like checkout's (two groups of five), from the seed: the same every run."""

    def __init__(self, seed: int):
        self._rng = random.Random(f"order-numbers-{seed}")  # noqa: S311 - not a secret here
        self._seen: set[str] = set()
        self._next = self._draw()

    def _draw(self) -> str:
        while True:
            chars = "".join(self._rng.choices(NUMBER_ALPHABET, k=10))
            number = f"{chars[:5]}-{chars[5:]}"
            if number not in self._seen:
                self._seen.add(number)
                return number

    def peek(self) -> str:
        return self._next

    def take(self) -> str:
        number, self._next = self._next, self._draw()
        return number
