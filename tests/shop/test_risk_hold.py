"""Orders held for risk: a paid order whose score reaches RISK_REVIEW_THRESHOLD is held when
its payment arrives, does not ship until a person clears it, and is held once; an unpaid one
is only scored (its stock still expires back on sale). The risky orders here follow a card
tester's pattern through the shop's own services: several orders from one mailbox within the
day, their cards declined."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from shop.errors import IllegalTransition, ShopError
from shop.models import Order, OrderEvent, OrderRisk
from shop.models.sellers import Shipment
from shop.services import fulfilment, order_refunds, orders, risk
from shop.services.risk import ProviderVerdict
from tests.factories import UserFactory, VariantFactory
from tests.payments.webhook_helpers import review_alerts
from tests.shop.buying import pay, place, stock

pytestmark = pytest.mark.django_db
Status = Order.Status
Kind = OrderEvent.Kind
TESTER = "tester+{}@example.com"  # one mailbox, a tag per order
# 3 failed payment tries from the mailbox (+35) and 3 other orders from it (+25).
RISKY_SCORE = 60
RISKY_REASONS = (
    "Risk score 60: 3 failed payment tries from this email, client address or card in the "
    "last 24 hours. (+35) 3 other orders from this email in the last 24 hours. (+25)"
)


@pytest.fixture
def variant():
    return VariantFactory(on_hand=10, price=Decimal("30.00"), product__name="Trail Jacket")


def earlier_tries(variant, *, declined: int = 1) -> None:
    """Three orders from the tester's mailbox, each card declined `declined` times."""
    for n in range(3):
        earlier = place((variant, 1), email=TESTER.format(n))
        for _ in range(declined):
            orders.record_failed_payment(order_id=earlier.pk, provider="test",
                                         reason="Card declined.")


@pytest.fixture
def risky(variant):
    """The fourth order from the mailbox, two units, not paid yet: it scores 60 already."""
    earlier_tries(variant)
    mail.outbox.clear()
    return place((variant, 2), email=TESTER.format(3))


def paid(order: Order, verdict: ProviderVerdict | None = None) -> Order:
    """The order's total captured, then scored again as the payment services do."""
    pay(order)
    risk.payment_arrived(order_id=order.pk, verdict=verdict)
    order.refresh_from_db()
    return order


def held(order: Order) -> Order:
    order = paid(order)
    assert order.needs_review
    return order


def risk_events(order: Order) -> list[OrderEvent]:
    return list(order.events.filter(kind=Kind.RISK))


# Held when the payment arrives -----------------------------------------------------------


def test_a_risky_order_is_scored_when_placed_but_not_held_unpaid(risky):
    scored = OrderRisk.objects.get(order=risky)
    assert (scored.score, scored.stage) == (RISKY_SCORE, OrderRisk.Stage.PLACED)
    assert [reason["rule"] for reason in scored.reasons] == ["failed_payments", "many_orders"]
    assert scored.email_key == "tester@example.com"
    assert not risky.needs_review and not risk_events(risky)


def test_a_paid_order_reaching_the_threshold_is_held_and_staff_are_alerted(
    risky, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = paid(risky)
        assert review_alerts(order) == []  # the alert waits for the hold to commit
    assert (order.status, order.needs_review) == (Status.PAID, True)
    [event] = risk_events(order)
    assert event.is_internal and event.actor is None
    assert event.note == (f"{RISKY_REASONS} Check it, then clear the hold or cancel the "
                          "order with a refund.")
    assert review_alerts(order) == [f"Order {order.number} needs review: {event.note}"]
    assert OrderRisk.objects.get(order=order).stage == OrderRisk.Stage.PAID


@pytest.mark.parametrize(("threshold", "holds"), [(RISKY_SCORE, True), (RISKY_SCORE + 1, False)])
def test_the_threshold_is_the_lowest_score_held(risky, settings, threshold, holds):
    settings.RISK_REVIEW_THRESHOLD = threshold
    order = paid(risky)
    assert order.needs_review is holds
    assert len(risk_events(order)) == holds
    assert order.status == Status.PAID


def test_an_order_below_the_threshold_is_paid_and_not_held(variant):
    """Three orders from one mailbox and no declined card: 25 points, an ordinary day."""
    for n in range(3):
        place((variant, 1), email=TESTER.format(n))
    order = paid(place((variant, 1), email=TESTER.format(3)))
    assert OrderRisk.objects.get(order=order).score == 25
    assert not order.needs_review and not risk_events(order)
    assert order.status == Status.PAID


def test_a_provider_verdict_of_highest_holds_a_paid_order_alone(variant):
    order = paid(place((variant, 1)), ProviderVerdict(risk_level="Highest", risk_score=80))
    scored = OrderRisk.objects.get(order=order)
    assert (scored.score, scored.stage) == (60, OrderRisk.Stage.PROVIDER)
    assert (scored.provider_risk_level, scored.provider_risk_score) == ("highest", 80)
    assert order.needs_review
    assert "Test payment (no money moves) rates the payment highest, score 80. (+60)" in (
        risk_events(order)[0].note)


def test_a_verdict_on_an_order_already_shipped_does_not_hold_it(variant):
    order = paid(place((variant, 1)))
    fulfilment.mark_shipped(order_id=order.pk, tracking_number="1Z999")
    risk.payment_arrived(order_id=order.pk, verdict=ProviderVerdict(risk_level="highest"))
    order.refresh_from_db()
    assert (order.status, order.needs_review) == (Status.SHIPPED, False)
    assert OrderRisk.objects.get(order=order).score == 60 and not risk_events(order)


# An unpaid order is only scored -------------------------------------------------------------


def test_an_unpaid_order_is_scored_but_never_held_and_still_expires(risky, variant):
    risk.payment_arrived(order_id=risky.pk, verdict=ProviderVerdict(risk_level="highest"))
    scored = OrderRisk.objects.get(order=risky)
    assert scored.score == 100  # 60 + 35 + 25, at most 100
    risky.refresh_from_db()
    assert (risky.status, risky.needs_review) == (Status.AWAITING_PAYMENT, False)
    assert not risk_events(risky)
    assert stock(variant) == (10, 5)
    assert orders.expire_order(order_id=risky.pk, now=timezone.now() + timedelta(days=1))
    risky.refresh_from_db()
    assert risky.status == Status.EXPIRED
    assert stock(variant) == (10, 3)  # the earlier three still wait for their payment


# A held order does not ship ----------------------------------------------------------------


def test_a_held_order_cannot_be_marked_shipped_and_nothing_changes(risky):
    order = held(risky)
    events = order.events.count()
    with pytest.raises(IllegalTransition, match="is held for review"):
        fulfilment.mark_shipped(order_id=order.pk, tracking_number="1Z999")
    order.refresh_from_db()
    assert (order.status, order.tracking_number, order.shipped_at) == (Status.PAID, "", None)
    assert not order.shipments.filter(status=Shipment.Status.SHIPPED).exists()
    assert order.events.count() == events
    assert not order.emails.filter(kind="shipped").exists()


def test_a_cleared_order_ships(risky):
    order = held(risky)
    reviewer = UserFactory(is_staff=True)
    risk.clear_hold(order_id=order.pk, actor=reviewer, note=" Called the customer. ")
    note = order.events.last()
    assert (note.kind, note.actor, note.is_internal) == (Kind.NOTE, reviewer, True)
    assert note.note == ("Review done: the hold is cleared and the order may ship. Called the "
                         "customer.")
    order = fulfilment.mark_shipped(order_id=order.pk, tracking_number="1Z999")
    assert order.status == Status.SHIPPED and not order.needs_review


def test_clearing_an_order_not_held_is_refused(variant):
    order = paid(place((variant, 1)))
    with pytest.raises(ShopError, match=f"Order {order.number} is not held for review."):
        risk.clear_hold(order_id=order.pk, actor=None)
    assert not order.events.filter(kind=Kind.NOTE).exists()


def test_an_order_cleared_is_not_held_again_by_a_later_verdict(
    risky, django_capture_on_commit_callbacks
):
    """A person looked at it: the provider's report coming after does not undo that."""
    order = held(risky)
    risk.clear_hold(order_id=order.pk, actor=None)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        risk.payment_arrived(order_id=order.pk, verdict=ProviderVerdict(
            risk_level="highest", risk_score=90, card_fingerprint="fp_tester"))
    assert callbacks == []  # no second alert
    order.refresh_from_db()
    assert not order.needs_review
    assert len(risk_events(order)) == 1
    scored = OrderRisk.objects.get(order=order)
    assert (scored.score, scored.card_fingerprint) == (100, "fp_tester")  # kept up to date


def test_a_second_report_on_a_held_order_adds_no_second_hold(risky):
    order = held(risky)
    risk.payment_arrived(order_id=order.pk, verdict=ProviderVerdict(risk_level="elevated"))
    order.refresh_from_db()
    assert order.needs_review and len(risk_events(order)) == 1


def test_a_cancel_with_refund_confirmed_clears_the_hold_and_restocks(risky, variant):
    order = held(risky)
    line = order.lines.get()
    order = order_refunds.record_refund(order_id=order.pk, amount=order.total, cancel=True,
                                        restock={line.pk: 2})
    order.refresh_from_db()
    assert (order.status, order.needs_review) == (Status.CANCELLED, False)
    assert order.refunded_total == order.total and order.closed_at is not None
    assert stock(variant) == (10, 3)  # the two units back; three still reserved earlier
    with pytest.raises(IllegalTransition):
        fulfilment.mark_shipped(order_id=order.pk, tracking_number="1Z999")


def test_a_partial_refund_keeps_the_hold(risky):
    order = held(risky)
    order = order_refunds.record_refund(order_id=order.pk, amount=Decimal("10.00"))
    order.refresh_from_db()
    assert (order.status, order.needs_review) == (Status.PARTIALLY_REFUNDED, True)


# Failed payment tries count ----------------------------------------------------------------


def test_failed_and_declined_payment_tries_are_counted_on_the_risk_row(variant):
    order = place((variant, 1))
    orders.record_failed_payment(order_id=order.pk, provider="test", reason="Card declined.")
    orders.record_failed_payment(order_id=order.pk, provider="stripe")
    event = orders.record_declined_try(order_id=order.pk, provider="stripe",
                                       reason="insufficient funds")
    assert OrderRisk.objects.get(order=order).failed_tries == 3
    assert (event.kind, event.note) == (Kind.PAYMENT_UPDATE, (
        "A payment try was declined at stripe (insufficient funds); the payment page stays "
        "open for another."))


def test_an_orders_own_failed_tries_count_towards_its_score(variant):
    order = place((variant, 1))
    for _ in range(3):
        orders.record_declined_try(order_id=order.pk, provider="stripe")
    order = paid(order)
    scored = OrderRisk.objects.get(order=order)
    assert scored.score == 35 and [r["rule"] for r in scored.reasons] == ["failed_payments"]
    assert not order.needs_review  # one ordinary oddity alone does not hold an order


def test_many_declined_cards_from_one_mailbox_hold_its_next_paid_order(variant):
    """Six declines across the mailbox's earlier orders: 50 points, held on their own."""
    for n in range(2):
        earlier = place((variant, 1), email=TESTER.format(n))
        for _ in range(3):
            orders.record_declined_try(order_id=earlier.pk, provider="stripe")
    order = held(place((variant, 1), email=TESTER.format(9)))
    assert OrderRisk.objects.get(order=order).score == 50
