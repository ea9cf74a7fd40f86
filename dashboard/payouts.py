"""What the store owes each seller for the orders paid in a period, and recording that it
has paid them.

Locked definitions, on the key figures' own terms (dashboard.kpis: orders paid in the
period, tax and shipping left out):
- A seller's gross sales are their lines' totals; their discounts the lines' shares of the
  orders' discounts; their refunds what was given back for their lines, before tax.
- The store's commission is each line's rate (copied when it was bought) of its net sales
  (gross − discounts − refunds), summed per seller and rate and rounded to the cent once.
- Payable = net sales − commission.
- The store is a seller too, with no commission, and it bears what is no line's: shipping
  discounts and refunds given by amount (goodwill, shipping), taken as the Refunds figure
  takes them. So the sellers' gross, discounts, refunds and net sales add up to the
  dashboard's figures to the cent, and their payables to its net sales less commission.
- Paid out is what the payouts recorded for ranges within the period paid; outstanding is
  payable − paid out. A refund made after a payout lowers what is payable, so outstanding
  goes below zero: what the seller owes back.
- Recording a payout pays the period's outstanding (refused when there is none) and marks
  the seller's lines of the period not marked before as settled by it (the statement names
  the payout on each line).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import F, QuerySet, Sum

from core.db_routers import reading_from_replica
from core.money import ZERO, to_cents
from dashboard.kpis import Period, item_refund, paid_lines, paid_orders
from security import audit
from shop.errors import ShopError
from shop.models import OrderLine, Payout, Seller, User


@dataclass(frozen=True)
class SellerFigures:
    seller: Seller
    gross: Decimal
    discounts: Decimal
    refunds: Decimal
    commission: Decimal
    settled: Decimal  # paid out by the payouts recorded for ranges within the period

    @property
    def net(self) -> Decimal:
        return self.gross - self.discounts - self.refunds

    @property
    def payable(self) -> Decimal:
        return self.net - self.commission

    @property
    def outstanding(self) -> Decimal:
        """Still to pay; below zero, what the seller owes back (refunds after a payout)."""
        return self.payable - self.settled


def _sums(lines: QuerySet) -> dict[int, dict]:
    """Seller id → gross, discounts, refunds and commission of these lines."""
    sums: dict[int, dict] = {}
    rows = (lines.values("seller_id", "commission_rate")
            .annotate(gross=Sum("line_total"), discounts=Sum("discount"),
                      refunds=Sum("refunded"),
                      net=Sum(F("line_total") - F("discount") - F("refunded")))
            .order_by())
    for row in rows:
        seller = sums.setdefault(row["seller_id"], dict.fromkeys(
            ("gross", "discounts", "refunds", "commission"), ZERO))
        for field in ("gross", "discounts", "refunds"):
            seller[field] += to_cents(row[field] or ZERO)
        seller["commission"] += to_cents(to_cents(row["net"] or ZERO)
                                         * row["commission_rate"] / 100)
    return sums


@reading_from_replica()
def statement(period: Period, *, seller: Seller | None = None) -> list[SellerFigures]:
    """Every seller with sales in the period (or just `seller`), the store first. Read from
    the replica when there is one, except inside a transaction (`record_payout`'s)."""
    lines = paid_lines(period)
    if seller is not None:
        lines = lines.filter(seller=seller)
    everything = _sums(lines)
    store_id = Seller.objects.filter(is_store=True).values_list("pk", flat=True).first()
    if seller is None or seller.pk == store_id:
        _add_store_share(everything, period, store_id)
    sellers = Seller.objects.in_bulk(everything)
    paid = _paid_out(period)
    return [
        SellerFigures(
            seller=sellers[pk], gross=sums["gross"], discounts=sums["discounts"],
            refunds=sums["refunds"], commission=sums["commission"],
            settled=paid.get(pk, ZERO),
        )
        for pk, sums in sorted(everything.items(),
                               key=lambda item: (not sellers[item[0]].is_store,
                                                 sellers[item[0]].name))
    ]


def _paid_out(period: Period) -> dict[int, Decimal]:
    """Seller id → what the payouts recorded for ranges within the period paid them."""
    return dict(Payout.objects.filter(start__gte=period.start, end__lte=period.end)
                .values("seller_id").annotate(paid=Sum("amount")).order_by()
                .values_list("seller_id", "paid"))


def _add_store_share(everything: dict, period: Period, store_id: int) -> None:
    """The store bears what belongs to no line: shipping discounts, and refunds beyond the
    lines' own (as the Refunds figure counts them)."""
    orders = paid_orders(period).aggregate(shipping=Sum("shipping_discount"),
                                           refunds=Sum(item_refund()))
    lines_refunded = to_cents(paid_lines(period).aggregate(total=Sum("refunded"))["total"]
                              or ZERO)
    extra_discounts = to_cents(orders["shipping"] or ZERO)
    extra_refunds = to_cents(orders["refunds"] or ZERO) - lines_refunded
    if not (extra_discounts or extra_refunds) and store_id not in everything:
        return
    share = everything.setdefault(store_id, dict.fromkeys(
        ("gross", "discounts", "refunds", "commission"), ZERO))
    share["discounts"] += extra_discounts
    share["refunds"] += extra_refunds


def totals(rows: list[SellerFigures]) -> dict[str, Decimal]:
    return {field: sum((getattr(row, field) for row in rows), ZERO)
            for field in ("gross", "discounts", "refunds", "net", "commission", "payable",
                          "settled", "outstanding")}


@transaction.atomic
def record_payout(
    *, seller_id: int, period: Period, reference: str, actor: User, request=None
) -> Payout:
    """The store paid the seller what their lines of the period not yet settled are owed:
    those lines are settled by it. Raises ShopError when nothing is left to pay."""
    reference = reference.strip()
    if not reference:
        raise ShopError("Give the payment's reference (the bank transfer's) to record it.")
    seller = Seller.objects.select_for_update().get(pk=seller_id)
    if seller.is_store:
        raise ShopError("The store does not pay itself.")
    figures = next(iter(statement(period, seller=seller)), None)
    owed = figures.outstanding if figures else ZERO
    if owed <= 0:
        back = f" It owes {-owed} back." if owed < 0 else ""
        raise ShopError(f"{seller.name} has nothing left to be paid for "
                        f"{period.start:%Y-%m-%d} to {period.end:%Y-%m-%d}.{back}")
    payout = Payout.objects.create(seller=seller, start=period.start, end=period.end,
                                   amount=owed, reference=reference, recorded_by=actor)
    open_lines = paid_lines(period).filter(seller=seller, payout__isnull=True)
    OrderLine.objects.filter(pk__in=list(open_lines.values_list("pk", flat=True))).update(
        payout=payout)
    audit.record(request, "seller.payout_recorded", payout, actor=actor, seller=seller.name,
                 amount=payout.amount, start=period.start, end=period.end, reference=reference)
    return payout
