"""`{{ orders|order_rows }}`, `{{ orders|review_rows }}`: the rows of the dashboard's order
tables, written here rather than in a template loop (as the charts' tables are,
dashboard.charts.Chart.table_rows). The three tables are read live on every request; their
thirty rows in a template loop took about a tenth of the page's time, the rest of which
mostly comes from the cache."""

from collections.abc import Iterable

from django.template import Library
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.timezone import localtime

from core.money import format_money
from core.templatetags.admin_links import admin_change_url
from shop.models import Order

register = Library()

PLACED = "j M, H:i"  # as the date filter writes it, in the store's time zone
ORDER_ROW = ('<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td>'
             '<td class="num">{}</td></tr>\n')
REVIEW_ROW = ('<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td class="num">{}</td>'
              '<td class="num">{}</td><td>{}</td></tr>\n')


@register.filter
def order_rows(orders: Iterable[Order]) -> SafeString:
    """Order (to the admin), placed, customer, status, total."""
    return format_html_join("", ORDER_ROW, (
        (admin_change_url(order), order.number, _placed(order), order.email,
         order.get_status_display(), format_money(order.total))
        for order in orders
    ))


@register.filter
def review_rows(orders: Iterable[Order]) -> SafeString:
    """Orders held for review (dashboard.selectors.orders_needing_review): order (to the
    admin), placed, status, total, risk score and why it is held."""
    return format_html_join("", REVIEW_ROW, (
        (admin_change_url(order), order.number, _placed(order), order.get_status_display(),
         format_money(order.total),
         _muted("–") if order.risk_score is None else order.risk_score,
         order.held_for or _muted("Flagged by staff: see its timeline."))
        for order in orders
    ))


def _placed(order: Order) -> str:
    return date_format(localtime(order.created_at), PLACED)


def _muted(text: str) -> SafeString:
    return format_html('<span class="muted">{}</span>', text)
