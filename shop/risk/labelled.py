"""A labelled set of made orders, to measure what the risk rules catch: ordinary customers
(with the oddities real ones have: a gift sent abroad, a throwaway address, a declined card,
a household sharing an address, an office sharing a client address, a large first order) and
three attacks: card testing (many small orders from one client address, most payment tries
declined), an account farm (new accounts, one mailbox with many tags or throwaway domains, a
few addresses and one card) and reshippers (first orders well above the usual, from many
customers and cards, to one forwarding address abroad).

The orders are written as paid rows in a stretch of time long past, so nothing of the shop's
own falls in their windows, and each is scored as of five minutes after it was placed, as
its payment would be. `evaluate` reads the rows and scores them; it writes nothing beyond
the set, and the command that prints it rolls everything back.
"""

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.conf import settings

from shop.models import Order, OrderRisk
from shop.risk import facts, rules

START = datetime(2001, 1, 1, tzinfo=UTC)
DAYS = 60
PAID_AFTER = timedelta(minutes=5)
LABELS = NORMAL, CARD_TESTING, ACCOUNT_FARM, RESHIPPER = (
    "normal", "card testing", "account farm", "reshipper")
DOMAINS = ("example.com", "example.org", "example.net")
THROWAWAY = ("mailinator.com", "yopmail.com", "guerrillamail.com", "trashmail.com")
COUNTRIES = ("US", "US", "US", "CA", "GB", "DE", "FR")


@dataclass
class Made:
    """One made order before it is written: what checkout and the provider would know."""

    label: str
    placed_at: datetime
    email: str
    line1: str
    postal_code: str
    country: str
    total: Decimal
    client_ip: str
    card: str
    billing_country: str
    failed_tries: int = 0


def made_orders(seed: int = 7) -> list[Made]:
    rng = random.Random(seed)  # noqa: S311 - made-up orders, not security
    made = _customers(rng)
    for run in range(2):
        made += _card_testing(rng, run)
        made += _account_farm(rng, run)
        made += _reshipper(rng, run)
    return sorted(made, key=lambda order: order.placed_at)


def _when(rng: random.Random, *, day: float | None = None) -> datetime:
    return START + timedelta(days=day if day is not None else rng.uniform(0, DAYS))


def _money(rng: random.Random, low: float, high: float) -> Decimal:
    return Decimal(str(round(rng.uniform(low, high), 2)))


def _customers(rng: random.Random, count: int = 400) -> list[Made]:
    """Ordinary customers: one to three orders each over the two months; a few buy several
    times in one day, a few live in one apartment block (the flat differs, the street
    address not), some share a household or an office's client address."""
    made = []
    offices = [f"198.51.100.{n}" for n in range(5)]  # shared by colleagues, on other days
    for n in range(count):
        country = rng.choice(COUNTRIES)
        domain = rng.choice(THROWAWAY) if rng.random() < 0.04 else rng.choice(DOMAINS)
        home = n - 1 if n % 25 == 1 else 1000 + n % 3 if n % 40 < 5 else n
        ip = rng.choice(offices) if rng.random() < 0.1 else f"2001:db8::{n:x}"
        first_day = rng.uniform(0, DAYS)
        burst = rng.random() < 0.015  # an office manager, a party: four orders in a day
        for order in range(4 if burst else rng.choice((1, 1, 1, 2, 2, 3))):
            large = order == 0 and rng.random() < 0.03
            day = first_day + order / 10 if burst else first_day if order == 0 else None
            made.append(Made(
                NORMAL, _when(rng, day=day), f"customer{n}@{domain}", f"{home} Main Street",
                f"{10000 + home}", country,
                _money(rng, 250, 400) if large else _money(rng, 20, 120),
                ip, f"card-{n}",
                rng.choice(COUNTRIES) if rng.random() < 0.05 else country,
                failed_tries=rng.choice((1, 1, 2, 3)) if rng.random() < 0.06 else 0,
            ))
    return made


def _card_testing(rng: random.Random, run: int) -> list[Made]:
    """A script tries stolen cards on small orders from one client address within hours."""
    start = rng.uniform(5, DAYS - 5)
    return [
        Made(CARD_TESTING, _when(rng, day=start + n / 48),
             f"t{run}x{n}@{rng.choice(THROWAWAY + DOMAINS)}", f"{n} Test Road",
             f"9{run}{n:03d}", "US", _money(rng, 3, 15), f"192.0.2.{run}", f"stolen-{run}-{n}",
             rng.choice(COUNTRIES), failed_tries=rng.randint(1, 4))
        for n in range(20)
    ]


def _account_farm(rng: random.Random, run: int) -> list[Made]:
    """New accounts (one mailbox's tags, throwaway domains) take a promotion or resell: a
    few addresses, one card, client addresses that change."""
    start = rng.uniform(5, DAYS - 5)
    return [
        Made(ACCOUNT_FARM, _when(rng, day=start + rng.uniform(0, 3)),
             f"farm{run}+{n}@example.com" if n % 2 else f"farm{run}n{n}@{rng.choice(THROWAWAY)}",
             f"{run + 1} Farm Lane", f"8{run}{n % 3}", "US", _money(rng, 30, 90),
             f"100.64.{run}.{n}", f"farm-card-{run}", "US")
        for n in range(12)
    ]


def _reshipper(rng: random.Random, run: int) -> list[Made]:
    """Stolen cards buy large first orders sent to one forwarding address abroad."""
    start = rng.uniform(5, DAYS - 15)
    return [
        Made(RESHIPPER, _when(rng, day=start + rng.uniform(0, 14)),
             f"buyer{run}r{n}@{rng.choice(DOMAINS)}", f"{run + 7} Forwarding Park",
             f"FW{run} 1AA", "GB", _money(rng, 200, 450), f"172.16.{run}.{n}",
             f"reship-{run}-{n}", "US")
        for n in range(10)
    ]


def write(made: list[Made]) -> list[tuple[Order, OrderRisk]]:
    """The made orders as paid rows, with their risk rows."""
    orders = Order.objects.bulk_create(Order(
        number=f"MADE-{n:05d}", email=m.email, full_name="Made Customer", line1=m.line1,
        city="Town", postal_code=m.postal_code, country=m.country, status=Order.Status.PAID,
        currency=settings.STORE_CURRENCY, subtotal=m.total, shipping_total=Decimal("0.00"),
        tax_total=Decimal("0.00"), total=m.total, captured_total=m.total,
        tax_rate=Decimal("0"), shipping_method_name="Standard", payment_provider="test",
        paid_at=m.placed_at + PAID_AFTER,
    ) for n, m in enumerate(made))
    for order, m in zip(orders, made, strict=True):  # created_at is set on insert
        order.created_at = m.placed_at
    Order.objects.bulk_update(orders, ["created_at"])
    risks = OrderRisk.objects.bulk_create(OrderRisk(
        order=order, placed_at=m.placed_at, email_key=facts.email_key(m.email),
        address_key=facts.address_key(order.address_values()), client_ip=m.client_ip,
        failed_tries=m.failed_tries, card_fingerprint=m.card, billing_country=m.billing_country,
    ) for order, m in zip(orders, made, strict=True))
    return list(zip(orders, risks, strict=True))


def scores(*, seed: int = 7) -> list[tuple[str, int]]:
    """Write the set and score every order as of its payment: (label, score) each. Call it
    inside a transaction that is rolled back."""
    made = made_orders(seed)
    with facts.replaying():
        return [
            (m.label,
             rules.assess(facts.gather(order, risk, as_of=m.placed_at + PAID_AFTER)).score)
            for m, (order, risk) in zip(made, write(made), strict=True)
        ]


@dataclass(frozen=True)
class Outcome:
    threshold: int
    by_label: dict[str, tuple[int, int]]  # label → (orders, flagged)
    precision: float
    recall: float


def outcome(scored: list[tuple[str, int]], threshold: int) -> Outcome:
    """What `threshold` flags of the scored set."""
    by_label: dict[str, tuple[int, int]] = {}
    for label, score in scored:
        orders, flagged = by_label.get(label, (0, 0))
        by_label[label] = (orders + 1, flagged + (score >= threshold))
    flagged = sum(f for _, f in by_label.values())
    caught = sum(f for label, (_, f) in by_label.items() if label != NORMAL)
    attacks = sum(n for label, (n, _) in by_label.items() if label != NORMAL)
    return Outcome(threshold, by_label, caught / flagged if flagged else 1.0,
                   caught / attacks if attacks else 1.0)
