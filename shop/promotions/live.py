"""The promotions in force, read as shop.promotions.rules needs them.

The automatic offers not ended yet are one query, kept in the catalogue cache (shop.caching:
a saved promotion drops it) with their start and end, so which are in force is decided at
each read, to the second, and pages cost no query for them once it is warm. Placing an order
reads them from the database, fresh, in one statement written out (_NOT_ENDED): the ORM took
several times longer to build its four joins than the database takes to run them.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, QuerySet
from django.utils import timezone

from core.money import ZERO
from shop import caching
from shop.models import Category, Promotion
from shop.promotions import rules

# A category offer covers its subcategories; the catalogue's tree is this deep at most.
_TARGETS = {"product": "products", "category": "categories", "child": "categories__children",
            "grandchild": "categories__children__children"}
_FIELDS = ("pk", "name", "benefit", "value", "buy_quantity", "free_quantity", "min_subtotal",
           "priority", "combines", "automatic", "starts_at", "ends_at")
# What _not_ended reads: the same rows as windows_of's query for the offers not ended at %s.
_NOT_ENDED = """
    SELECT promotion.id, promotion.name, promotion.benefit, promotion.value,
        promotion.buy_quantity, promotion.free_quantity, promotion.min_subtotal,
        promotion.priority, promotion.combines, promotion.automatic, promotion.starts_at,
        promotion.ends_at, target.product_id AS product, covered.category_id AS category,
        child.id AS child, grandchild.id AS grandchild
    FROM {promotion} promotion
        LEFT JOIN {products} target ON target.promotion_id = promotion.id
        LEFT JOIN {categories} covered ON covered.promotion_id = promotion.id
        LEFT JOIN {category} child ON child.parent_id = covered.category_id
        LEFT JOIN {category} grandchild ON grandchild.parent_id = child.id
    WHERE promotion.automatic AND promotion.is_active
        AND (promotion.ends_at IS NULL OR promotion.ends_at > %s)
    ORDER BY promotion.priority DESC, promotion.id
"""


@dataclass(frozen=True)
class Window:
    """An offer with the time it is in force."""

    offer: rules.Offer
    starts_at: datetime
    ends_at: datetime | None

    def in_force(self, now: datetime) -> bool:
        return self.starts_at <= now and (self.ends_at is None or now < self.ends_at)


def live_offers(*, fresh: bool = False, version: int | None = None) -> list[rules.Offer]:
    """The automatic offers in force now, each with the products and categories it covers;
    read from the database itself when `fresh`. `version` is the catalogue's as the caller
    has just read it from the cache: the offers this process last read at that version are
    used again without asking the cache (a saved promotion bumps the version)."""
    read_at, read = _last_read[0]
    if fresh:
        windows = _not_ended()
    elif version is not None and version == read_at:
        windows = read
    else:
        windows = caching.remember("offers", (), _not_ended)
        if version is not None:
            _last_read[0] = (version, windows)
    now = timezone.now()
    return [window.offer for window in windows if window.in_force(now)]


def offer_ids(offers: list[rules.Offer]) -> tuple[int, ...]:
    return tuple(offer.id for offer in offers)


# The catalogue version this process last read the offers at, and what it read: one pair,
# replaced whole, so a thread never sees one's version with another's offers.
_last_read: list[tuple[int | None, list[Window]]] = [(None, [])]


def _not_ended() -> list[Window]:
    """The automatic offers in force or still to come, as windows_of would read them."""
    statement = _NOT_ENDED.format(
        promotion=Promotion._meta.db_table, category=Category._meta.db_table,
        products=Promotion.products.through._meta.db_table,
        categories=Promotion.categories.through._meta.db_table,
    )
    # raw() converts each column as its field would (money, times, flags on every database).
    promotions = Promotion.objects.raw(statement, [timezone.now()])
    return _windows(
        {name: getattr(promotion, name) for name in (*_FIELDS, *_TARGETS)}
        for promotion in promotions
    )


def windows_of(promotions: QuerySet[Promotion]) -> list[Window]:
    """The promotions with their targets and times, in one query (a row per target)."""
    targets = {name: F(path) for name, path in _TARGETS.items()}
    return _windows(promotions.values(*_FIELDS, **targets).order_by("-priority", "pk"))


def _windows(rows: Iterable[dict]) -> list[Window]:
    """Windows from rows of _FIELDS and _TARGETS, a row per target, by priority."""
    fields: dict[int, dict] = {}
    products: dict[int, set[int]] = defaultdict(set)
    categories: dict[int, set[int]] = defaultdict(set)
    for row in rows:
        pk = row["pk"]
        fields.setdefault(pk, row)
        if row["product"]:
            products[pk].add(row["product"])
        categories[pk].update(row[name] for name in ("category", "child", "grandchild")
                              if row[name])
    return [
        Window(
            offer=rules.Offer(
                id=pk, name=row["name"], benefit=row["benefit"], value=row["value"] or ZERO,
                buy=row["buy_quantity"] or 0, free=row["free_quantity"] or 0,
                product_ids=frozenset(products[pk]), category_ids=frozenset(categories[pk]),
                min_subtotal=row["min_subtotal"], priority=row["priority"],
                combines=row["combines"], automatic=row["automatic"],
            ),
            starts_at=row["starts_at"], ends_at=row["ends_at"],
        )
        for pk, row in fields.items()
    ]


def badge(offers: list[rules.Offer], *, product_id: int, category_id: int) -> rules.Offer | None:
    """The offer a product's card and page show: the item offer of the highest priority
    that covers it (order-wide offers are the cart's to mention)."""
    item = rules.Item(product_id=product_id, category_ids=frozenset({category_id}),
                      unit_price=ZERO, quantity=1)
    return next(
        (offer for offer in offers if not offer.is_order_wide and offer.covers(item)), None
    )


def mark_offers(products, offers: list[rules.Offer]) -> None:
    """Give each product its `offer` (or None) and `offer_price`, one unit's price with it
    (None where the offer does not change it), for its card or page."""
    for product in products:
        offer = badge(offers, product_id=product.pk, category_id=product.category_id)
        product.offer = offer
        price = getattr(product, "price", None)
        product.offer_price = (
            offer.unit_price_after(price) if offer is not None and price is not None else None
        )
