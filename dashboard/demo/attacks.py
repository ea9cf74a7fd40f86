"""Attacks in the demo history (see dashboard.demo.history): a few risky orders in its last
fortnight, so that the dashboard's orders held for review show what shop's risk rules
(shop.risk.rules) catch, each scored by those rules from the rows like every other order.

Owns plan (the attempts: who places each order, when, from which client address, with which
card, what they buy and whether it was paid) and goods (what an attempt buys). Three
patterns, as shop.risk.labelled makes them for the rules' own evaluation:

- card testing: a script tries stolen cards on small orders from one client address through
  a night, a card an order, most declined once or more; those orders expire or are
  cancelled unpaid, and the two cards that went through pay;
- a reshipper: large first orders over the fortnight from different customers, their cards
  billed at home, all to one forwarding address abroad, a suite each;
- an account farm: new customers (one mailbox's tags, throwaway domains) over a day and a
  half, each taking the shop's code, on one card, to one address.

Thirty orders in all, the same for the same seed, from addresses with the seed in them, so
that another seed's attackers are other people. They are guest checkouts. Each is placed at
least GAP after the one before, and so paid (when it is) before the next is placed: the
history scores each attempt as it writes it, with every row placed before it in.
"""

import ipaddress
import random
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from dashboard.demo.people import FIRST_NAMES, LAST_NAMES, PLACES, STREETS, Customer
from dashboard.demo.risk import COUNTRIES, Origin

FORTNIGHT = 14
GAP = timedelta(minutes=20)  # longer than a payment takes (dashboard.demo.fulfilment.charge)
CARD_TESTS, CARDS_THAT_WORK = 14, 2
RESHIPPED = 7
FARMED = 9
FARM_HOURS = 36
THROWAWAY = ("mailinator.com", "yopmail.com", "guerrillamail.com", "trashmail.com")
FREEMAIL = ("example.net", "example.org")
US_PLACES = [place for place in PLACES if place[3] == "US"]
FORWARDER = {"line1": "7 Freightway Park", "city": "Slough", "region": "",
             "postal_code": "SL1 4AX", "country": "GB"}
FARM = {"line1": "41 Orchard Lane", "city": "Springfield", "region": "IL",
        "postal_code": "62704", "country": "US"}


class Pattern(StrEnum):
    CARD_TESTING = "card testing"
    RESHIPPER = "reshipper"
    ACCOUNT_FARM = "account farm"


class Fate(StrEnum):
    PAID = "paid"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class Goods(StrEnum):
    CHEAP = "cheap"  # one of the cheapest things: enough to learn whether a card works
    DEAR = "dear"  # a few of the dearest, to sell on
    USUAL = "usual"  # something mid-priced, for the code to take something off


@dataclass(frozen=True)
class Attempt:
    pattern: Pattern
    placed_at: datetime
    person: Customer
    origin: Origin
    failed_tries: int
    fate: Fate
    goods: Goods
    takes_code: bool = False


def plan(rng: random.Random, days: list[date], zone: ZoneInfo, seed: int) -> list[Attempt]:
    """The attempts over the last FORTNIGHT of `days`, in the order they were placed."""
    fortnight = days[-FORTNIGHT:]
    attempts = [*_card_testing(rng, fortnight, zone, seed),
                *_reshipper(rng, fortnight, zone, seed),
                *_account_farm(rng, fortnight, zone, seed)]
    spaced: list[Attempt] = []
    for attempt in sorted(attempts, key=lambda attempt: attempt.placed_at):
        if spaced and attempt.placed_at < spaced[-1].placed_at + GAP:
            attempt = replace(attempt, placed_at=spaced[-1].placed_at + GAP)
        spaced.append(attempt)
    return spaced


def goods(rng: random.Random, by_price: list[tuple[Decimal, int]], kind: Goods
          ) -> list[tuple[int, int]]:
    """What an attempt buys, as (variant pk, quantity): `by_price` holds the variants on sale
    as (price, pk), the cheapest first."""
    tenth = max(1, len(by_price) // 10)
    if kind is Goods.CHEAP:
        return [(rng.choice(by_price[:tenth])[1], 1)]
    if kind is Goods.DEAR:
        return [(pk, rng.randint(1, 2)) for _, pk in rng.sample(by_price[-tenth:], min(3, tenth))]
    middle = by_price[len(by_price) * 2 // 5:len(by_price) * 3 // 5] or by_price
    return [(rng.choice(middle)[1], 1)]


def _card_testing(rng: random.Random, fortnight: list[date], zone: ZoneInfo, seed: int
                  ) -> list[Attempt]:
    at = datetime.combine(fortnight[rng.randrange(3, 9)], time(1), tzinfo=zone)
    client = f"198.51.100.{seed % 256}"
    # The script finds cards that work once it has been at it a while.
    work = set(rng.sample(range(CARD_TESTS // 2, CARD_TESTS), CARDS_THAT_WORK))
    attempts = []
    for n in range(CARD_TESTS):
        at += timedelta(minutes=rng.randint(20, 35))
        city, region, postal_code, country = rng.choice(US_PLACES)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = f"{first[0]}{last}{seed}x{n}@{rng.choice(THROWAWAY + FREEMAIL)}".lower()
        address = {"full_name": f"{first} {last}",
                   "line1": f"{rng.randint(1, 999)} {rng.choice(STREETS)}", "city": city,
                   "region": region, "postal_code": postal_code, "country": country}
        paid = n in work
        attempts.append(Attempt(
            Pattern.CARD_TESTING, at, Customer(email, first, last, False, address),
            Origin(client, _card(rng), rng.choice(COUNTRIES)),
            failed_tries=0 if paid else rng.randint(1, 3),
            fate=Fate.PAID if paid else rng.choice((Fate.EXPIRED, Fate.EXPIRED, Fate.CANCELLED)),
            goods=Goods.CHEAP,
        ))
    return attempts


def _reshipper(rng: random.Random, fortnight: list[date], zone: ZoneInfo, seed: int
               ) -> list[Attempt]:
    clients = rng.sample(range(1, 255), RESHIPPED)
    attempts = []
    for n, day in enumerate(sorted(rng.sample(fortnight, RESHIPPED))):
        at = datetime.combine(day, time(rng.randint(9, 20), rng.randrange(60)), tzinfo=zone)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = f"{first}.{last}.{seed}r{n}@{rng.choice(FREEMAIL)}".lower()
        address = {**FORWARDER, "full_name": f"{first} {last}",
                   "line2": f"Suite {rng.randint(100, 999)}"}
        attempts.append(Attempt(
            Pattern.RESHIPPER, at, Customer(email, first, last, False, address),
            Origin(f"203.0.113.{clients[n]}", _card(rng), "US"),
            failed_tries=0, fate=Fate.PAID, goods=Goods.DEAR,
        ))
    return attempts


def _account_farm(rng: random.Random, fortnight: list[date], zone: ZoneInfo, seed: int
                  ) -> list[Attempt]:
    start = datetime.combine(fortnight[rng.randrange(8, 12)], time(9), tzinfo=zone)
    card = _card(rng)
    attempts = []
    for n in range(FARMED):
        at = start + timedelta(hours=n * FARM_HOURS / FARMED + rng.uniform(0, 2))
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        # Tags of one mailbox and throwaway domains by turns.
        email = (f"deals{seed}+{n}@example.com" if n % 2
                 else f"deals{seed}n{n}@{rng.choice(THROWAWAY)}")
        attempts.append(Attempt(
            Pattern.ACCOUNT_FARM, at,
            Customer(email, first, last, False, {**FARM, "full_name": f"{first} {last}"}),
            Origin(str(ipaddress.IPv6Address(f"2001:db8:ffff:{seed % 65536:x}::{n + 1:x}")),
                   card, "US"),
            failed_tries=0, fate=Fate.PAID, goods=Goods.USUAL, takes_code=True,
        ))
    return attempts


def _card(rng: random.Random) -> str:
    return f"{rng.getrandbits(64):016x}"
