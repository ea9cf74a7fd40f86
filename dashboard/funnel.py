"""Reads for the Products page: the most viewed products of a period and, for each, the way
from its page to an order: views, adds to a cart, orders and units.

Every figure comes from rows, in four queries whatever the period holds: the period's
PageViewDay rows of product pages and cart adds grouped by slug; the lines of the orders paid
in it (dashboard.kpis.paid_lines) grouped by their product's slug; those lines' totals; and
the products listed, by slug. Views and cart adds count visitors once a day each
(dashboard.sessions), so a visitor back on three days counts three times.

A product is known by the slug its page had when it was viewed: views of a product before its
slug changed stay under the old slug, shown as no longer in the catalogue. Lines whose
variant was deleted count in the totals only.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Q, Sum

from dashboard.kpis import RATE_PLACES, FigureKind, Period, paid_lines
from dashboard.models import PageViewDay
from dashboard.panels import display
from shop.models import Product

TOP = 20


@dataclass(frozen=True)
class Funnel:
    """One product's way to an order in the period (or every product's, for the totals):
    `views` visitors opened its page, `carts` added it to a cart, `orders` paid orders held
    it with `units` units. `name` is "" for the totals; `url` is "" when the product is not
    on sale; `gone` when no product has the slug now (its name is then the slug)."""

    name: str
    slug: str
    url: str
    views: int
    carts: int
    orders: int
    units: int
    gone: bool = False

    @property
    def view_to_cart(self) -> Decimal | None:
        """Adds to a cart ÷ views; None without views."""
        return _rate(self.carts, self.views)

    @property
    def cart_to_order(self) -> Decimal | None:
        """Orders ÷ adds to a cart; None without adds. Over 100 % when carts filled before
        the period, or on another device, were paid in it."""
        return _rate(self.orders, self.carts)

    @property
    def view_to_cart_shown(self) -> str:
        return display(FigureKind.PERCENT, self.view_to_cart)

    @property
    def cart_to_order_shown(self) -> str:
        return display(FigureKind.PERCENT, self.cart_to_order)


@dataclass(frozen=True)
class ProductFunnels:
    """The period's most viewed products, `rows`, of the `products` with a view, an add or
    an order in it, and `total`, every product's figures together."""

    rows: list[Funnel]
    products: int
    total: Funnel


def product_funnels(period: Period, *, limit: int = TOP) -> ProductFunnels:
    """The `limit` products with the most product-page views in the period (then the most
    adds to a cart, the most units, by slug), each with its funnel (four queries)."""
    pages = {row["slug"]: row for row in _page_counts(period)}
    bought = {row["slug"]: row for row in _bought(period)}
    counts = {
        slug: (pages.get(slug, {}).get("seen") or 0, pages.get(slug, {}).get("carts") or 0,
               bought.get(slug, {}).get("orders") or 0, bought.get(slug, {}).get("units") or 0)
        for slug in pages.keys() | bought.keys()
    }
    ranked = sorted(counts, key=lambda slug: _rank(slug, *counts[slug]))[:limit]
    products = {product.slug: product for product in Product.objects.filter(
        slug__in=ranked).only("name", "slug", "is_active", "seller_listed")} if ranked else {}
    rows = [_row(slug, products.get(slug), *counts[slug]) for slug in ranked]
    return ProductFunnels(rows, len(counts), _total(period, pages.values()))


def _rank(slug: str, views: int, carts: int, orders: int, units: int) -> tuple:
    return (-views, -carts, -units, slug)


def _page_counts(period: Period):
    """Product-page views (`seen`) and adds to a cart in the period, by slug."""
    return (
        PageViewDay.objects
        .filter(day__gte=period.start, day__lte=period.end,
                kind__in=[PageViewDay.Kind.PRODUCT, PageViewDay.Kind.CART])
        .values("slug")
        .annotate(seen=Sum("views", filter=Q(kind=PageViewDay.Kind.PRODUCT)),
                  carts=Sum("views", filter=Q(kind=PageViewDay.Kind.CART)))
        .order_by()
    )


def _bought(period: Period):
    """Paid orders holding each product, and the units in them, by the product's slug."""
    return (
        paid_lines(period).filter(variant__isnull=False)
        .values(slug=F("variant__product__slug"))
        .annotate(orders=Count("order", distinct=True), units=Sum("quantity"))
    )


def _total(period: Period, pages) -> Funnel:
    """Every product together: an order holding several products counts once, so the
    orders and units are the dashboard's Orders and Units sold."""
    lines = paid_lines(period).aggregate(orders=Count("order", distinct=True),
                                         units=Sum("quantity"))
    pages = list(pages)
    return Funnel("", "", "", sum(row["seen"] or 0 for row in pages),
                  sum(row["carts"] or 0 for row in pages), lines["orders"] or 0,
                  lines["units"] or 0)


def _row(slug: str, product: Product | None, views: int, carts: int, orders: int,
         units: int) -> Funnel:
    if product is None:
        return Funnel(slug, slug, "", views, carts, orders, units, gone=True)
    url = product.get_absolute_url() if product.is_listed else ""
    return Funnel(product.name, slug, url, views, carts, orders, units)


def _rate(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(RATE_PLACES, ROUND_HALF_UP)
