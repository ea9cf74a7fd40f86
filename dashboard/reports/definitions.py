"""The reports finance pulls: for each, its columns, where its rows come from and what its
totals row holds. The CSV and XLSX writers know nothing of any one report.

Locked: a report's totals equal the dashboard's key figures for the same range (the sales
report's subtotal, discount, item refunds, net sales and row count; the daily report's
totals row is `kpis.summary` itself).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from dashboard import kpis
from dashboard.kpis import Period
from dashboard.reports import selectors

# Column kinds: how a value is written (CSV) and formatted (XLSX).
TEXT, DATE, DATETIME = "text", "date", "datetime"
MONEY, COUNT, PERCENT = "money", "count", "percent"


@dataclass(frozen=True)
class Column:
    label: str
    kind: str  # one of TEXT, DATE, DATETIME, MONEY, COUNT, PERCENT
    width: int  # in characters, for the spreadsheet
    summed: bool = False  # the totals row adds it up


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    columns: tuple[Column, ...]
    rows: Callable[[Period], Iterable[tuple]]
    note: str = ""
    # The totals row from (period, the sums of the summed columns by index, row count);
    # None: "Total" and the sums.
    totals: Callable[[Period, dict[int, object], int], list] | None = None

    def totals_row(self, period: Period, sums: dict[int, object], count: int) -> list:
        if self.totals is not None:
            return self.totals(period, sums, count)
        return ["Total", *(sums.get(index) for index in range(1, len(self.columns)))]


def _daily_rows(period: Period) -> Iterable[tuple]:
    for row in kpis.daily(period):
        yield (row["day"], *(row[key] for key in kpis.KEYS))


def _daily_totals(period: Period, sums: dict[int, object], count: int) -> list:
    figures = kpis.summary(period)
    return ["Total", *(figures[key] for key in kpis.KEYS)]


def kpi_kind(kind: str) -> str:
    """The column kind of a key figure's kind (dashboard.kpis.Kpi.kind)."""
    return {"money": MONEY, "count": COUNT, "percent": PERCENT}[kind]


SALES = Report(
    name="sales",
    title="Sales",
    columns=(
        Column("Paid", DATETIME, 17),
        Column("Order", TEXT, 13),
        Column("Customer email", TEXT, 30),
        Column("Status", TEXT, 18),
        Column("Currency", TEXT, 9),
        Column("Subtotal", MONEY, 12, summed=True),
        Column("Discount", MONEY, 11, summed=True),
        Column("Shipping", MONEY, 11, summed=True),
        Column("Tax", MONEY, 10, summed=True),
        Column("Total", MONEY, 12, summed=True),
        Column("Refunded", MONEY, 11, summed=True),
        Column("Item refunds", MONEY, 12, summed=True),
        Column("Net sales", MONEY, 12, summed=True),
        Column("Provider", TEXT, 10),
        Column("Provider reference", TEXT, 30),
    ),
    rows=selectors.sales_rows,
    note=(
        "One row per order paid in the period, by the time it was paid (store time). "
        "Refunded is all the money given back, tax and shipping included; item refunds is "
        "that refund up to the value of the items after discounts, as the Refunds figure "
        "counts it. Net sales = subtotal − discount − item refunds."
    ),
)

PRODUCTS = Report(
    name="products",
    title="Products",
    columns=(
        Column("SKU", TEXT, 18),
        Column("Product", TEXT, 34),
        Column("Category", TEXT, 28),
        Column("Units sold", COUNT, 11, summed=True),
        Column("Gross", MONEY, 12, summed=True),
        Column("Refunds", MONEY, 12, summed=True),
        Column("Net", MONEY, 12, summed=True),
        Column("On hand", COUNT, 9),
        Column("Reserved", COUNT, 9),
        Column("Available", COUNT, 10),
    ),
    rows=selectors.product_rows,
    note=(
        "One row per SKU sold in orders paid in the period. Gross is the line totals before "
        "order discounts; refunds are the units returned to stock × their unit price; net = "
        "gross − refunds. Stock is as it is now."
    ),
)

DAILY = Report(
    name="daily",
    title="Daily",
    columns=(
        Column("Day", DATE, 12),
        *(Column(kpi.label, kpi_kind(kpi.kind), max(12, len(kpi.label) + 2))
          for kpi in kpis.DEFINITIONS),
    ),
    rows=_daily_rows,
    note="One row per day with the key figures; the totals row holds the whole period's.",
    totals=_daily_totals,
)

REPORTS: dict[str, Report] = {report.name: report for report in (SALES, PRODUCTS, DAILY)}
