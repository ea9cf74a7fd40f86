"""Stock: reserve, commit, release and restock keep 0 <= reserved <= on_hand."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shop.errors import OutOfStock
from shop.models import Order
from shop.services import inventory, orders
from tests.factories import VariantFactory
from tests.shop.buying import place

pytestmark = pytest.mark.django_db


def stock(variant):
    variant.refresh_from_db()
    return variant.on_hand, variant.reserved


def test_reserving_holds_units_without_taking_them_off_the_shelf():
    variant = VariantFactory(on_hand=5)
    inventory.reserve_stock(quantities={variant.pk: 3})
    assert stock(variant) == (5, 3)


def test_reserving_is_all_or_nothing_and_names_the_short_line():
    plenty = VariantFactory(on_hand=10)
    scarce = VariantFactory(on_hand=2, product__name="Wool Scarf", size="", color="Grey")
    with pytest.raises(OutOfStock) as error, transaction.atomic():
        inventory.reserve_stock(quantities={plenty.pk: 1, scarce.pk: 3})
    assert "Only 2 of “Wool Scarf (Grey)” left" in error.value.message
    assert stock(plenty) == (10, 0)
    assert stock(scarce) == (2, 0)


def test_a_sold_out_line_says_so():
    variant = VariantFactory(on_hand=1, reserved=1, product__name="Canvas Tote", size="")
    with pytest.raises(OutOfStock, match="“Canvas Tote” is sold out"):
        inventory.reserve_stock(quantities={variant.pk: 1})


def test_an_inactive_product_cannot_be_reserved():
    variant = VariantFactory(on_hand=5, product__is_active=False)
    with pytest.raises(OutOfStock, match="no longer sold"):
        inventory.reserve_stock(quantities={variant.pk: 1})


def test_commit_takes_reserved_units_off_the_shelf():
    variant = VariantFactory(on_hand=5, reserved=3)
    inventory.commit_stock(quantities={variant.pk: 3})
    assert stock(variant) == (2, 0)


def test_release_frees_reserved_units():
    variant = VariantFactory(on_hand=5, reserved=3)
    inventory.release_stock(quantities={variant.pk: 2})
    assert stock(variant) == (5, 1)


def test_restock_puts_units_back_on_the_shelf():
    variant = VariantFactory(on_hand=2)
    inventory.restock(quantities={variant.pk: 3})
    assert stock(variant) == (5, 0)


def test_many_lines_move_in_one_update(django_assert_num_queries):
    variants = [VariantFactory(on_hand=9) for _ in range(6)]
    with django_assert_num_queries(2):  # lock the rows, then one UPDATE for every line
        inventory.reserve_stock(quantities={v.pk: 2 for v in variants})
    assert [stock(v) for v in variants] == [(9, 2)] * 6


# --- the invariant under any sequence of operations ------------------------------------------

STEPS = st.lists(
    st.tuples(
        st.sampled_from(["place", "pay", "fail", "cancel", "expire", "refund"]),
        st.integers(min_value=1, max_value=4),  # units to order, or which order to act on
    ),
    max_size=25,
)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_any_sequence_keeps_stock_consistent(steps):
    """Model the shelf in plain numbers and check the database agrees after every step."""
    with transaction.atomic():
        variant = VariantFactory(on_hand=8, price=Decimal("10.00"))
        on_hand, reserved = 8, 0
        placed: list[Order] = []
        for action, n in steps:
            order = placed[(n - 1) % len(placed)] if placed else None
            order = Order.objects.get(pk=order.pk) if order else None
            if action == "place":
                if n <= on_hand - reserved:
                    placed.append(place((variant, n)))
                    reserved += n
                else:
                    with pytest.raises(OutOfStock), transaction.atomic():
                        place((variant, n))
            elif order is None:
                continue
            elif action == "pay":
                if order.status == Order.Status.AWAITING_PAYMENT:
                    on_hand -= order.lines.get().quantity
                    reserved -= order.lines.get().quantity
                orders.mark_paid(order_id=order.pk, amount=order.total, currency=order.currency,
                                 provider="test")
            elif action in ("fail", "cancel", "expire"):
                if order.status == Order.Status.AWAITING_PAYMENT:
                    reserved -= order.lines.get().quantity
                if action == "fail":
                    orders.fail_payment(order_id=order.pk, provider="test")
                elif action == "cancel" and order.status == Order.Status.AWAITING_PAYMENT:
                    orders.cancel_order(order_id=order.pk)
                elif action == "expire":
                    if order.status != Order.Status.AWAITING_PAYMENT:
                        continue
                    later = timezone.now() + timedelta(days=1)
                    assert orders.expire_order(order_id=order.pk, now=later)
            elif action == "refund" and order.status == Order.Status.PAID:
                line = order.lines.get()
                orders.record_refund(order_id=order.pk, amount=order.total,
                                     restock={line.pk: line.quantity})
                on_hand += line.quantity
            assert stock(variant) == (on_hand, reserved)
            assert 0 <= reserved <= on_hand
        transaction.set_rollback(True)
