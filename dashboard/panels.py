"""The dashboard's panels, each worked out only when a template asks for it: a request for one
fragment runs that fragment's queries and no others.

The charts are built here from dashboard.kpis and dashboard.selectors, for the page and for
the files downloaded (`chart`).

The costly panels (the key figures, the four charts and low stock) are kept in the cache for
a minute under the period and the choices they depend on (dashboard.panel_cache: when one
falls due, one request works it out again while the others show the copy they have), so
that the page answers in milliseconds however many orders a year holds; the orders to review
and the recent orders are read as they are. The period's section of the page and the
low-stock panel are kept too, as HTML (`Dashboard.section`, `Dashboard.low_stock_panel`)
rendered from their panels worked out afresh: rendering them took about a quarter of the
page's time. Chart downloads and the reports are always worked out afresh.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property
from itertools import accumulate

from django.conf import settings
from django.urls import reverse
from django.utils.http import urlencode

from core.money import ZERO, format_money
from dashboard import charts, forecasts, kpis, selectors
from dashboard.forms import PRESETS, Choice
from dashboard.kpis import FigureKind, Kpi, Period
from dashboard.panel_cache import kept, renewed
from dashboard.reports.definitions import REPORTS
from monitoring import alerts
from monitoring.alerts import Alert
from shop.models import Order

LOW_STOCK_ROWS = 20
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


class Dashboard:
    """The panels of one request, each computed the first time a template reads it: kept
    (dashboard.panel_cache), or, when `fresh`, worked out afresh and kept in place of the
    copy there was."""

    def __init__(self, choice: Choice, *, fresh: bool = False) -> None:
        self.choice = choice
        self.fresh = fresh

    @property
    def showing(self) -> str:
        """What the page shows, said once: "last 30 days, 4 Nov – 3 Dec 2026" for a named
        period, "1–30 Nov 2026" for a custom range."""
        preset = PRESETS.get(self.choice.period_name)
        return f"{preset.lower()}, {self.dates}" if preset else self.dates

    @property
    def dates(self) -> str:
        return period_label(self.choice.period)

    @property
    def previous_label(self) -> str:
        return period_label(self.choice.period.previous())

    @property
    def reports(self) -> list[ReportLink]:
        """The finance reports for the period shown (for staff who may export them)."""
        return report_links(self.choice.period)

    def _kept[T](self, name: str, compute: Callable[[], T], *depends_on: str) -> T:
        """The period's panel, kept (dashboard.panel_cache)."""
        period = self.choice.period
        keep = renewed if self.fresh else kept
        return keep(name, compute, f"{period.start}", f"{period.end}", *depends_on)

    def section(self, render: Callable[[], str], *depends_on: str) -> str:
        """The period's section of the page (its figures, charts and controls) as HTML,
        kept as its panels are. `render` renders it from a fresh Dashboard, which keeps the
        panels it works out: the copy shows what each panel redrawn alone shows, and is no
        older. It shows the choice, through its query string, and what `depends_on` names
        (the address the site is served under, what the viewer may do there)."""
        return self._kept("section", render, self.choice.query(), *depends_on)

    @cached_property
    def figures(self) -> list[Figure]:
        return self._kept("figures", lambda: figures(self.choice.period))

    @cached_property
    def series(self) -> list[dict]:
        return kpis.series(self.choice.period, self.choice.step)

    @cached_property
    def sales(self) -> charts.Chart:
        return self._kept("sales", lambda: sales_chart(self.choice, self.series), self.choice.step)

    @cached_property
    def customers(self) -> charts.Chart:
        return self._kept("customers", lambda: customers_chart(self.choice, self.series),
                          self.choice.step)

    @cached_property
    def _product_sums(self) -> list[dict] | None:
        # Read once for the two panels that rank them, only when one is worked out.
        return selectors.product_sums(self.choice.period)

    @cached_property
    def top_products(self) -> charts.Chart:
        return self._kept("top-products",
                          lambda: top_products_chart(self.choice, self._product_sums),
                          self.choice.top)

    @cached_property
    def categories(self) -> charts.Chart:
        return self._kept("categories", lambda: categories_chart(self.choice, self._product_sums))

    def _kept_today[T](self, name: str, compute: Callable[[], T], *depends_on: str) -> T:
        """A panel of the stock, kept (dashboard.panel_cache) for today: what it shows changes
        by the day."""
        keep = renewed if self.fresh else kept
        return keep(name, compute, f"{kpis.today()}", *depends_on)

    def low_stock_panel(self, render: Callable[[], str], *depends_on: str) -> str:
        """The low-stock panel as HTML, kept as its rows are; `render` renders it from a
        fresh Dashboard (see `section`)."""
        return self._kept_today("low-stock-panel", render, *depends_on)

    @cached_property
    def _low_stock(self) -> list[selectors.LowStock]:
        # One more than shown: are there others?
        return self._kept_today("low-stock",
                                lambda: selectors.low_stock(limit=LOW_STOCK_ROWS + 1))

    @property
    def low_stock(self) -> list[selectors.LowStock]:
        return self._low_stock[:LOW_STOCK_ROWS]

    @property
    def more_low_stock(self) -> bool:
        return len(self._low_stock) > LOW_STOCK_ROWS

    @cached_property
    def forecasts(self) -> forecasts.Summary:
        """The stock forecasts' backtest, as the last recompute left it."""
        return self._kept_today("forecast-backtest", forecasts.summary)

    @cached_property
    def needs_review(self) -> list[Order]:
        return selectors.orders_needing_review()

    @cached_property
    def flagged(self) -> selectors.Flagged:
        return self._kept("flagged", lambda: selectors.flagged_share(self.choice.period))

    @cached_property
    def recent_orders(self) -> list[Order]:
        return selectors.recent_orders()

    @cached_property
    def to_ship(self) -> list[Order]:
        return selectors.orders_to_ship()

    @cached_property
    def alerts(self) -> list[Alert]:
        return alerts.active_alerts()
