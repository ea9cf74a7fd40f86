"""Reads shaped for the dashboard's panels: products and categories sold, stock running low,
orders to look at, and the staff activity log. Every figure is a database aggregate; the
orders counted are those of dashboard.kpis (paid in the period, in the store's time zone).
Once the rollups are built, the products and categories sold and the flagged share read
them (dashboard.rollup_figures), the same to the cent; the order lists read the newest rows
through an index, however many orders there are."""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import (
    Count,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from core.money import to_cents
from dashboard import forecasts, rollup_figures
from dashboard.kpis import Period, paid_lines, paid_orders
from dashboard.models import DemandForecast
from security.models import AuditEntry
from shop.models import Order, OrderEvent, Shipment, User, Variant

TOP = 10
COVER_DAYS = 30  # days of cover are worked out from this many days' sales
UNLISTED = "No longer in the catalogue"  # a category, for lines of deleted products


@dataclass(frozen=True)
class Sold:
    """A product or a category: what its lines in paid orders came to."""

    name: str
    revenue: Decimal
    units: int


def product_sums(period: Period) -> list[dict] | None:
    """The period's sums per product from the rollups, for `top_products` and
    `revenue_by_category` to share (one query); None before they are built."""
    return rollup_figures.product_sums(period.start, period.end) if rollup_figures.built() else None


def top_products(period: Period, *, by: str = "revenue", limit: int = TOP,
                 sums: list[dict] | None = None) -> list[Sold]:
    """The best sellers by line totals (before order discounts, tax and shipping) or by
    units, under the name they were sold as (one query). The dashboard's chart and the
    reports' Charts sheet both rank them so."""
    if sums is None:
        sums = product_sums(period)
    if sums is not None:
        return [Sold(**row) for row in rollup_figures.products_sold(sums, by=by, limit=limit)]
    return orders_top_products(period, by=by, limit=limit)


def orders_top_products(period: Period, *, by: str = "revenue", limit: int = TOP) -> list[Sold]:
    """`top_products` read from the lines themselves (one query)."""
    order = ["-revenue", "-units"] if by == "revenue" else ["-units", "-revenue"]
    rows = (
        paid_lines(period).values("product_name")
        .annotate(revenue=Sum("line_total"), units=Sum("quantity"))
        .order_by(*order, "product_name")[:limit]
    )
    return [Sold(row["product_name"], to_cents(row["revenue"]), row["units"]) for row in rows]


def revenue_by_category(period: Period, *, sums: list[dict] | None = None) -> list[Sold]:
    """Line totals per category of the product sold (its own category, not the one above
    it), largest first (one query). The dashboard's chart and the reports' Charts sheet both
    group them so."""
    if sums is None:
        sums = product_sums(period)
    if sums is not None:
        return [Sold(row["name"] or UNLISTED, row["revenue"], row["units"])
                for row in rollup_figures.categories_sold(sums)]
    return orders_revenue_by_category(period)


def orders_revenue_by_category(period: Period) -> list[Sold]:
    """`revenue_by_category` read from the lines themselves (one query)."""
    rows = (
        paid_lines(period).values(category=F("variant__product__category__name"))
        .annotate(revenue=Sum("line_total"), units=Sum("quantity"))
        .order_by("-revenue", "category")
    )
    return [Sold(row["category"] or UNLISTED, to_cents(row["revenue"]), row["units"])
            for row in rows]


@dataclass(frozen=True)
class LowStock:
    variant: Variant
    available: int
    sold: int  # units sold in the last COVER_DAYS days
    reorder: forecasts.Reorder | None = None  # None: no forecast (no sales lately)

    @property
    def days_of_cover(self) -> Decimal | None:
        """How many days what is available lasts at the last 30 days' pace; None without
        sales."""
        if not self.sold:
            return None
        return (Decimal(self.available * COVER_DAYS) / self.sold).quantize(
            Decimal("0.1"), ROUND_HALF_UP
        )


def low_stock(*, limit: int = 20) -> list[LowStock]:
    """Variants of listed products with no more available to sell than their own
    low-stock threshold, fewest first, with what to reorder where they have a forecast (two
    queries)."""
    period = Period.last(COVER_DAYS)
    # No order paid in the period has an id below the smallest among them: from that id
    # on, the lines' index on (variant, order) reads each variant's lines of recent orders
    # only, not its whole history. The id is summed with 0 so that PostgreSQL finds
    # the period's orders by their payment time, rather than walking the ids from the first
    # order ever.
    first_order = (paid_orders(period).order_by().annotate(every=Value(1)).values("every")
                   .annotate(first=Min(F("pk") + 0)).values("first"))
    sold = (
        paid_lines(period).filter(variant=OuterRef("pk"), order__gte=Subquery(first_order))
        .values("variant").annotate(units=Sum("quantity")).values("units")
    )
    variants = (
        Variant.objects.filter(product__is_active=True)
        .annotate(units_available=F("on_hand") - F("reserved"))
        .filter(units_available__lte=F("low_stock_threshold"))
        .annotate(sold=Coalesce(Subquery(sold, output_field=IntegerField()), Value(0)))
        .select_related("product")
        .order_by("units_available", "-sold", "sku")[:limit]
    )
    variants = list(variants)
    kept = {forecast.variant_id: forecast for forecast in
            DemandForecast.objects.filter(variant__in=[variant.pk for variant in variants])}
    return [
        LowStock(variant, variant.units_available, variant.sold,
                 forecasts.reorder(kept[variant.pk], product=variant.product,
                                   available=variant.units_available)
                 if variant.pk in kept else None)
        for variant in variants
    ]


# The timeline's events that hold an order for review.
HOLDS = [OrderEvent.Kind.RISK, OrderEvent.Kind.PAYMENT_MISMATCH, OrderEvent.Kind.DISPUTED]


# What the dashboard's order tables show of an order: reading its addresses and the rest of
# its columns for every row cost more than the row.
ORDER_ROW = ("number", "created_at", "email", "status", "total")


def orders_needing_review(*, limit: int = 10) -> list[Order]:
    """Orders held for review, newest first, each with its risk score (`risk_score`, None
    for an order never scored) and why it was held (`held_for`: the note of the last hold on
    its timeline, empty when staff flagged it by hand)."""
    holds = OrderEvent.objects.filter(order=OuterRef("pk"), kind__in=HOLDS).order_by(
        "-created_at", "-pk")
    return list(
        Order.objects.filter(needs_review=True).only(*ORDER_ROW)
        .annotate(risk_score=F("risk__score"), held_for=Subquery(holds.values("note")[:1]))
        .order_by("-created_at", "-pk")[:limit]
    )



@dataclass(frozen=True)
class Flagged:
    """Of the orders placed in a period, how many scored the review threshold or more."""

    placed: int
    flagged: int
    threshold: int

    @property
    def share(self) -> str:
        return f"{self.flagged / self.placed:.1%}" if self.placed else "0%"


def flagged_share(period: Period) -> Flagged:
    """The orders placed in the period and those of them flagged (one query)."""
    threshold = settings.RISK_REVIEW_THRESHOLD
    if rollup_figures.built():
        placed, flagged = rollup_figures.placed_and_flagged(period.start, period.end,
                                                            threshold=threshold)
        return Flagged(placed, flagged, threshold)
    return orders_flagged_share(period)


def orders_flagged_share(period: Period) -> Flagged:
    """`flagged_share` read from the orders themselves (one query)."""
    threshold = settings.RISK_REVIEW_THRESHOLD
    start, end = period.bounds()
    counts = Order.objects.filter(created_at__gte=start, created_at__lt=end).aggregate(
        placed=Count("pk"), flagged=Count("pk", filter=Q(risk__score__gte=threshold)),
    )
    return Flagged(counts["placed"], counts["flagged"], threshold)


def recent_orders(*, limit: int = 10) -> list[Order]:
    return list(Order.objects.only(*ORDER_ROW).order_by("-created_at", "-pk")[:limit])


def orders_to_ship(*, limit: int = 10) -> list[Order]:
    """Paid orders whose store's own parcel has not left yet, the longest waiting first
    (other sellers ship theirs from the seller portal). Orders held for review wait in their
    own panel: they cannot ship.

    The waiting orders are read oldest first through their own index (dashboard's migration
    0013), a few at a time, then their parcels (two queries, more only when most of the
    oldest wait for other sellers): never every pending parcel of the shop's history, which
    the planner would hash whole for one query asking both."""
    waiting = Order.objects.filter(
        status__in=[Order.Status.PAID, Order.Status.PARTIALLY_SHIPPED], needs_review=False,
    ).only(*ORDER_ROW).order_by("paid_at", "pk")
    found: list[Order] = []
    seen, step = 0, limit * 4
    while len(found) < limit:
        orders = list(waiting[seen:seen + step])
        if not orders:
            break
        parcels: dict[int, list[bool]] = {order.pk: [] for order in orders}
        # Without the parcels' own ordering, which joins their orders to sort by them.
        rows = Shipment.objects.filter(order__in=orders).order_by().values_list(
            "order_id", "seller__is_store", "status")
        for order_id, is_store, status in rows:
            parcels[order_id].append(is_store and status == Shipment.Status.PENDING)
        found += [order for order in orders
                  if not parcels[order.pk] or any(parcels[order.pk])]
        if len(orders) < step:
            break  # no more waiting
        seen += step
    return found[:limit]


# --- the activity log ------------------------------------------------------------------


def activity(*, actor: User | None = None, action: str = "", day: date | None = None,
             page: int | str = 1, per_page: int = 25) -> Page:
    """The audit log, newest first, filtered by who, what and the day (in the store's time
    zone); a page past the end gives the last page (a count and a page query)."""
    entries = AuditEntry.objects.order_by("-created_at", "-pk")
    if actor is not None:
        entries = entries.filter(actor=actor)
    if action:
        entries = entries.filter(action=action)
    if day is not None:
        start, end = Period(day, day).bounds()
        entries = entries.filter(created_at__gte=start, created_at__lt=end)
    return Paginator(entries, per_page).get_page(page)


def staff_members() -> QuerySet:
    """Everyone who may have acted as staff: staff accounts and those found in the log."""
    in_log = AuditEntry.objects.filter(actor__isnull=False).values("actor")
    return User.objects.filter(Q(is_staff=True) | Q(pk__in=in_log)).order_by("email")


def actions() -> list[str]:
    """The actions the log holds, in alphabetical order (one query)."""
    return list(
        AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct()
    )
