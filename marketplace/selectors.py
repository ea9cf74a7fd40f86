"""Every read of the seller portal, scoped to one seller on the server: a product, order or
parcel of another shop is not found (404), whatever id the URL carries."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.shortcuts import get_object_or_404

from core.db_routers import reading_from_replica
from core.money import ZERO, to_cents
from dashboard.kpis import Period, paid_lines, store_zone
from dashboard.models import PageViewDay
from shop.models import Order, OrderLine, Product, Seller, Shipment


def products(seller: Seller) -> QuerySet:
    return (Product.objects.filter(seller=seller).select_related("category")
            .annotate(units=Sum("variants__on_hand"), kinds=Count("variants"))
            .order_by("name"))


def product(seller: Seller, pk: int) -> Product:
    return get_object_or_404(Product, pk=pk, seller=seller)


SHIPPABLE = {Order.Status.PAID, Order.Status.PARTIALLY_REFUNDED, Order.Status.PARTIALLY_SHIPPED}


def _theirs(seller: Seller) -> QuerySet:
    """The paid orders holding a line of the seller's."""
    return Order.objects.filter(
        paid_at__isnull=False,
        pk__in=OrderLine.objects.filter(seller=seller).values("order_id"),
    )


def orders(seller: Seller, *, to_ship: bool = False) -> QuerySet:
    """Newest first, each with only the seller's lines and parcel."""
    found = _theirs(seller)
    if to_ship:
        found = found.filter(shipments__seller=seller, shipments__status=Shipment.Status.PENDING,
                             status__in=SHIPPABLE)
    return found.order_by("-paid_at").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.filter(seller=seller), to_attr="own_lines"),
        Prefetch("shipments", queryset=Shipment.objects.filter(seller=seller),
                 to_attr="own_shipments"),
    )


def order(seller: Seller, number: str) -> Order:
    return get_object_or_404(orders(seller), number=number)


def can_ship(order: Order) -> bool:
    """Whether the seller's parcel of `order` (read by `orders`) is still to leave."""
    pending = all(s.status == Shipment.Status.PENDING for s in order.own_shipments)
    return order.status in SHIPPABLE and pending


@dataclass(frozen=True)
class Figures:
    gross: Decimal
    discounts: Decimal
    refunds: Decimal
    orders: int
    units: int
    to_ship: int
    product_views: int  # visitors opening one of the shop's product pages, once a day each
    shop_views: int  # visitors opening the shop's own page, once a day each
    days: list[tuple]  # (day, net sales)

    @property
    def net(self) -> Decimal:
        return self.gross - self.discounts - self.refunds

    @property
    def conversion(self) -> Decimal | None:
        """Orders holding the shop's products per hundred views of their pages."""
        if not self.product_views:
            return None
        return (Decimal(100 * self.orders) / self.product_views).quantize(Decimal("0.1"))


@reading_from_replica()
def figures(seller: Seller, period: Period) -> Figures:
    """The seller's own figures, on the dashboard's terms (orders paid in the period, tax
    and shipping left out; refunds those of the seller's lines), from the replica when there
    is one."""
    lines = paid_lines(period).filter(seller=seller)
    sums = lines.aggregate(gross=Sum("line_total"), discounts=Sum("discount"),
                           refunds=Sum("refunded"), units=Sum("quantity"),
                           orders=Count("order", distinct=True))
    by_day = {
        row["day"]: to_cents(row["net"] or ZERO)
        for row in lines.annotate(day=TruncDate("order__paid_at", tzinfo=store_zone()))
        .values("day").annotate(net=Sum("line_total") - Sum("discount") - Sum("refunded"))
        .order_by()
    }
    return Figures(
        gross=to_cents(sums["gross"] or ZERO), discounts=to_cents(sums["discounts"] or ZERO),
        refunds=to_cents(sums["refunds"] or ZERO), orders=sums["orders"] or 0,
        units=sums["units"] or 0, to_ship=orders(seller, to_ship=True).count(),
        **_views(seller, period), days=[(day, by_day.get(day, ZERO)) for day in period.each_day()],
    )


def _views(seller: Seller, period: Period) -> dict[str, int]:
    """Views of the shop's product pages and of its own page in the period: one query."""
    pages = PageViewDay.objects.filter(day__gte=period.start, day__lte=period.end).filter(
        Q(kind=PageViewDay.Kind.PRODUCT,
          slug__in=Product.objects.filter(seller=seller).values("slug"))
        | Q(kind=PageViewDay.Kind.SHOP, slug=seller.slug)
    )
    found = pages.aggregate(
        product_views=Sum("views", filter=Q(kind=PageViewDay.Kind.PRODUCT)),
        shop_views=Sum("views", filter=Q(kind=PageViewDay.Kind.SHOP)),
    )
    return {name: count or 0 for name, count in found.items()}


def statement_lines(seller: Seller, period: Period):
    """The seller's lines of the orders paid in the period, for their statement."""
    return (paid_lines(period).filter(seller=seller).select_related("order", "payout")
            .order_by("order__paid_at", "pk"))
