from decimal import Decimal

import pytest

from shop.services import pricing

D = Decimal


def test_line_totals_round_half_up_to_the_cent():
    assert pricing.line_total(D("0.125"), 1) == D("0.13")
    assert pricing.line_total(D("19.99"), 3) == D("59.97")


def test_tax_is_rounded_on_each_line_and_on_shipping():
    totals = pricing.price_order(
        line_totals=[D("0.05"), D("0.05")], shipping=D("0.05"), tax_rate=D("0.10")
    )
    # Each 0.005 rounds up to 0.01: three roundings, not one of 0.015.
    assert totals.tax == D("0.03")


def test_the_total_is_subtotal_plus_shipping_plus_tax_minus_discount():
    totals = pricing.price_order(
        line_totals=[D("40.00"), D("19.99")], shipping=D("5.00"), tax_rate=D("0.08"),
        discount=D("2.00"),
    )
    assert totals.subtotal == D("59.99")
    assert totals.tax == D("3.20") + D("1.60") + D("0.40")
    assert totals.total == totals.subtotal + totals.shipping + totals.tax - totals.discount
    assert totals.total == D("68.19")


def test_no_tax_at_a_zero_rate():
    totals = pricing.price_order(line_totals=[D("10.00")], shipping=D("5.00"), tax_rate=D("0"))
    assert totals.tax == D("0.00")
    assert totals.total == D("15.00")


@pytest.mark.parametrize(
    ("subtotal", "expected"),
    [(D("74.99"), D("5.00")), (D("75.00"), D("0.00")), (D("200.00"), D("0.00"))],
)
def test_shipping_is_free_from_the_threshold(subtotal, expected):
    cost = pricing.shipping_cost(price=D("5.00"), free_above=D("75.00"), subtotal=subtotal)
    assert cost == expected


def test_shipping_without_a_threshold_always_costs_its_price():
    assert pricing.shipping_cost(price=D("15.00"), free_above=None, subtotal=D("999")) == D("15.00")
