"""One request's dashboard: its panels, each worked out only when a template asks for it, so
a request for one fragment runs that fragment's queries and no others.

The costly panels (the key figures, the four charts and low stock) are kept in the cache for
a minute under the period and the choices they depend on (dashboard.panel_cache: when one
falls due, one request works it out again while the others show the copy they have), so
that the page answers in milliseconds however many orders a year holds; the orders to review
and the recent orders are read as they are. The period's section of the page and the
low-stock panel are kept too, as HTML (`Dashboard.section`, `Dashboard.low_stock_panel`)
rendered from their panels worked out afresh: rendering them took about a quarter of the
page's time.
"""

from collections.abc import Callable
from functools import cached_property

from dashboard import charts, forecasts, kpis, selectors
from dashboard.forms import PRESETS, Choice
from dashboard.panel_cache import kept, renewed
from dashboard.panels import (
    Figure,
    ReportLink,
    categories_chart,
    customers_chart,
    figures,
    period_label,
    report_links,
    sales_chart,
    top_products_chart,
)
from monitoring import alerts
from monitoring.alerts import Alert
from shop.models import Order

LOW_STOCK_ROWS = 20


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

    def _keep[T](self, name: str, compute: Callable[[], T], *depends_on: str) -> T:
        """A panel kept (dashboard.panel_cache), or worked out afresh when the page is."""
        return (renewed if self.fresh else kept)(name, compute, *depends_on)

    def _kept[T](self, name: str, compute: Callable[[], T], *depends_on: str) -> T:
        """The period's panel, kept."""
        period = self.choice.period
        return self._keep(name, compute, f"{period.start}", f"{period.end}", *depends_on)

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
        return self._keep(name, compute, f"{kpis.today()}", *depends_on)

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
