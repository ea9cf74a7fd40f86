"""The dashboard's panels as the page and the files downloaded show them: the key figures
against the period before, and the charts built from dashboard.kpis and dashboard.selectors
(`chart` for a download, always worked out afresh), with the reports' links. One request's
panels, kept or not, are dashboard.page.Dashboard's.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import accumulate

from django.conf import settings
from django.urls import reverse
from django.utils.http import urlencode

from core.money import ZERO, format_money
from dashboard import charts, kpis, selectors
from dashboard.forms import Choice
from dashboard.kpis import FigureKind, Kpi, Period
from dashboard.reports.definitions import REPORTS

# An increase of these is bad news: their change is shown the other way round.
WORSE_WHEN_UP = {"discounts", "refunds"}


def display(kind: FigureKind, value: Decimal | int | None) -> str:
    """A figure as people read it: money, a count, or a percentage; "–" when unknown."""
    if value is None:
        return "–"
    if kind == FigureKind.MONEY:
        return format_money(value)
    if kind == FigureKind.PERCENT:
        return f"{value * 100:.1f}\N{NO-BREAK SPACE}%"
    return f"{value:,}"


@dataclass(frozen=True)
class Figure:
    """A key figure against the period of the same length before. `earlier_data` says
    whether the shop has data for the whole of that period (see `comparison`)."""

    kpi: Kpi
    value: Decimal | int | None
    previous: Decimal | int | None
    change: Decimal | None
    earlier_data: bool = True

    @property
    def shown(self) -> str:
        return display(self.kpi.kind, self.value)

    @property
    def previous_shown(self) -> str:
        return display(self.kpi.kind, self.previous)

    @property
    def comparison(self) -> str:
        """How the figure is set against the period before:
        - "no-earlier-data": the shop's first paid order came after that period began, so
          part of it has no data at all: a percentage would set a whole period against a
          sliver of one (a year against its first day reads "▲ 49,638.4 %");
        - "new": nothing then (0), something now: a rise from nothing has no percentage;
        - "unknown": a value cannot be worked out (no orders or sessions to divide by);
        - "up", "down" or "flat": a percentage change, `change_shown`."""
        if not self.earlier_data:
            return "no-earlier-data"
        if self.previous == 0 and self.value:
            return "new"
        if self.change is None:
            return "flat" if self.previous == 0 and self.value == 0 else "unknown"
        return "flat" if not self.change else "up" if self.change > 0 else "down"

    @property
    def direction(self) -> str:
        """"up", "down" or "flat": which way the figure went, when that can be said."""
        comparison = self.comparison
        if comparison == "new":
            return "up"
        return comparison if comparison in ("up", "down") else "flat"

    @property
    def news(self) -> str:
        """"good", "bad" or "" (no change): more refunds or discounts are bad news."""
        if self.direction == "flat":
            return ""
        return "good" if (self.direction == "up") != (self.kpi.key in WORSE_WHEN_UP) else "bad"

    @property
    def change_shown(self) -> str:
        """The size of the change (its direction is shown apart); "" when there is none."""
        return "" if self.change is None else f"{abs(self.change):,}\N{NO-BREAK SPACE}%"


def figures(period: Period) -> list[Figure]:
    """Every KPI for the period with its value in the period before (seven queries)."""
    current, previous = kpis.summary(period), kpis.summary(period.previous())
    first = kpis.first_paid_day()
    earlier_data = first is not None and first <= period.previous().start
    return [
        Figure(kpi, current[kpi.key], previous[kpi.key],
               kpis.change(current[kpi.key], previous[kpi.key]), earlier_data)
        for kpi in kpis.DEFINITIONS
    ]


# --- charts -------------------------------------------------------------------------------


def period_label(period: Period) -> str:
    """3 Mar 2025; 3–9 Mar 2025; 24 Feb – 2 Mar 2025; 30 Dec 2024 – 5 Jan 2025: the dash
    closed up between two days of one month, spaced between dates of several words."""
    start, end = period.start, period.end
    if period.days == 1:
        return f"{start:%-d %b %Y}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start:%-d}–{end:%-d %b %Y}"
    if start.year == end.year:
        return f"{start:%-d %b} – {end:%-d %b %Y}"
    return f"{start:%-d %b %Y} – {end:%-d %b %Y}"


def bucket_label(first: date, last: date, step: str, *, short: bool = False) -> str:
    """A bucket as an axis (short) or a table names it."""
    if step == "day":
        return f"{first:%-d %b}" if short else f"{first:%a %-d %b %Y}"
    if short:
        return f"{first:%b %Y}" if step == "month" else f"{first:%-d %b}"
    if step == "month" and first.day == 1 and (last + timedelta(days=1)).day == 1:
        return f"{first:%B %Y}"
    return period_label(Period(first, last))


def sales_chart(choice: Choice, rows: list[dict] | None = None) -> charts.Chart:
    """Net sales per bucket; `rows` are kpis.series() for the choice when already read."""
    step, period = choice.step, choice.period
    rows = kpis.series(period, step) if rows is None else rows
    labels = [bucket_label(row["start"], row["end"], step, short=True) for row in rows]
    values = [row["net_sales"] for row in rows]
    names = [bucket_label(row["start"], row["end"], step) for row in rows]
    total = sum(values, start=ZERO)
    if total:
        best = max(range(len(values)), key=values.__getitem__)
        when = "on" if step == "day" else "in"
        summary = (
            f"Total {format_money(total)}; the highest, {format_money(values[best])}, "
            f"{when} {names[best]}."
        )
    else:
        summary = "No sales in this period."
    table = (
        ("Period", "Gross sales", "Discounts", "Refunds", "Net sales", "Orders"),
        tuple(
            (name, format_money(row["gross_sales"]), format_money(row["discounts"]),
             format_money(row["refunds"]), format_money(row["net_sales"]), f"{row['orders']:,}")
            for name, row in zip(names, rows, strict=True)
        ),
    )
    spec = charts.ChartSpec(
        name="sales", title=f"Net sales by {step}, {period_label(period)}",
        description=f"Columns of net sales (gross sales − discounts − refunds) for each {step}. "
                    f"{summary}",
        labels=labels, fmt=format_money, table=table, empty="No sales in this period",
    )
    return charts.columns(spec, values=values, unit=settings.STORE_CURRENCY)


def customers_chart(choice: Choice, rows: list[dict] | None = None) -> charts.Chart:
    """New customers per bucket, and all customers to date."""
    step, period = choice.step, choice.period
    rows = kpis.series(period, step) if rows is None else rows
    before = kpis.customers_before(period.start)
    new = [row["new_customers"] for row in rows]
    running = list(accumulate(new, initial=before))[1:]
    names = [bucket_label(row["start"], row["end"], step) for row in rows]
    table = (
        ("Period", "New customers", "Customers to date"),
        tuple((name, f"{n:,}", f"{total:,}")
              for name, n, total in zip(names, new, running, strict=True)),
    )
    spec = charts.ChartSpec(
        name="customers", title=f"New customers by {step}, {period_label(period)}",
        description=f"Columns of customers whose first paid order came in each {step}, and a "
                    f"line of all customers to date. {sum(new):,} new, "
                    f"{running[-1] if running else before:,} in all by "
                    f"{period.end:%-d %b %Y}.",
        labels=[bucket_label(row["start"], row["end"], step, short=True) for row in rows],
        fmt=lambda n: f"{n:,}", table=table, empty="No customers in this period",
    )
    return charts.columns_and_line(
        spec, bars=new, line=running, bar_name="New", line_name="All to date"
    )


def top_products_chart(choice: Choice, sums: list[dict] | None = None) -> charts.Chart:
    """`sums`: selectors.product_sums for the choice's period, when already read."""
    period, by = choice.period, choice.top
    sold = selectors.top_products(period, by=by, sums=sums)
    measure = "revenue" if by == "revenue" else "units sold"
    values = [row.revenue if by == "revenue" else row.units for row in sold]
    fmt = format_money if by == "revenue" else (lambda n: f"{n:,}")
    leader = f" First: {sold[0].name}, {fmt(values[0])}." if sold else ""
    table = (
        ("Product", "Revenue", "Units"),
        tuple((row.name, format_money(row.revenue), f"{row.units:,}") for row in sold),
    )
    spec = charts.ChartSpec(
        name="top-products",
        title=f"Top {len(sold) or selectors.TOP} products by {measure}, {period_label(period)}",
        description=f"Bars of the best-selling products by {measure} (line totals before "
                    f"order discounts, tax and shipping).{leader}",
        labels=[row.name for row in sold], fmt=fmt, table=table,
        empty="Nothing sold in this period",
    )
    return charts.ranked_bars(spec, values=values)


def categories_chart(choice: Choice, sums: list[dict] | None = None) -> charts.Chart:
    """`sums`: selectors.product_sums for the choice's period, when already read."""
    period = choice.period
    sold = selectors.revenue_by_category(period, sums=sums)
    total = sum((row.revenue for row in sold), start=ZERO)
    table = (
        ("Category", "Revenue", "Share", "Units"),
        tuple((row.name, format_money(row.revenue), _share(row.revenue, total), f"{row.units:,}")
              for row in sold),
    )
    lead = f" {sold[0].name} leads with {format_money(sold[0].revenue)}." if sold else ""
    spec = charts.ChartSpec(
        name="categories", title=f"Revenue by category, {period_label(period)}",
        description="Bars of line totals (before order discounts, tax and shipping) for each "
                    f"category, {format_money(total)} in all.{lead}",
        labels=[row.name for row in sold], fmt=format_money, table=table,
        empty="Nothing sold in this period",
    )
    return charts.ranked_bars(spec, values=[row.revenue for row in sold])


def _share(part: Decimal, whole: Decimal) -> str:
    """`part` as a percentage of `whole`; "–" when the whole is nothing (only free items
    sold)."""
    return f"{part * 100 / whole:.1f} %" if whole else "–"


# Each chart by the name its URL and its file carry.
CHARTS = {
    "sales": sales_chart,
    "customers": customers_chart,
    "top-products": top_products_chart,
    "categories": categories_chart,
}


def chart(name: str, choice: Choice) -> charts.Chart:
    """One of CHARTS for the choice; KeyError for another name."""
    return CHARTS[name](choice)


@dataclass(frozen=True)
class ReportLink:
    """Where to download one of the finance reports for a period, as CSV and as XLSX."""

    title: str
    csv: str
    xlsx: str


def report_links(period: Period) -> list[ReportLink]:
    query = "?" + urlencode({"start": period.start.isoformat(), "end": period.end.isoformat()})
    return [
        ReportLink(report.title,
                   *(reverse("dashboard:report", args=[name, file_format]) + query
                     for file_format in ("csv", "xlsx")))
        for name, report in REPORTS.items()
    ]
