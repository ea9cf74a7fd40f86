"""The dashboard's order tables' rows, written in Python (dashboard.templatetags.order_rows):
what the template loop they replace wrote, cell for cell."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from dashboard import selectors
from dashboard.templatetags.order_rows import order_rows, review_rows
from shop.models import Order
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db

PLACED = datetime(2026, 3, 7, 18, 5, tzinfo=UTC)


@pytest.fixture
def order(settings):
    settings.TIME_ZONE = "America/New_York"  # the store's: 18:05 UTC is 13:05 there
    placed = OrderFactory(number="ABCDE-23456", email="<b>ada</b>@example.com",
                          status=Order.Status.PARTIALLY_SHIPPED, subtotal=Decimal("1229.50"))
    Order.objects.filter(pk=placed.pk).update(created_at=PLACED)  # set when saved
    placed.refresh_from_db()
    return placed


def test_an_order_row_links_to_the_admin_and_escapes_what_a_customer_wrote(order):
    link = reverse("admin:shop_order_change", args=[order.pk])
    assert order_rows([order]) == (
        f'<tr><td><a href="{link}">ABCDE-23456</a></td><td>7 Mar, 13:05</td>'
        "<td>&lt;b&gt;ada&lt;/b&gt;@example.com</td><td>Partially shipped</td>"
        '<td class="num">$1,234.50</td></tr>\n'
    )
    assert order_rows([]) == ""


def test_a_held_order_row_says_its_score_and_why_or_that_staff_flagged_it(order):
    Order.objects.filter(pk=order.pk).update(needs_review=True)
    [held] = selectors.orders_needing_review()
    link = reverse("admin:shop_order_change", args=[order.pk])
    assert review_rows([held]) == (
        f'<tr><td><a href="{link}">ABCDE-23456</a></td><td>7 Mar, 13:05</td>'
        '<td>Partially shipped</td><td class="num">$1,234.50</td>'
        '<td class="num"><span class="muted">–</span></td>'
        '<td><span class="muted">Flagged by staff: see its timeline.</span></td></tr>\n'
    )
    held.risk_score, held.held_for = 55, "Risk score 55: <many> cards (+30)"
    assert review_rows([held]).endswith(
        '<td class="num">55</td><td>Risk score 55: &lt;many&gt; cards (+30)</td></tr>\n'
    )
