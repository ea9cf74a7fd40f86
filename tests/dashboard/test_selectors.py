"""The panels' reads: best sellers, revenue by category, from the lines of paid orders."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from dashboard import selectors
from dashboard.kpis import Period
from shop.models import Order
from tests.factories import CategoryFactory, OrderFactory, OrderLineFactory, VariantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sold():
    """Boots sell more units, the coat more money; an unpaid order's lines do not count."""
    shoes, coats = CategoryFactory(name="Shoes"), CategoryFactory(name="Coats")
    boot = VariantFactory(price=Decimal("10.00"), product__name="Boot", product__category=shoes)
    coat = VariantFactory(price=Decimal("90.00"), product__name="Coat", product__category=coats)
    paid = OrderFactory(status=Order.Status.PAID, paid_at=timezone.now() - timedelta(hours=2))
    OrderLineFactory(order=paid, variant=boot, quantity=5)
    OrderLineFactory(order=paid, variant=coat, quantity=1)
    gone = OrderLineFactory(order=paid, variant=VariantFactory(price=Decimal("1.00")),
                            product_name="Old thing", quantity=1)
    gone.variant.delete()  # the line keeps its snapshot; its category is gone
    unpaid = OrderFactory(status=Order.Status.EXPIRED)
    OrderLineFactory(order=unpaid, variant=boot, quantity=50)
    return Period.last(7)


def test_top_products_by_revenue_or_by_units(sold):
    by_revenue = selectors.top_products(sold)
    assert [(p.name, p.revenue, p.units) for p in by_revenue] == [
        ("Coat", Decimal("90.00"), 1), ("Boot", Decimal("50.00"), 5),
        ("Old thing", Decimal("1.00"), 1),
    ]
    assert [p.name for p in selectors.top_products(sold, by="units")] == [
        "Boot", "Coat", "Old thing"
    ]
    assert len(selectors.top_products(sold, limit=2)) == 2


def test_revenue_by_category_keeps_lines_of_deleted_products(sold):
    assert [(c.name, c.revenue) for c in selectors.revenue_by_category(sold)] == [
        ("Coats", Decimal("90.00")), ("Shoes", Decimal("50.00")),
        (selectors.UNLISTED, Decimal("1.00")),
    ]


def test_nothing_sold_before_the_period(sold):
    long_ago = Period.last(7, until=timezone.localdate() - timedelta(days=30))
    assert selectors.top_products(long_ago) == []
    assert selectors.revenue_by_category(long_ago) == []
