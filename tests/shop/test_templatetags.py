from decimal import Decimal

import pytest
from django.http import QueryDict

from core.money import format_money as money
from shop.templatetags.shop import clean_query


@pytest.mark.parametrize(
    ("amount", "shown"),
    [(Decimal("1234.5"), "$1,234.50"), (Decimal("0.005"), "$0.01"), (Decimal("19"), "$19.00")],
)
def test_money_rounds_half_up_to_cents(amount, shown):
    assert money(amount) == shown


def test_money_without_a_symbol_names_the_currency(settings):
    settings.STORE_CURRENCY = "SEK"
    assert money(Decimal("99.9")) == "99.90 SEK"


def test_clean_query_drops_empty_fields_and_keeps_repeats():
    params = QueryDict("q=&size=M&size=L&category=&page=3&sort=price")
    assert clean_query(params, page=None) == "size=M&size=L&sort=price"
    assert clean_query(params, page=2) == "page=2&size=M&size=L&sort=price"
