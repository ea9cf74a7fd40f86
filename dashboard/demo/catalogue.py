"""What the demo history's orders are made of (see dashboard.demo.history): the catalogue on
sale, its sellers, the shop's shipping methods and promotions, fetched once.

Owns Stock and stock_on_sale: the variants shoppers may buy, as the customers' tastes see them
(dashboard.demo.tastes) and as the seasons sell some of them (dashboard.demo.seasons).
"""

import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import F

from dashboard.demo.seasons import Seasons
from dashboard.demo.tastes import Offered, Shelves
from shop.models import DiscountCode, Promotion, Seller, ShippingMethod, Variant
from shop.promotions import codes, live, rules

# How much more each of a seller's variants sells than the store's at the same rank: sellers'
# goods come in a colour or two where clothes come in a dozen sizes and colours, and drawn by
# variant alone they would hardly sell. With the demo's three sellers about a fifth of the
# lines are theirs, and about one order in eight comes from more than one shop (customers
# keep to the aisles they like, and each seller has an aisle of its own).
SELLER_PULL = 4


class NothingToSell(Exception):
    """There is no catalogue or no shipping method to make orders of; the message says what
    to do."""


@dataclass(frozen=True)
class Stock:
    """The catalogue the orders are drawn from, and the promotions they are priced with,
    fetched once."""

    variants: dict[int, tuple]  # {pk: (sku, price, options, product name)}
    shelves: Shelves  # what the customers buy (dashboard.demo.tastes)
    seasons: Seasons  # what sells by the week and the year (dashboard.demo.seasons)
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


def stock_on_sale(rng: random.Random, seed: int, days: list[date]) -> Stock:
    """What shoppers may buy over `days`: active products of shops open for business. Raises
    NothingToSell without a catalogue or a shipping method."""
    on_sale = Variant.objects.filter(product__is_active=True, product__seller_listed=True)
    variants = list(
        on_sale.order_by("sku").values_list(
            "pk", "sku", "price", "size", "color", "product__name", "product_id",
            "product__category_id", "product__seller_id", "product__category__parent_id",
        )
    )
    if not variants:
        raise NothingToSell("There are no products to sell: run `manage.py load_demo` first.")
    methods = list(ShippingMethod.objects.filter(is_active=True))
    if not methods:
        raise NothingToSell("There is no shipping method: add one in the admin first.")
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
    available = dict(on_sale.values_list("pk", F("on_hand") - F("reserved")))
    seasons = Seasons(offered, available=available, sku={pk: row[0] for pk, row in rows.items()},
                      days=days, seed=seed)
    # The offers of the shop now, and its first code (codes of one use each aside).
    offers = [window.offer for window in live.windows_of(
        Promotion.objects.filter(automatic=True, is_active=True))]
    code = (DiscountCode.objects.select_related("promotion")
            .filter(is_active=True, promotion__is_active=True, promotion__automatic=False,
                    max_uses__isnull=True).order_by("pk").first())
    return Stock(rows, Shelves(offered, seed=seed), seasons, product_of, category_of, seller_of,
                 commission, rank, methods[0], methods[-1], offers, code,
                 codes.as_offer(code) if code else None, set())
