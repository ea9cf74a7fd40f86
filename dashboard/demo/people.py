"""The made-up customers of the demo order history (see dashboard.demo.history).

Owns plan_customers: who places each of the history's orders, decided up front so that the
customers with accounts can be created before their orders. A customer's email, name and
whether they have an account follow from their number alone, so every seed shares them;
where they live comes from the seed. Owns FirstPurchases too: which paid orders are repeat
purchases.
"""

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

DOMAIN = "shoppers.example.com"
FIRST_NAMES = (
    "Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kira",
    "Liam", "Maya", "Noah", "Olga", "Priya", "Quinn", "Rosa", "Sam", "Tariq", "Uma", "Victor",
    "Wen", "Xavier", "Yara", "Zoe",
)
LAST_NAMES = (
    "Adams", "Baker", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jensen",
    "Khan", "Lopez", "Murphy", "Nguyen", "Okafor", "Patel", "Quist", "Rossi", "Silva",
    "Taylor", "Ueda", "Varga", "Walsh", "Young", "Zhang",
)
STREETS = ("Main Street", "Oak Avenue", "Park Road", "High Street", "Mill Lane", "Elm Street",
           "Station Road", "Church Street", "Maple Drive", "River Road")
PLACES = (  # (city, region, postal code, country)
    ("Springfield", "IL", "62701", "US"), ("Portland", "OR", "97205", "US"),
    ("Austin", "TX", "78701", "US"), ("Boston", "MA", "02108", "US"),
    ("Denver", "CO", "80202", "US"), ("Seattle", "WA", "98101", "US"),
    ("Chicago", "IL", "60601", "US"), ("Atlanta", "GA", "30303", "US"),
    ("Toronto", "ON", "M5H 2N2", "CA"), ("Vancouver", "BC", "V6B 1A1", "CA"),
    ("London", "", "SW1A 1AA", "GB"), ("Manchester", "", "M1 1AE", "GB"),
    ("Dublin", "", "D02 X285", "IE"), ("Berlin", "", "10115", "DE"),
    ("Paris", "", "75001", "FR"), ("Amsterdam", "", "1012 JS", "NL"),
)
ACCOUNT_SHARE = 6  # in 10 customers have an account; the others check out as guests


@dataclass(frozen=True)
class Customer:
    email: str
    first_name: str
    last_name: str
    has_account: bool
    address: dict  # the order's PostalAddress fields


class Customers:
    """Everyone who orders, and who places each order in turn (`next`)."""

    def __init__(self, people: list[Customer], sequence: list[int]):
        self.people = people
        self._turns: Iterator[int] = iter(sequence)

    def next(self) -> Customer:
        return self.people[next(self._turns)]


def plan_customers(
    rng: random.Random, orders: int, *, returning_share: float, customers: int | None = None
) -> Customers:
    """Who places each of `orders` orders: a customer who ordered before (any of them
    alike) about `returning_share` of the time, otherwise someone new. With `customers`
    given, exactly that many people (at most one an order) share the orders instead,
    newcomers spread evenly over them."""
    if customers is not None and not 1 <= customers <= orders:
        raise ValueError(f"{customers:,} customers cannot share {orders:,} orders.")
    people: list[Customer] = []
    sequence: list[int] = []
    for placed in range(orders):
        if customers is not None:
            newcomers_left = customers - len(people)
            returning = bool(people) and rng.random() >= newcomers_left / (orders - placed)
        else:
            returning = bool(people) and rng.random() < returning_share
        if returning:
            sequence.append(rng.randrange(len(people)))
        else:
            sequence.append(len(people))
            people.append(_customer(rng, len(people)))
    return Customers(people, sequence)


def _customer(rng: random.Random, number: int) -> Customer:
    first = FIRST_NAMES[number % len(FIRST_NAMES)]
    last = LAST_NAMES[number // len(FIRST_NAMES) % len(LAST_NAMES)]
    city, region, postal_code, country = rng.choice(PLACES)
    return Customer(
        email=f"{first}.{last}.{number + 1}@{DOMAIN}".lower(),
        first_name=first,
        last_name=last,
        has_account=number % 10 < ACCOUNT_SHARE,
        address={
            "full_name": f"{first} {last}", "line1": f"{rng.randint(1, 400)} {rng.choice(STREETS)}",
            "city": city, "region": region, "postal_code": postal_code, "country": country,
        },
    )


class FirstPurchases:
    """Each customer's first paid order, so that every order paid after it is marked a repeat
    purchase (`Order.is_repeat_purchase`) as shop's mark_paid marks it: per email address in
    lower case, by the time paid, the earlier order first when two were paid at once.

    `earlier` holds the first paid orders already in the database, {email: (paid_at, pk)}.
    Orders are then given to `mark` in the order they were paid (new ones after the old ones
    at the same time); where a new order comes before an old first one, that old one is
    now a repeat purchase and its pk goes to `no_longer_first`."""

    def __init__(self, earlier: dict[str, tuple[datetime, int]]):
        self._earlier = earlier
        self._first: dict[str, datetime] = {email: at for email, (at, _) in earlier.items()}
        self.no_longer_first: list[int] = []

    def mark(self, email: str, paid_at: datetime) -> bool:
        """Whether the order `email` paid at `paid_at` is a repeat purchase."""
        customer = email.lower()
        first = self._first.get(customer)
        if first is not None and first <= paid_at:
            return True
        # The customer's first paid order: one in the database paid later no longer is.
        earlier = self._earlier.pop(customer, None)
        if earlier is not None:
            self.no_longer_first.append(earlier[1])
        self._first[customer] = paid_at
        return False
