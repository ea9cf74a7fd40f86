"""The reports finance pulls: for each, its columns, where its rows come from and what its
totals row holds. The CSV and XLSX writers know nothing of any one report.

Locked: a report's totals equal the dashboard's key figures for the same range (the sales
report's subtotal, discount, item refunds, net sales and row count; the products report's
gross, discounts, refunds, net sales and units sold; the daily report's totals row is
`kpis.summary` itself; the promotions report's discount given is the Discounts figure).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property

from django.db.models import QuerySet

from dashboard import forecasts, kpis, payouts
from dashboard.kpis import Period
from dashboard.reports import selectors

# Column kinds: how a value is written (CSV) and formatted (XLSX).
TEXT, DATE, DATETIME = "text", "date", "datetime"
MONEY, COUNT, PERCENT = "money", "count", "percent"


class Figures:
    """The key figures of a report's period, each read the first time it is asked for and
    then kept: the sheets of one workbook (the rows, the totals, Summary, Charts) share
    them."""

    def __init__(self, period: Period):
        self.period = period

    @cached_property
    def daily(self) -> list[dict]:
        return kpis.daily(self.period)

    @cached_property
    def summary(self) -> dict:
        return kpis.summary(self.period)


@dataclass(frozen=True)
class Column:
    label: str
    kind: str  # one of TEXT, DATE, DATETIME, MONEY, COUNT, PERCENT
    width: int  # in characters, for the spreadsheet
    summed: bool = False  # the totals row adds it up


@dataclass(frozen=True)
class Bars:
    """A chart of a report's own rows, for its workbook's Charts sheet: one bar per row,
    named `label(row)`, as long as the row's value in the column labelled `column`."""

    title: str
    labels: str  # the heading of the bars' names in the chart's table
    column: str
    label: Callable[[tuple], str]


@dataclass(frozen=True)
class Query:
    """A report's rows as one query, which the writers read through PostgreSQL's COPY
    (copy_out): `rows(period)` an ordered queryset and `fields` its fields, one per column,
    holding what the report's `rows` yield, but for moments, which stay as stored (copy_out
    turns them to store time)."""

    rows: Callable[[Period], QuerySet]
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    columns: tuple[Column, ...]
    rows: Callable[[Figures], Iterable[tuple]]
    note: str = ""
    # The totals row from the period's figures; None: "Total" and the sums of the summed
    # columns.
    totals: Callable[[Figures], list] | None = None
    bars: Bars | None = None  # a chart of the rows, beside the period's charts
    # The workbook's Summary and Charts sheets of the whole store's figures; off for what a
    # seller downloads of their own.
    store_figures: bool = True
    query: Query | None = None  # the rows as one query, where a writer can use it

    def totals_row(self, figures: Figures, sums: dict[int, object]) -> list:
        """The totals row, given the sums of the summed columns by index."""
        if self.totals is not None:
            return self.totals(figures)
        return ["Total", *(sums.get(index) for index in range(1, len(self.columns)))]


def _sales_rows(figures: Figures) -> Iterable[tuple]:
    return selectors.sales_rows(figures.period)


def _product_rows(figures: Figures) -> Iterable[tuple]:
    return selectors.product_rows(figures.period)


def _promotion_rows(figures: Figures) -> Iterable[tuple]:
    return selectors.promotion_rows(figures.period)


def _promotion_totals(figures: Figures) -> list:
    return selectors.promotion_totals(figures.period)


def _promotion_label(row: tuple) -> str:
    name, code = row[0], row[1]
    return f"{name} ({code})" if code else name


def _daily_rows(figures: Figures) -> Iterable[tuple]:
    for row in figures.daily:
        yield (row["day"], *(row[key] for key in kpis.KEYS))


def _daily_totals(figures: Figures) -> list:
    return ["Total", *(figures.summary[key] for key in kpis.KEYS)]


def kpi_kind(kind: kpis.FigureKind) -> str:
    """The column kind of a key figure's kind (dashboard.kpis.Kpi.kind)."""
    return {
        kpis.FigureKind.MONEY: MONEY, kpis.FigureKind.COUNT: COUNT,
        kpis.FigureKind.PERCENT: PERCENT,
    }[kind]


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
    rows=_sales_rows,
    query=Query(selectors.sales_orders, selectors.SALES_FIELDS),
    note=(
        "One row per order paid in the period, by the time it was paid (store time). "
        "Refunded is all the money given back, tax and shipping included; item refunds is "
        "that refund as the Refunds figure counts it: refunded ÷ (1 + the order’s tax rate), "
        "at most subtotal − discount, rounded to the cent. "
        "Net sales = subtotal − discount − item refunds."
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
        Column("Discounts", MONEY, 12, summed=True),
        Column("Refunds", MONEY, 12, summed=True),
        Column("Net sales", MONEY, 12, summed=True),
        Column("On hand", COUNT, 9),
        Column("Reserved", COUNT, 9),
        Column("Available", COUNT, 10),
    ),
    rows=_product_rows,
    note=(
        "One row per SKU sold in orders paid in the period. Gross is the line totals before "
        "order discounts. Discounts and refunds are made per order, not per line: each "
        "order's discount, and its refund as the Refunds figure counts it (without tax, at "
        "most its items after discounts), is shared out to its lines in proportion to their "
        "line totals, in cents that add up to the order's amount. Net sales = gross − "
        "discounts − refunds, as the Net sales figure: the columns add up to the Gross "
        "sales, Discounts, Refunds and Net sales figures. Stock is as it is now."
    ),
)

PROMOTIONS = Report(
    name="promotions",
    title="Promotions",
    columns=(
        Column("Promotion", TEXT, 30),
        Column("Code", TEXT, 16),
        Column("Orders", COUNT, 9),
        Column("Units", COUNT, 9),
        Column("Discount given", MONEY, 15, summed=True),
        Column("Gross sales", MONEY, 13),
        Column("Net sales", MONEY, 13),
        Column("Average order value", MONEY, 20),
        Column("Average order value, no discount (whole range)", MONEY, 24),
    ),
    rows=_promotion_rows,
    note=(
        "One row per promotion and code (as the orders recorded them) that took something "
        "off orders paid in the period; the code is blank for an automatic offer. Units are "
        "those it took something off (none for free shipping). Discount given is what it "
        "took off, the shipping of a free-shipping promotion included, as the Discounts "
        "figure counts it: the column adds up to that figure. Orders, gross sales (their "
        "subtotals), net sales (subtotal − the order’s whole discount − item refunds, as in "
        "the sales report) and average order value ((gross sales − discounts) ÷ orders) are "
        "those of the orders that used it: an order with an offer and a code is in both "
        "rows, and counted once in the totals row. The last column is the same on every "
        "row: the average order value of the period’s orders with no discount, to compare "
        "against."
    ),
    totals=_promotion_totals,
    bars=Bars(title="Discount given by promotion", labels="Promotion",
              column="Discount given", label=_promotion_label),
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

def _payout_rows(figures: Figures) -> Iterable[tuple]:
    for row in payouts.statement(figures.period):
        yield (row.seller.name, row.seller.get_status_display(), row.gross, row.discounts,
               row.refunds, row.net, row.commission, row.payable, row.settled, row.outstanding)


PAYOUTS = Report(
    name="payouts",
    title="Payouts",
    columns=(
        Column("Shop", TEXT, 30),
        Column("Status", TEXT, 16),
        Column("Gross sales", MONEY, 13, summed=True),
        Column("Discounts", MONEY, 12, summed=True),
        Column("Refunds", MONEY, 12, summed=True),
        Column("Net sales", MONEY, 13, summed=True),
        Column("Commission", MONEY, 13, summed=True),
        Column("Payable", MONEY, 13, summed=True),
        Column("Paid out", MONEY, 12, summed=True),
        Column("Outstanding", MONEY, 13, summed=True),
    ),
    rows=_payout_rows,
    note=(
        "One row per shop with lines in orders paid in the period, the store first. Gross "
        "sales are its lines' totals, discounts their share of the orders' discounts, refunds "
        "what was given back for its lines before tax. The store also bears what belongs to "
        "no line (shipping discounts, refunds of an amount), so the columns add up to the "
        "Gross sales, Discounts, Refunds and Net sales figures. Commission is each line's "
        "rate (as when it was bought) of its net sales, rounded once per shop and rate. "
        "Payable = net sales − commission; paid out is what recorded payouts settled, "
        "outstanding the rest."
    ),
)

def _reorder_rows(figures: Figures) -> Iterable[tuple]:
    for row in forecasts.reorders():
        earliest, expected, latest = row.reorder.runs_out
        yield (row.variant.sku, row.variant.product.name, row.variant.options, row.available,
               f"{row.reorder.per_day:.2f}", row.reorder.method, f"{row.model_error:.3f}",
               f"{row.naive_error:.3f}", expected, earliest, latest,
               f"{row.reorder.expected:.1f}", f"{row.reorder.high:.1f}", row.reorder.quantity,
               row.why)


REORDER = Report(
    name="reorder",
    title="Reorder",
    columns=(
        Column("SKU", TEXT, 16),
        Column("Product", TEXT, 30),
        Column("Options", TEXT, 14),
        Column("Available", COUNT, 10),
        Column("Forecast a day", TEXT, 14),
        Column("Method", TEXT, 20),
        Column("Backtest error a day", TEXT, 18),
        Column("Naive error a day", TEXT, 16),
        Column("Runs out", DATE, 12),
        Column("Runs out, earliest", DATE, 16),
        Column("Runs out, latest", DATE, 14),
        Column("Expected over lead and cover", TEXT, 18),
        Column("High end", TEXT, 10),
        Column("Order", COUNT, 8, summed=True),
        Column("Why", TEXT, 60),
    ),
    rows=_reorder_rows,
    note=(
        "What to order now, as the last forecast says (the period chosen does not change it): "
        "every variant whose forecast over the lead time and the cover after it (settings "
        "REORDER_LEAD_DAYS and REORDER_COVER_DAYS), at the high end of its range, is more than "
        "what is available, soonest to run out first. Each forecast is trend and weekday "
        "effects fitted to the last 12 weeks of sales, or the last 4 weeks' average where "
        "that did better in the backtest of the last 8 weeks; the range is the backtest's "
        "error (about 80 % of outcomes inside it)."
    ),
    store_figures=False,
)

REPORTS: dict[str, Report] = {
    report.name: report for report in (SALES, PRODUCTS, PROMOTIONS, DAILY, PAYOUTS, REORDER)
}
