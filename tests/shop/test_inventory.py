"""Stock: reserve, commit, release and restock keep 0 <= reserved <= on_hand."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shop.errors import OutOfStock
from shop.models import Order
from shop.services import inventory, order_refunds, orders
from tests.factories import VariantFactory
from tests.shop.buying import pay, place, stock

pytestmark = pytest.mark.django_db


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


def test_rows_are_locked_in_primary_key_order_whatever_the_order_asked(django_assert_num_queries):
    """Two checkouts wanting the same variants queue, not deadlock: both lock lowest id first."""
    first, second = VariantFactory(on_hand=5), VariantFactory(on_hand=5)
    with django_assert_num_queries(2) as captured:
        inventory.reserve_stock(quantities={second.pk: 1, first.pk: 1})
    lock = captured.captured_queries[0]["sql"]
    assert lock.endswith('ORDER BY "shop_variant"."id" ASC' + (
        ' FOR UPDATE OF "shop_variant"' if connection.vendor == "postgresql" else ""
    ))


def test_many_lines_move_in_one_update(django_assert_num_queries):
    variants = [VariantFactory(on_hand=9) for _ in range(6)]
    with django_assert_num_queries(2):  # lock the rows, then one UPDATE for every line
        inventory.reserve_stock(quantities={v.pk: 2 for v in variants})
    assert [stock(v) for v in variants] == [(9, 2)] * 6


# --- the invariant under any sequence of operations ------------------------------------------

STEPS = st.lists(
    st.tuples(
        # Placing, paying and refunding weighted up, so sequences reach refunds often.
        st.sampled_from(["place", "place", "pay", "pay", "refund", "refund", "refund", "fail",
                         "cancel", "expire"]),
        st.integers(min_value=0, max_value=3),  # which order to act on
        st.integers(min_value=0, max_value=4),  # units of the first variant (or to restock)
        st.integers(min_value=0, max_value=4),  # units of the second variant
    ),
    min_size=4,
    max_size=30,
)


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_any_sequence_keeps_stock_consistent(steps):
    """Model two shelves in plain numbers and check the database agrees after every step:
    orders of one or two lines placed, paid, declined, cancelled, expired, and refunded in
    full or in part with some units restocked."""
    with transaction.atomic():
        variants = [VariantFactory(on_hand=12, price=Decimal("10.00")) for _ in range(2)]
        shelf = {v.pk: [12, 0] for v in variants}  # on_hand, reserved
        placed: list[Order] = []
        for action, which, first, second in steps:
            if action == "place":
                wanted = {v.pk: n for v, n in zip(variants, (first, second), strict=True) if n}
                lines = [(v, wanted[v.pk]) for v in variants if v.pk in wanted]
                if not lines:
                    continue
                if all(n <= shelf[pk][0] - shelf[pk][1] for pk, n in wanted.items()):
                    placed.append(place(*lines))
                    for pk, n in wanted.items():
                        shelf[pk][1] += n
                else:
                    with pytest.raises(OutOfStock), transaction.atomic():
                        place(*lines)
            elif placed:
                _act(placed[which % len(placed)].pk, action, first, shelf)
            for variant in variants:
                on_hand, reserved = stock(variant)
                assert [on_hand, reserved] == shelf[variant.pk]
                assert 0 <= reserved <= on_hand
        transaction.set_rollback(True)


def _act(order_id: int, action: str, units: int, shelf: dict) -> None:
    order = Order.objects.get(pk=order_id)
    lines = list(order.lines.all())
    unpaid = order.status == Order.Status.AWAITING_PAYMENT
    if action == "pay":
        if unpaid:
            for line in lines:
                shelf[line.variant_id][0] -= line.quantity
                shelf[line.variant_id][1] -= line.quantity
        pay(order)
    elif action == "fail":
        _release_if(unpaid, lines, shelf)
        orders.end_payment(order_id=order.pk, provider="test")
    elif action == "cancel" and unpaid:
        _release_if(unpaid, lines, shelf)
        orders.cancel_order(order_id=order.pk)
    elif action == "expire" and unpaid:
        _release_if(unpaid, lines, shelf)
        assert orders.expire_order(order_id=order.pk, now=timezone.now() + timedelta(days=1))
    elif action == "refund" and order.paid_at and order.refunded_total < order.captured_total:
        line = lines[0]
        restock = min(units, line.quantity - line.quantity_restocked)
        amount = min(Decimal("5.00"), order.captured_total - order.refunded_total)
        order_refunds.record_refund(order_id=order.pk, amount=amount, restock={line.pk: restock})
        shelf[line.variant_id][0] += restock


def _release_if(unpaid: bool, lines, shelf: dict) -> None:
    if unpaid:
        for line in lines:
            shelf[line.variant_id][1] -= line.quantity
