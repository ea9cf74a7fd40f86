"""What recommendations learn from, read from the shop's rows: the paid orders' baskets, the
catalogue as documents, and how well each product sells and is looked at lately."""

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from operator import itemgetter

from django.db.models import Count, Q, QuerySet, Sum

from dashboard.kpis import Period, paid_lines
from dashboard.models import PageViewDay
from recommendations import scoring
from shop.models import OrderLine, Product, Variant

BEST_SELLER_DAYS = 90
TRENDING_DAYS = 7
ORDER_WEIGHT = 10  # a paid order counts as much as this many page views toward trending
CHUNK = 10_000


@dataclass(frozen=True)
class Basket:
    """The products of one paid order, and who bought them when."""

    order_id: int
    customer: str  # the order's email, in lower case: a guest's orders are theirs too
    paid_at: datetime
    products: frozenset[int]


def baskets() -> Iterator[Basket]:
    """Every paid order's products (of the variants still in the catalogue), in the order
    the orders were placed, read a chunk at a time."""
    lines = (
        OrderLine.objects.filter(order__paid_at__isnull=False, variant__isnull=False)
        .order_by("order_id")
        .values_list("order_id", "order__email", "order__paid_at", "variant__product_id")
        .iterator(chunk_size=CHUNK)
    )
    for order_id, rows in groupby(lines, key=itemgetter(0)):
        rows = list(rows)
        yield Basket(order_id, rows[0][1].lower(), rows[0][2],
                     frozenset(product for *_, product in rows))


def documents(products: QuerySet[Product] | None = None) -> dict[int, str]:
    """Each product (the listed ones unless `products` says which) as scoring.document
    words: its name, description, category path, options and cheapest price."""
    products = Product.objects.listed() if products is None else products
    options: dict[int, tuple[set[str], set[str], list]] = {}
    for product, colour, size, price in Variant.objects.filter(
        product__in=products
    ).values_list("product_id", "color", "size", "price").iterator(chunk_size=CHUNK):
        colours, sizes, prices = options.setdefault(product, (set(), set(), []))
        colours.add(colour)
        sizes.add(size)
        prices.append(price)
    made = {}
    for pk, name, description, category, parent in products.values_list(
        "pk", "name", "description", "category__name", "category__parent__name"
    ).iterator(chunk_size=CHUNK):
        colours, sizes, prices = options.get(pk, ((), (), []))
        made[pk] = scoring.document(
            name=name, description=description, categories=[c for c in (category, parent) if c],
            colours=sorted(colours), sizes=sorted(sizes),
            price=float(min(prices)) if prices else None,
        )
    return made


def sales_and_interest() -> dict[int, tuple[int, float]]:
    """{product pk: (paid orders holding it in the last BEST_SELLER_DAYS, trending)}: the
    trending figure is its page's views plus ORDER_WEIGHT for each paid order in the last
    TRENDING_DAYS, today included."""
    recent = Period.last(TRENDING_DAYS)
    lately = recent.bounds()[0]
    sold = (
        paid_lines(Period.last(BEST_SELLER_DAYS)).filter(variant__isnull=False)
        .values_list("variant__product_id")
        .annotate(orders=Count("order_id", distinct=True),
                  lately=Count("order_id", distinct=True, filter=Q(order__paid_at__gte=lately)))
        .order_by()
    )
    slugs = dict(Product.objects.values_list("slug", "pk"))
    views = Counter()
    for slug, count in (
        PageViewDay.objects.filter(kind=PageViewDay.Kind.PRODUCT,
                                   day__gte=recent.start)
        .values_list("slug").annotate(n=Sum("views")).order_by()
    ):
        if slug in slugs:
            views[slugs[slug]] += count
    scores = {product: (orders, views.pop(product, 0) + ORDER_WEIGHT * recent)
              for product, orders, recent in sold}
    scores |= {product: (0, float(count)) for product, count in views.items()}
    return scores
