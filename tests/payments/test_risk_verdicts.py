"""What the providers say of a payment's risk, delivered by their signed webhooks: Stripe's
Radar outcome and card on a charge (charge.succeeded, or the charge expanded on
payment_intent.succeeded), PayPal's seller protection on a capture. The verdict is kept on
the order's risk row and scores the order again; a paid order it makes risky is held."""

from decimal import Decimal

import pytest

from payments.models import WebhookEvent
from shop.models import Order, OrderEvent, OrderRisk
from tests.factories import VariantFactory
from tests.payments.webhook_helpers import (
    capture_by_webhook,
    fresh,
    paypal_api,
    paypal_event,
    post_paypal,
    post_stripe,
    review_alerts,
    stored,
    stripe_event,
)
from tests.shop.buying import place

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("providers_on")]
Status = Order.Status
FINGERPRINT = "Xt5EWLLDS7FJjR1c"
RADAR_HIGHEST = "Card (Stripe) rates the payment highest, score 82. (+60)"


@pytest.fixture
def lamp():
    return VariantFactory(on_hand=5, price=Decimal("40.00"))


@pytest.fixture
def order(lamp):
    """One lamp, paid by card, shipped to the US."""
    return place((lamp, 1), provider="stripe")


def charge(order: Order, *, level: str = "normal", score=21, country: str = "US") -> dict:
    """Stripe's charge for the order (the fixtures have none succeeding: charge.refunded's,
    before any refund), with Radar's outcome, the card's fingerprint and the billing
    country."""
    obj = stripe_event("charge.refunded", order, refunded=Decimal("0.00"))["data"]["object"]
    obj["outcome"].update(risk_level=level, risk_score=score)
    obj["payment_method_details"]["card"]["fingerprint"] = FINGERPRINT
    obj["billing_details"]["address"]["country"] = country
    return obj


def charge_succeeded(order: Order, **radar) -> dict:
    event = stripe_event("charge.refunded", order, type="charge.succeeded")
    event["data"] = {"object": charge(order, **radar)}
    return event


def risk_row(order: Order) -> OrderRisk:
    return OrderRisk.objects.get(order=order)


def verdict_of(order: Order) -> tuple:
    row = risk_row(order)
    return (row.card_fingerprint, row.billing_country, row.provider_risk_level,
            row.provider_risk_score)


def risk_notes(order: Order) -> list[str]:
    return [event.note for event in order.events.filter(kind=OrderEvent.Kind.RISK)]


# Stripe's charge.succeeded -----------------------------------------------------------------


def test_radars_highest_on_a_paid_order_holds_it_and_keeps_the_verdict(client, order):
    capture_by_webhook(client, order)
    event = charge_succeeded(order, level="highest", score=82, country="ca")
    assert post_stripe(client, event).status_code == 200
    assert stored(event).status == WebhookEvent.Status.PROCESSED
    paid = fresh(order)
    assert (paid.status, paid.needs_review) == (Status.PAID, True)
    assert verdict_of(order) == (FINGERPRINT, "CA", "highest", 82)
    row = risk_row(order)
    assert (row.score, row.stage) == (80, OrderRisk.Stage.PROVIDER)
    [note] = risk_notes(order)
    assert note.startswith(f"Risk score 80: {RADAR_HIGHEST} Billed in CA, shipped to US. (+20)")
    assert review_alerts(order) == [f"Order {order.number} needs review: {note}"]


def test_radars_normal_keeps_the_verdict_and_does_not_hold(client, order):
    capture_by_webhook(client, order)
    assert post_stripe(client, charge_succeeded(order)).status_code == 200
    paid = fresh(order)
    assert (paid.status, paid.needs_review) == (Status.PAID, False)
    assert verdict_of(order) == (FINGERPRINT, "US", "normal", 21)
    assert (risk_row(order).score, risk_row(order).reasons) == (0, [])
    assert not risk_notes(order) and not review_alerts(order)


def test_the_same_charge_delivered_twice_holds_once(client, order):
    capture_by_webhook(client, order)
    event = charge_succeeded(order, level="highest", score=82)
    post_stripe(client, event)
    assert post_stripe(client, event).status_code == 200
    assert len(risk_notes(order)) == 1


def test_a_verdict_arriving_before_the_capture_holds_the_order_once_it_is_paid(client, order):
    """Stripe sends charge.succeeded before payment_intent.succeeded as often as after: the
    verdict waits for its capture, then scores the paid order."""
    event = charge_succeeded(order, level="highest", score=82)
    assert post_stripe(client, event).status_code == 200
    assert stored(event).status == WebhookEvent.Status.WAITING
    unpaid = fresh(order)
    assert (unpaid.status, unpaid.needs_review) == (Status.AWAITING_PAYMENT, False)
    assert risk_row(order).stage == OrderRisk.Stage.PLACED

    paid = capture_by_webhook(client, order)
    assert stored(event).status == WebhookEvent.Status.PROCESSED
    assert paid.needs_review
    assert verdict_of(order) == (FINGERPRINT, "US", "highest", 82)
    assert risk_row(order).score == 60
    assert len(risk_notes(order)) == 1


def test_a_payment_intent_with_its_charge_expanded_carries_the_verdict(client, order):
    event = stripe_event("payment_intent.succeeded", order, **{
        "data.object.latest_charge": charge(order, level="highest", score=82)})
    assert post_stripe(client, event).status_code == 200
    paid = fresh(order)
    assert (paid.status, paid.needs_review) == (Status.PAID, True)
    assert verdict_of(order) == (FINGERPRINT, "US", "highest", 82)
    assert risk_row(order).stage == OrderRisk.Stage.PROVIDER
    assert RADAR_HIGHEST in risk_notes(order)[0]


def test_a_payment_intent_naming_its_charge_by_id_carries_no_verdict(client, order):
    capture_by_webhook(client, order)  # the fixture's latest_charge is the charge's id
    row = risk_row(order)
    assert (row.stage, row.provider_risk_level, row.card_fingerprint) == (
        OrderRisk.Stage.PAID, "", "")
    assert not fresh(order).needs_review


@pytest.mark.parametrize("score", ["99", 101, 150, -1, 80.5, True, None],
                         ids=["text", "101", "150", "negative", "fraction", "true", "null"])
def test_a_malformed_radar_score_is_ignored(client, order, score):
    capture_by_webhook(client, order)
    event = charge_succeeded(order, score=score)
    assert post_stripe(client, event).status_code == 200
    assert stored(event).status == WebhookEvent.Status.PROCESSED
    assert verdict_of(order) == (FINGERPRINT, "US", "normal", None)
    assert risk_row(order).score == 0 and not fresh(order).needs_review


def test_a_malformed_score_does_not_hide_a_level_of_highest(client, order):
    capture_by_webhook(client, order)
    post_stripe(client, charge_succeeded(order, level="highest", score="very high"))
    assert verdict_of(order) == (FINGERPRINT, "US", "highest", None)
    assert fresh(order).needs_review


def test_a_charge_without_an_outcome_or_card_is_applied_without_a_verdict(client, order):
    capture_by_webhook(client, order)
    event = charge_succeeded(order)
    obj = event["data"]["object"]
    obj["outcome"], obj["payment_method_details"], obj["billing_details"] = None, None, None
    assert post_stripe(client, event).status_code == 200
    assert verdict_of(order) == ("", "", "", None)
    assert not fresh(order).needs_review


# PayPal's seller protection ----------------------------------------------------------------


@pytest.fixture
def paypal_order(lamp):
    return place((lamp, 1), provider="paypal")


@pytest.mark.parametrize(("threshold", "holds"), [(50, False), (15, True)])
def test_paypals_seller_protection_not_eligible_is_kept_and_scores_15(
    client, paypal_order, settings, threshold, holds
):
    """Not eligible alone is below the default threshold: it adds to other oddities."""
    settings.RISK_REVIEW_THRESHOLD = threshold
    event = paypal_event("PAYMENT.CAPTURE.COMPLETED", paypal_order,
                         **{"resource.seller_protection.status": "NOT_ELIGIBLE"})
    with paypal_api():
        assert post_paypal(client, event).status_code == 200
    paid = fresh(paypal_order)
    assert (paid.status, paid.needs_review) == (Status.PAID, holds)
    row = risk_row(paypal_order)
    assert (row.seller_protection, row.score, row.stage) == (
        "NOT_ELIGIBLE", 15, OrderRisk.Stage.PROVIDER)
    assert row.reasons == [{"rule": "provider_verdict", "points": 15,
                            "why": "PayPal's seller protection: not eligible."}]


def test_paypals_seller_protection_eligible_adds_nothing(client, paypal_order):
    with paypal_api():
        capture_by_webhook(client, paypal_order)
    row = risk_row(paypal_order)
    assert (row.seller_protection, row.score) == ("ELIGIBLE", 0)
    assert not fresh(paypal_order).needs_review
