"""The order's life: every transition, legal and illegal; payment; expiry; emails."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from shop.errors import CannotCancel, IllegalTransition, NotDueYet, ShopError
from shop.models import TRANSITIONS, Order, OrderEmail, OrderEvent
from shop.notifications import send_order_email
from shop.services import checkout, fulfilment, order_refunds, orders
from shop.services.expiry import expire_order
from shop.tasks import expire_unpaid_orders
from tests.factories import UserFactory, VariantFactory
from tests.shop.buying import pay, place, stock

pytestmark = pytest.mark.django_db
Status = Order.Status


@pytest.fixture
def variant():
    return VariantFactory(on_hand=10, price=Decimal("30.00"), product__name="Trail Jacket")


@pytest.fixture
def order(variant):
    return place((variant, 2))


def test_placing_reserves_stock_and_starts_the_timeline(order, variant):
    assert order.status == Status.AWAITING_PAYMENT
    assert stock(variant) == (10, 2)
    assert [e.kind for e in order.events.all()] == [OrderEvent.Kind.PLACED]


def test_order_numbers_are_random_and_not_the_primary_key(variant, monkeypatch):
    numbers = [place((variant, 1)) for _ in range(5)]
    assert len({order.number for order in numbers}) == 5
    for order in numbers:
        number = order.number
        assert len(number) == 11 and number[5] == "-"
        assert set(number.replace("-", "")) <= set(checkout.NUMBER_ALPHABET)
    # The characters come from the operating system's secure random source.
    monkeypatch.setattr(checkout.secrets, "choice", lambda alphabet: "Q")
    assert checkout.new_order_number() == "QQQQQ-QQQQQ"


def test_paying_commits_the_stock_and_records_the_event(order, variant):
    pay(order)
    order.refresh_from_db()
    assert order.status == Status.PAID and order.paid_at
    assert stock(variant) == (8, 0)
    assert order.events.last().kind == OrderEvent.Kind.PAID


def test_a_second_capture_is_kept_and_flagged_as_a_double_charge(order, variant):
    pay(order)
    pay(order)
    order.refresh_from_db()
    assert stock(variant) == (8, 0)
    assert order.events.filter(kind=OrderEvent.Kind.PAID).count() == 1
    assert order.needs_review and order.captured_total == 2 * order.total
    assert "double charge" in order.events.last().note


def test_a_payment_for_the_wrong_amount_flags_the_order_and_does_not_pay_it(order, variant):
    orders.mark_paid(order_id=order.pk, amount=order.total - 1, currency="USD", provider="test")
    order.refresh_from_db()
    assert order.status == Status.AWAITING_PAYMENT and order.needs_review
    assert stock(variant) == (10, 2)
    assert order.events.last().kind == OrderEvent.Kind.PAYMENT_MISMATCH


def test_a_payment_in_another_currency_flags_the_order(order):
    orders.mark_paid(order_id=order.pk, amount=order.total, currency="EUR", provider="test")
    order.refresh_from_db()
    assert order.status == Status.AWAITING_PAYMENT and order.needs_review


def test_money_that_did_not_match_can_be_refunded_without_touching_the_order(order, variant):
    orders.mark_paid(order_id=order.pk, amount=Decimal("5.00"), currency="USD", provider="test")
    order_refunds.record_refund(order_id=order.pk, amount=Decimal("5.00"))
    order.refresh_from_db()
    assert order.status == Status.AWAITING_PAYMENT
    assert (order.captured_total, order.refunded_total) == (Decimal("5.00"), Decimal("5.00"))
    assert stock(variant) == (10, 2)


def test_an_order_with_unsettled_money_does_not_expire(order, variant):
    orders.mark_paid(order_id=order.pk, amount=Decimal("5.00"), currency="USD", provider="test")
    later = timezone.now() + timedelta(days=1)
    assert orders.expire_unpaid_orders(now=later) == 0
    assert not orders.expire_order(order_id=order.pk, now=later)
    assert stock(variant) == (10, 2)


def test_a_payment_after_expiry_is_kept_for_review(order, variant):
    orders.expire_order(order_id=order.pk, now=timezone.now() + timedelta(hours=1))
    pay(order)
    order.refresh_from_db()
    assert order.status == Status.EXPIRED and order.needs_review
    assert stock(variant) == (10, 0)


def test_a_failed_payment_attempt_leaves_the_order_open_and_reserved(order, variant):
    orders.record_failed_payment(order_id=order.pk, provider="test", reason="Card declined.")
    order.refresh_from_db()
    assert order.status == Status.AWAITING_PAYMENT and order.closed_at is None
    assert order.payment_failure == "Card declined."
    assert stock(variant) == (10, 2)
    event = order.events.last()
    assert (event.kind, event.from_status, event.to_status) == (
        OrderEvent.Kind.PAYMENT_FAILED, "", "")
    assert "still waiting for payment" in event.note
    pay(order)
    order.refresh_from_db()
    assert order.status == Status.PAID and order.payment_failure == ""
    assert stock(variant) == (8, 0)


def test_an_order_whose_payment_failed_still_expires_at_its_deadline(order, variant):
    orders.record_failed_payment(order_id=order.pk, provider="test", reason="Card declined.")
    assert orders.expire_unpaid_orders(now=timezone.now() + timedelta(hours=1)) == 1
    order.refresh_from_db()
    assert order.status == Status.EXPIRED
    assert stock(variant) == (10, 0)


def test_a_failure_reported_after_the_order_closed_changes_nothing(order, variant):
    orders.cancel_order(order_id=order.pk)
    orders.record_failed_payment(order_id=order.pk, provider="test", reason="Card declined.")
    order.refresh_from_db()
    assert order.status == Status.CANCELLED and order.payment_failure == ""
    assert not order.events.filter(kind=OrderEvent.Kind.PAYMENT_FAILED).exists()


def test_only_the_first_failed_attempt_is_emailed(order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        orders.record_failed_payment(order_id=order.pk, provider="test")
        orders.record_failed_payment(order_id=order.pk, provider="test")
        orders.record_failed_payment(order_id=order.pk, provider="stripe")
    [email] = mail.outbox
    assert "did not go through" in email.subject
    assert "The order is still open" in email.body and "key=" in email.body
    assert order.events.filter(kind=OrderEvent.Kind.PAYMENT_FAILED).count() == 3


def test_a_payment_ended_for_good_cancels_and_releases(order, variant):
    orders.end_payment(order_id=order.pk, provider="stripe", reason="The page expired.")
    order.refresh_from_db()
    assert order.status == Status.CANCELLED and order.closed_at
    assert stock(variant) == (10, 0)
    event = order.events.last()
    assert event.kind == OrderEvent.Kind.PAYMENT_FAILED
    assert event.note == "Card (Stripe): The page expired. The items went back on sale."
    assert not order.emails.exists()


def test_cancelling_an_unpaid_order_releases_its_stock(order, variant):
    orders.cancel_order(order_id=order.pk, note="Changed my mind.")
    order.refresh_from_db()
    assert order.status == Status.CANCELLED and order.closed_at
    assert stock(variant) == (10, 0)


def test_a_paid_order_is_cancelled_only_by_a_full_refund(order, variant):
    pay(order)
    with pytest.raises(CannotCancel, match="refunding it in full"):
        orders.cancel_order(order_id=order.pk)
    with pytest.raises(CannotCancel), transaction.atomic():
        order_refunds.record_refund(order_id=order.pk, amount=Decimal("1.00"), cancel=True)
    order_refunds.record_refund(order_id=order.pk, amount=order.total, cancel=True,
                                restock={order.lines.get().pk: 2})
    order.refresh_from_db()
    assert order.status == Status.CANCELLED
    assert stock(variant) == (10, 0)


def test_a_shipped_order_cannot_be_cancelled(order):
    pay(order)
    fulfilment.mark_shipped(order_id=order.pk, tracking_number="1Z999")
    with pytest.raises(CannotCancel, match="can no longer be cancelled"):
        orders.cancel_order(order_id=order.pk)


def test_shipping_needs_a_tracking_number(order):
    pay(order)
    with pytest.raises(ShopError, match="tracking number"):
        fulfilment.mark_shipped(order_id=order.pk, tracking_number="  ")
    order.refresh_from_db()
    assert order.status == Status.PAID


def test_partial_refunds_add_up_to_a_full_refund(order):
    pay(order)
    order_refunds.record_refund(order_id=order.pk, amount=Decimal("10.00"))
    order.refresh_from_db()
    assert order.status == Status.PARTIALLY_REFUNDED
    order_refunds.record_refund(order_id=order.pk, amount=order.total - Decimal("10.00"))
    order.refresh_from_db()
    assert order.status == Status.REFUNDED and order.refunded_total == order.total


def test_never_refund_more_than_was_captured(order):
    pay(order)
    with pytest.raises(ShopError, match="more than"):
        order_refunds.record_refund(order_id=order.pk, amount=order.total + Decimal("0.01"))
    order.refresh_from_db()
    assert order.refunded_total == 0 and order.status == Status.PAID


def test_nothing_is_refunded_where_nothing_was_captured(order, variant):
    with pytest.raises(ShopError, match="more than"):
        order_refunds.record_refund(order_id=order.pk, amount=Decimal("1.00"),
                                    restock={order.lines.get().pk: 1})
    assert stock(variant) == (10, 2)


def test_a_partial_refund_after_shipping_keeps_the_order_shipped(order):
    pay(order)
    fulfilment.mark_shipped(order_id=order.pk, tracking_number="1Z1")
    fulfilment.mark_delivered(order_id=order.pk)
    order_refunds.record_refund(order_id=order.pk, amount=Decimal("10.00"))
    order.refresh_from_db()
    assert order.status == Status.DELIVERED
    assert order.events.last().kind == OrderEvent.Kind.REFUNDED
    with pytest.raises(IllegalTransition):
        fulfilment.mark_shipped(order_id=order.pk, tracking_number="1Z2")


def test_an_order_ships_once(order):
    pay(order)
    order_refunds.record_refund(order_id=order.pk, amount=Decimal("10.00"))
    fulfilment.mark_shipped(order_id=order.pk, tracking_number="1Z1")
    with pytest.raises(IllegalTransition, match="already shipped"):
        fulfilment.mark_shipped(order_id=order.pk, tracking_number="1Z2")
    order.refresh_from_db()
    assert order.tracking_number == "1Z1"


# --- every transition, legal and illegal -------------------------------------------------------

ALL = list(Status)
PAIRS = [(a, b) for a in ALL for b in ALL]


@pytest.mark.parametrize(("start", "to"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_every_transition_is_allowed_or_raises(order, start, to):
    Order.objects.filter(pk=order.pk).update(status=start)
    order.refresh_from_db()
    with transaction.atomic():
        if to in TRANSITIONS[start]:
            orders.move_status(order, to, kind=OrderEvent.Kind.NOTE)
            order.refresh_from_db()
            assert order.status == to
            assert order.events.last().from_status == start
        else:
            with pytest.raises(IllegalTransition):
                orders.move_status(order, to, kind=OrderEvent.Kind.NOTE)
            order.refresh_from_db()
            assert order.status == start


def test_the_machine_is_the_designs():
    assert {
        Status.AWAITING_PAYMENT: {Status.PAID, Status.CANCELLED, Status.EXPIRED},
        Status.PAID: {Status.PARTIALLY_SHIPPED, Status.SHIPPED, Status.REFUNDED,
                      Status.PARTIALLY_REFUNDED, Status.CANCELLED},
        Status.PARTIALLY_REFUNDED: {Status.PARTIALLY_SHIPPED, Status.SHIPPED, Status.REFUNDED,
                                    Status.CANCELLED},
        # An order whose sellers ship their parts apart is shipped once the last has left.
        Status.PARTIALLY_SHIPPED: {Status.SHIPPED, Status.REFUNDED},
        Status.SHIPPED: {Status.DELIVERED, Status.REFUNDED},
        Status.DELIVERED: {Status.REFUNDED},
        Status.CANCELLED: set(),
        Status.EXPIRED: set(),
        Status.REFUNDED: set(),
    } == TRANSITIONS


def test_delivering_an_unpaid_order_raises(order):
    with pytest.raises(IllegalTransition, match="awaiting payment and cannot become delivered"):
        fulfilment.mark_delivered(order_id=order.pk)


# --- expiry ------------------------------------------------------------------------------------

def overdue(order: Order, *, by: timedelta = timedelta(days=1)) -> None:
    """Move the order back in time so that its deadline passed `by` ago."""
    Order.objects.filter(pk=order.pk).update(
        created_at=order.created_at - (order.pay_by - order.created_at) - by,
        pay_by=timezone.now() - by,
    )


def test_unpaid_orders_expire_after_the_timeout(settings, variant):
    settings.ORDER_PAYMENT_TIMEOUT_MINUTES = 30
    old, fresh = place((variant, 1)), place((variant, 2))
    assert abs(old.pay_by - old.created_at - timedelta(minutes=30)) < timedelta(seconds=1)
    overdue(old, by=timedelta(minutes=1))
    assert orders.expire_unpaid_orders() == 1
    old.refresh_from_db(), fresh.refresh_from_db()
    assert old.status == Status.EXPIRED and fresh.status == Status.AWAITING_PAYMENT
    assert stock(variant) == (10, 2)
    assert old.events.last().kind == OrderEvent.Kind.EXPIRED


def test_paid_orders_never_expire(order):
    pay(order)
    assert orders.expire_unpaid_orders(now=timezone.now() + timedelta(days=2)) == 0


def test_the_command_expires_overdue_orders(order, variant, capsys):
    overdue(order)
    call_command("expire_orders")
    assert "Expired 1 unpaid order." in capsys.readouterr().out
    assert stock(variant) == (10, 0)


def test_the_task_expires_overdue_orders(order):
    overdue(order)
    result = expire_unpaid_orders.enqueue()
    assert result.return_value == 1
    order.refresh_from_db()
    assert order.status == Status.EXPIRED


def test_each_order_schedules_its_own_expiry_where_the_backend_can_wait(
    settings, variant, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        order = place((variant, 1))
    [result] = expire_order.get_backend().results
    assert result.kwargs == {"order_id": order.pk}
    assert result.task.run_after == order.pay_by
    assert abs(order.pay_by - order.created_at - timedelta(minutes=30)) < timedelta(seconds=1)


def test_an_order_expires_at_its_own_deadline_whatever_the_setting_says_now(settings, order):
    # Placed under a 30-minute timeout; a worker configured with 5 minutes must not expire it
    # early, and one configured with 60 must not keep it late.
    settings.ORDER_PAYMENT_TIMEOUT_MINUTES = 5
    with pytest.raises(NotDueYet):
        orders.expire_order(order_id=order.pk, now=order.created_at + timedelta(minutes=10))
    assert orders.expire_unpaid_orders(now=order.created_at + timedelta(minutes=10)) == 0
    settings.ORDER_PAYMENT_TIMEOUT_MINUTES = 60
    assert orders.expire_order(order_id=order.pk, now=order.pay_by + timedelta(seconds=1))
    order.refresh_from_db()
    assert order.status == Status.EXPIRED
    assert "Not paid within 30 minutes" in order.events.last().note


def test_an_expiry_that_runs_early_schedules_itself_again_for_the_deadline(settings, order):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    assert expire_order.call(order_id=order.pk) is False
    [again] = expire_order.get_backend().results
    assert again.kwargs == {"order_id": order.pk}
    assert again.task.run_after == order.pay_by
    order.refresh_from_db()
    assert order.status == Status.AWAITING_PAYMENT


def test_an_early_expiry_without_a_backend_that_can_wait_leaves_it_to_the_sweep(order):
    assert expire_order.call(order_id=order.pk) is False
    order.refresh_from_db()
    assert order.status == Status.AWAITING_PAYMENT


def test_an_order_from_before_deadlines_were_kept_expires_by_the_timeout(settings, order):
    Order.objects.filter(pk=order.pk).update(pay_by=None)
    settings.ORDER_PAYMENT_TIMEOUT_MINUTES = 30
    assert orders.expire_unpaid_orders(now=order.created_at + timedelta(minutes=29)) == 0
    assert orders.expire_unpaid_orders(now=order.created_at + timedelta(minutes=31)) == 1


# --- emails ------------------------------------------------------------------------------------

def test_the_confirmation_is_sent_once_after_commit(order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        pay(order)
        assert mail.outbox == []  # nothing before the commit
    sends = [c for c in callbacks if "email_id" in getattr(c, "keywords", {})]
    assert len(sends) == 1
    [email] = mail.outbox
    assert email.to == ["ada@example.com"]
    assert email.subject.endswith(f"Order {order.number} is confirmed")
    html = email.alternatives[0].content
    assert "Trail Jacket" in email.body and "Trail Jacket" in html
    assert "key=" in email.body  # a guest's link opens the order page


@pytest.mark.parametrize(
    ("act", "subject", "words"),
    [
        (lambda o: orders.record_failed_payment(order_id=o.pk, provider="test"),
         "did not go through", "The order is still open"),
        (lambda o: orders.cancel_order(order_id=o.pk), "is cancelled", "Nothing was charged"),
        (lambda o: (pay(o), fulfilment.mark_shipped(order_id=o.pk, tracking_number="1Z999AA1")),
         "is on its way", "1Z999AA1"),
        (lambda o: (pay(o), order_refunds.record_refund(order_id=o.pk, amount=Decimal("10.00"))),
         "A refund for order", "$10.00 of the $"),
    ],
    ids=["payment-failed", "cancelled", "shipped", "refunded"],
)
def test_each_change_sends_its_email_once_after_commit(
    order, django_capture_on_commit_callbacks, act, subject, words
):
    with django_capture_on_commit_callbacks(execute=True):
        act(order)
        assert mail.outbox == []  # nothing before the commit
    [email] = [sent for sent in mail.outbox if subject in sent.subject]
    assert words in email.body and words in email.alternatives[0].content


@pytest.mark.parametrize(("paid", "act"), [
    (False, pay),
    (False, lambda o: orders.record_failed_payment(order_id=o.pk, provider="test")),
    (False, lambda o: orders.cancel_order(order_id=o.pk)),
    (True, lambda o: fulfilment.mark_shipped(order_id=o.pk, tracking_number="1Z999AA1")),
    (True, lambda o: order_refunds.record_refund(order_id=o.pk, amount=Decimal("10.00"))),
], ids=["confirmation", "payment-failed", "cancelled", "shipped", "refunded"])
def test_no_email_when_the_transaction_rolls_back(
    order, django_capture_on_commit_callbacks, paid, act
):
    if paid:
        order = pay(order)
    status = order.status
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        act(order)
        raise RuntimeError("something later in the same transaction failed")
    assert mail.outbox == []
    order.refresh_from_db()
    assert order.status == status


def test_an_email_is_sent_once_however_often_its_task_runs(
    order, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        pay(order)
    [sent] = OrderEmail.objects.filter(order=order)
    assert sent.kind == OrderEmail.Kind.CONFIRMATION and sent.sent_at is not None
    # Run again, as when a worker died after sending but before recording the task's success.
    assert send_order_email.call(email_id=sent.pk) is False
    assert len(mail.outbox) == 1


def test_a_customers_email_links_to_their_order_without_a_key(variant,
                                                               django_capture_on_commit_callbacks):
    user = UserFactory(email="grace@example.com")
    order = place((variant, 1), email=user.email, user=user)
    with django_capture_on_commit_callbacks(execute=True):
        pay(order)
    assert f"/orders/{order.number}/\n" in mail.outbox[0].body


def test_a_second_paid_order_by_the_same_email_in_any_case_is_a_repeat_purchase():
    variant = VariantFactory(on_hand=5)
    first = pay(place((variant, 1), email="Ada@Example.com"))
    unpaid = place((variant, 1), email="ada@example.com")
    second = pay(place((variant, 1), email="ADA@example.com"))
    other = pay(place((variant, 1), email="grace@example.com"))
    assert [first.is_repeat_purchase, second.is_repeat_purchase, other.is_repeat_purchase] == [
        False, True, False
    ]
    unpaid.refresh_from_db()
    assert unpaid.is_repeat_purchase is False
