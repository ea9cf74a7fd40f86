"""Building the dashboard's rollups: every one worked out afresh from the rows it sums
(`manage.py build_dashboard_rollups`, the demo's history, the benchmark's seed), but for the
sessions of days whose SessionDay rows are gone, kept as they were. One transaction: the
dashboard sees the old rollups or the new ones, never a mix. Orders paid while it runs may
be missed: build when no payment comes in, or build again. dashboard.rollups keeps them in
step afterwards.
"""

from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from dashboard import kpis, rollup_figures
from dashboard import rollup_sums as sums
from dashboard.models import (
    DailyCustomers,
    DailyRisk,
    DailySales,
    DailySalesSlot,
    ProductSales,
    RollupBuild,
)
from shop.models import Order, OrderLine


@dataclass(frozen=True)
class Built:
    days: int
    customer_rows: int
    product_rows: int
    seconds: float


@transaction.atomic
def build() -> Built:
    """Every rollup worked out afresh from the orders and sessions."""
    started = timezone.now()
    # The sessions kept on the DailySales rows stay: a day whose SessionDay rows are gone
    # (reduced to its totals by the retention job) cannot be counted again.
    for model in (DailySalesSlot, DailyCustomers, ProductSales, DailyRisk):
        model.objects.all().delete()
    paid = Order.objects.filter(paid_at__isnull=False)
    lines = OrderLine.objects.filter(order__paid_at__isnull=False)
    sales = sums.sales_by_day(paid, lines)
    DailySalesSlot.objects.bulk_create(
        (DailySalesSlot(day=day, slot=0, **sums) for day, sums in sales.items()),
        batch_size=sums.BATCH)
    customers = sums.customer_counts(paid)
    DailyCustomers.objects.bulk_create(
        (DailyCustomers(day=day, kind=kind, previous_day=previous, customers=n)
         for (day, kind, previous), n in customers.items()),
        batch_size=sums.BATCH,
    )
    products = sums.product_rows(sums.products_by_day(lines))
    ProductSales.objects.bulk_create(products, batch_size=sums.BATCH)
    DailyRisk.objects.bulk_create(
        (DailyRisk(day=day, score=score, slot=slot, orders=n)
         for (day, score, slot), n in sums.risk_counts(Order.objects.all()).items()),
        batch_size=sums.BATCH,
    )
    rollup_figures.count_closed_sessions(today=kpis.today(), recount=True)
    _analyze(DailySalesSlot, DailyCustomers, ProductSales, DailyRisk, DailySales)
    days = sorted(sales)
    RollupBuild.objects.all().delete()
    RollupBuild.objects.create(built_at=started, first_day=days[0] if days else None,
                               last_day=days[-1] if days else None)
    rollup_figures.forget_built()  # here, for this transaction, and after it commits
    transaction.on_commit(rollup_figures.forget_built)
    return Built(len(sales), len(customers), len(products),
                 round((timezone.now() - started).total_seconds(), 2))


def _analyze(*models: type[Model]) -> None:
    """The planner's statistics for tables just filled: without them it takes a year's
    rows for a handful and reads them the slow way."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in models:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
