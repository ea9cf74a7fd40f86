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
they buy next far better than popularity does, and every product still sells.
"""

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from core.money import ZERO
from dashboard import kpis
from dashboard.demo import bulk, fulfilment, views, year
from dashboard.demo.people import DOMAIN, Customer, FirstPurchases, plan_customers
from dashboard.demo.reviews import Purchases, write_reviews
from dashboard.demo.tastes import Offered, Shelves
from shop.models import DiscountCode, Order, OrderLine, Promotion, Seller, ShippingMethod, Variant
from shop.promotions import codes, live, rules
from shop.services import pricing
from shop.services.checkout import NUMBER_ALPHABET

DAYS = 365
RETURNING_SHARE = 0.35  # orders placed by someone who ordered before
EXPIRED, CANCELLED = 0.05, 0.03  # shares of orders never paid
CODE_SHARE = 0.1  # orders whose customer enters the shop's code, where it applies
EXPRESS_SHARE = 0.15
# How much more each of a seller's variants sells than the store's at the same rank: sellers'
# goods come in a colour or two where clothes come in a dozen sizes and colours, and drawn by
# variant alone they would hardly sell. With the demo's three sellers about a fifth of the
# lines are theirs, and about one order in eight comes from more than one shop (customers
# keep to the aisles they like, and each seller has an aisle of its own).
SELLER_PULL = 4


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


@dataclass(frozen=True)
class _Stock:
    """The catalogue the orders are drawn from, and the promotions they are priced with,
    fetched once."""

    variants: dict[int, tuple]  # {pk: (sku, price, options, product name)}
    shelves: Shelves  # what the customers buy (dashboard.demo.tastes)
    product_of: dict[int, int]  # {variant pk: product pk}
    category_of: dict[int, int]  # {variant pk: category pk}
    seller_of: dict[int, int]  # {variant pk: seller pk}
    commission: dict[int, Decimal]  # {seller pk: commission rate}
    rank: dict[int, int]  # {seller pk: its place among an order's parcels}
    standard: ShippingMethod
    express: ShippingMethod
    offers: list[rules.Offer]
    code: DiscountCode | None
    code_offer: rules.Offer | None
    code_users: set[str]  # who used the code: it is once per customer


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
        stock = _stock(rng, seed)
        weights = year.day_weights(rng, days)
        counts = year.apportion(orders, weights)
        people = plan_customers(
            rng, orders, returning_share=RETURNING_SHARE, customers=customers
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
        for day, count in zip(days, counts, strict=True):
            made = []
            for placed_at in year.times(rng, day, count, zone):
                person = people.next()
                made.append(_order(rng, later, stock, numbers.take(), person,
                                   user_ids.get(person.email), placed_at, horizon))
            _mark_repeat_purchases([order for order, *_ in made], firsts)
            for order, lines, payments, discounts, shipments in made:
                writer.add(order, lines, payments, discounts, shipments)
                purchases.note(order, lines)
                for line in lines:
                    sold[(day, stock.product_of[line.variant_id])] += line.quantity
        writer.flush()
        bulk.mark_repeat_purchases(firsts.no_longer_first)
        sessions = bulk.add_sessions(
            f"demo{seed}", year.sessions_per_day(rng, days, weights, orders, counts)
        )
        # Generators of their own, so that the orders stay what they were before these.
        views.add_page_views(random.Random(f"views-{seed}"), sold)  # noqa: S311
        reviews = write_reviews(
            random.Random(f"reviews-{seed}"), purchases, horizon=horizon  # noqa: S311
        )
    kpis.forget_session_days(days)  # counts the dashboard kept of these days are out of date
    bulk.refresh_statistics()
    return SeedResult(days[0], days[-1], orders, writer.paid, writer.lines, writer.payments,
                      len(people.people), sessions, reviews)


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


# --- one order -------------------------------------------------------------------------------


def _order(rng: random.Random, later: random.Random, stock: _Stock, number: str,
           person: Customer, user_id: int | None, placed_at: datetime, horizon: datetime):
    """An order with its lines, payments, discounts and parcels, as model instances not
    saved yet."""
    lines, method, priced, code = _basket(rng, stock, person.email)
    while not _adds_up_in_floating_point(priced):
        lines, method, priced, code = _basket(rng, stock, person.email)
    order = Order(
        number=number, user_id=user_id, email=person.email, currency=settings.STORE_CURRENCY,
        subtotal=priced.subtotal, shipping_total=priced.shipping, tax_total=priced.tax,
        discount_total=priced.discount, shipping_discount=priced.shipping_discount,
        total=priced.total, tax_rate=settings.STORE_TAX_RATE,
        shipping_method=method, shipping_method_name=method.name,
        payment_provider=fulfilment.PROVIDER,
        created_at=placed_at, **person.address,
    )
    for line in lines:
        line.order = order
    discounts = codes.order_discounts(priced, code)
    for discount in discounts:
        discount.order = order
    shipments = fulfilment.parcels(order, lines, stock.rank)  # made when it is placed
    fate = rng.random()
    if fate < EXPIRED:
        order.status = Order.Status.EXPIRED
        order.closed_at = placed_at + timedelta(minutes=settings.ORDER_PAYMENT_TIMEOUT_MINUTES)
        return order, lines, [], discounts, shipments
    if fate < EXPIRED + CANCELLED:
        order.status = Order.Status.CANCELLED
        order.closed_at = placed_at + timedelta(minutes=rng.randint(2, 25))
        return order, lines, [], discounts, shipments
    payments = fulfilment.pay(rng, later, order, lines, shipments, horizon)
    stock.shelves.note_bought(person.email, [line.variant_id for line in lines])
    return order, lines, payments, discounts, shipments


def _basket(rng: random.Random, stock: _Stock, email: str):
    """Lines, a shipping method, the order priced as checkout prices it (the offers, and
    the code for some customers who have not used it, where it applies; shipping once per
    parcel, a parcel per seller) and the code used, if any."""
    lines = _lines(stock, email)
    method = stock.express if rng.random() < EXPRESS_SHARE else stock.standard
    items = [
        rules.Item(product_id=stock.product_of[line.variant_id],
                   category_ids=frozenset({stock.category_of[line.variant_id]}),
                   unit_price=line.unit_price, quantity=line.quantity)
        for line in lines
    ]
    wants_code = email not in stock.code_users and rng.random() < CODE_SHARE
    code_offer = stock.code_offer if wants_code else None
    tax_rate = settings.STORE_TAX_RATE
    priced = rules.price(items, shipping=ZERO, tax_rate=tax_rate, offers=stock.offers,
                         code=code_offer)
    goods = priced.subtotal - sum(priced.line_discounts, ZERO)
    parcels = len({line.seller_id for line in lines})
    shipping = parcels * pricing.shipping_cost(price=method.price, free_above=method.free_above,
                                               subtotal=goods)
    priced = rules.price(items, shipping=shipping, tax_rate=tax_rate, offers=stock.offers,
                         code=code_offer)
    code = stock.code if priced.code_applied is not None else None
    if code is not None:
        stock.code_users.add(email)
    for line, discount in zip(lines, priced.line_discounts, strict=True):
        line.discount = discount
    return lines, method, priced, code


def _adds_up_in_floating_point(priced: rules.Priced) -> bool:
    """Whether SQLite accepts these totals: it checks `order_total_adds_up` in floating
    point, where some sums (10.20 + 5.00 + 1.22 ≠ 16.42) miss by a rounding error. Such
    baskets are drawn again, on every database, so the history is the same everywhere."""
    added = float(priced.subtotal) + float(priced.shipping) + float(priced.tax)
    return added - float(priced.discount) == float(priced.total)


def _lines(stock: _Stock, email: str) -> list[OrderLine]:
    lines = []
    for variant, quantity in stock.shelves.basket(email):
        pk = variant.pk
        sku, price, options, name = stock.variants[pk]
        seller_id = stock.seller_of[pk]
        lines.append(OrderLine(
            variant_id=pk, product_name=name, options=options, sku=sku, unit_price=price,
            quantity=quantity, line_total=pricing.line_total(price, quantity),
            seller_id=seller_id, commission_rate=stock.commission[seller_id],
        ))
    return lines


# --- what the orders are made of -------------------------------------------------------------


def _stock(rng: random.Random, seed: int) -> _Stock:
    # What shoppers may buy: active products of shops open for business.
    variants = list(
        Variant.objects.filter(product__is_active=True, product__seller_listed=True)
        .order_by("sku").values_list(
            "pk", "sku", "price", "size", "color", "product__name", "product_id",
            "product__category_id", "product__seller_id", "product__category__parent_id",
        )
    )
    if not variants:
        raise SeedError("There are no products to sell: run `manage.py load_demo` first.")
    methods = list(ShippingMethod.objects.filter(is_active=True))
    if not methods:
        raise SeedError("There is no shipping method: add one in the admin first.")
    rows = {pk: (sku, price, " / ".join(o for o in (size, color) if o), name)
            for pk, sku, price, size, color, name, *_ in variants}
    product_of = {pk: product_id for pk, *_, product_id, _, _, _ in variants}
    category_of = {pk: category_id for pk, *_, category_id, _, _ in variants}
    seller_of = {pk: seller_id for pk, *_, seller_id, _ in variants}
    # The sellers in the order checkout lists an order's parcels: the store first, then by name.
    sellers = list(Seller.objects.filter(pk__in=set(seller_of.values()))
                   .order_by("-is_store", "name"))
    commission = {seller.pk: seller.commission_rate for seller in sellers}
    rank = {seller.pk: place for place, seller in enumerate(sellers)}
    marketplace = {seller.pk for seller in sellers if not seller.is_store}
    rng.shuffle(variants)  # which products sell best
    offered = [
        # A long tail: the first few sell far more than the rest.
        Offered(pk, product_id, name, category_id, department_id or category_id, color, price,
                (SELLER_PULL if seller_id in marketplace else 1) / (place + 8))
        for place, (pk, _, price, _, color, name, product_id, category_id, seller_id,
                    department_id) in enumerate(variants)
    ]
    # The offers of the shop now, and its first code (codes of one use each aside).
    offers = [window.offer for window in live.windows_of(
        Promotion.objects.filter(automatic=True, is_active=True))]
    code = (DiscountCode.objects.select_related("promotion")
            .filter(is_active=True, promotion__is_active=True, promotion__automatic=False,
                    max_uses__isnull=True).order_by("pk").first())
    return _Stock(rows, Shelves(offered, seed=seed), product_of, category_of, seller_of,
                  commission, rank, methods[0], methods[-1], offers, code,
                  codes.as_offer(code) if code else None, set())


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
