"""Refunds end to end: staff ask on the order's admin page (or through
`payments.refunds.request_refund`), the request is recorded as pending and sent to the
provider, and the order changes only when the provider's webhook confirms it."""

import json
import re
import time
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
import requests
import responses
from django.core import mail
from django.test import Client, TestCase
from django.urls import reverse

from core import retries
from monitoring import alerts
from payments import refunds
from payments.models import Payment, WebhookEvent
from payments.providers.base import ProviderUnavailable
from payments.providers.stripe import to_minor_units
from payments.providers.test import TestProvider
from payments.services import apply_event
from security.models import AuditEntry
from shop.errors import ShopError
from shop.models import Order, Promotion, Variant
from shop.services import fulfilment
from tests.factories import VariantFactory
from tests.payments.webhook_helpers import (
    PAYPAL_API,
    STRIPE_API,
    capture_by_webhook,
    paypal_api,
    paypal_capture,
    paypal_event,
    post_paypal,
    post_stripe,
    stripe_event,
    stripe_intent,
)
from tests.second_factor import sign_in_clerk
from tests.shop.buying import place

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("providers_on")]
D = Decimal
REFUNDS_URL = f"{STRIPE_API}/v1/refunds"
Status = Order.Status


@pytest.fixture
def stripe_api():
    """Stripe's API, stubbed: nothing answers unless a test says (and nothing is reached)."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def variant():
    return VariantFactory(on_hand=10, price=D("20.00"))


@pytest.fixture
def order(variant):
    """Two units, paid by card: Stripe's checkout.session.completed delivered."""
    order = place((variant, 2), provider="stripe")
    return settled(capture_by_webhook(Client(), order, "checkout.session.completed"), Status.PAID)


def settled(order: Order, status: str) -> Order:
    order.refresh_from_db()
    assert order.status == status
    mail.outbox.clear()
    return order


def minor(amount: Decimal) -> int:
    return to_minor_units(amount, "USD")


def stub_refund(api, refund_id: str = "re_test_1", **reply):
    if "body" not in reply and "status" not in reply:
        reply["json"] = {"id": refund_id, "object": "refund", "status": "pending"}
    api.add(responses.POST, REFUNDS_URL, **reply)


def sent(api) -> list[dict]:
    """The refunds asked of Stripe: each call's form parameters and its idempotency key."""
    found = []
    for call in api.calls:
        if call.request.url == REFUNDS_URL:
            params = {k: v[0] for k, v in parse_qs(call.request.body).items()}
            found.append({**params, "key": call.request.headers["Idempotency-Key"]})
    return found


def refund_page(order: Order) -> str:
    return reverse("admin:shop_order_refund", args=[order.pk])


def ask(client, order: Order, **data):
    """Post the refund form, then run what the request left for after its commit (sending
    the refund to the provider)."""
    data = {key: "on" if value is True else value for key, value in data.items()}
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(refund_page(order), data)


def the_refund(order: Order) -> Payment:
    return order.payments.get(kind=Payment.Kind.REFUND)


def confirmed_by_stripe(order: Order, refund: Payment, *, refunded: Decimal, **changes):
    """Stripe's charge.refunded for the refund the shop asked for: the charge's running
    total, and the refund with the request the shop put in its metadata."""
    refund.refresh_from_db()
    item = {
        "id": refund.reference, "object": "refund", "amount": minor(refund.amount),
        "charge": f"ch_test_{order.number}", "created": int(time.time()), "currency": "usd",
        "metadata": {"refund_request": f"refund-{refund.pk}"},
        "payment_intent": stripe_intent(order), "status": "succeeded",
    }
    event = stripe_event("charge.refunded.with_refunds", order, refunded=refunded,
                         **{"data.object.refunds.data": [item]}, **changes)
    response = post_stripe(Client(), event)
    assert response.status_code == 200
    order.refresh_from_db()
    return order


def line_field(order: Order) -> str:
    return f"line_{order.lines.get().pk}"


# A full refund from the admin -------------------------------------------------------------


def test_a_full_refund_is_asked_of_stripe_and_the_order_waits(staff_client, order, stripe_api):
    stub_refund(stripe_api, "re_test_full")
    response = ask(staff_client, order, amount=str(order.total), reason="Changed their mind")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:shop_order_change", args=[order.pk])
    refund = the_refund(order)
    assert (refund.status, refund.amount, refund.provider) == ("pending", order.total, "stripe")
    assert (refund.reference, refund.capture_reference) == ("re_test_full", stripe_intent(order))
    assert sent(stripe_api) == [{
        "payment_intent": stripe_intent(order), "amount": str(minor(order.total)),
        "metadata[refund_request]": f"refund-{refund.pk}", "key": f"refund-{refund.pk}",
    }]
    order.refresh_from_db()
    assert (order.status, order.refunded_total) == (Status.PAID, D("0.00"))
    assert mail.outbox == []


def test_asking_for_a_refund_writes_an_audit_row(staff_client, staff, order, stripe_api):
    stub_refund(stripe_api)
    ask(staff_client, order, amount=str(order.total), reason="Changed their mind")
    entry = AuditEntry.objects.get(action="refund")
    assert (entry.actor, entry.object_id) == (staff, str(order.pk))
    assert entry.details["amount"] == str(order.total)
    assert entry.details["provider"] == "stripe"
    assert entry.details["reason"] == "Changed their mind"


def test_stripes_webhook_refunds_the_order_and_emails_the_customer(
    staff_client, order, stripe_api, settings
):
    stub_refund(stripe_api, "re_test_full")
    ask(staff_client, order, amount=str(order.total))
    order = confirmed_by_stripe(order, the_refund(order), refunded=order.total)
    assert (order.status, order.refunded_total) == (Status.REFUNDED, order.total)
    refund = the_refund(order)
    assert refund.status == "succeeded" and refund.confirmed_at is not None
    assert [message.subject for message in mail.outbox] == [
        f"[{settings.STORE_NAME}] A refund for order {order.number}"
    ]
    assert mail.outbox[0].to == [order.email]
    assert order.events.filter(kind="refunded").count() == 1


def test_the_same_refund_webhook_twice_refunds_once(staff_client, order, stripe_api):
    stub_refund(stripe_api)
    ask(staff_client, order, amount="10.00")
    refund = the_refund(order)
    confirmed_by_stripe(order, refund, refunded=D("10.00"), id="evt_refund_once")
    order = confirmed_by_stripe(order, refund, refunded=D("10.00"), id="evt_refund_once")
    assert order.refunded_total == D("10.00")
    assert order.payments.filter(kind="refund").count() == 1
    assert len(mail.outbox) == 1


# Partial refunds ---------------------------------------------------------------------------


def test_a_partial_refund_by_amount_leaves_the_order_partially_refunded(
    staff_client, order, stripe_api
):
    stub_refund(stripe_api)
    ask(staff_client, order, amount="10.00")
    assert sent(stripe_api)[0]["amount"] == "1000"
    order = confirmed_by_stripe(order, the_refund(order), refunded=D("10.00"))
    assert (order.status, order.refunded_total) == (Status.PARTIALLY_REFUNDED, D("10.00"))


def test_a_refund_by_lines_puts_the_units_back_on_sale_once_confirmed(
    staff_client, order, variant, stripe_api
):
    stub_refund(stripe_api)
    ask(staff_client, order, **{line_field(order): "1"}, restock=True)
    refund = the_refund(order)
    line = order.lines.get()
    # One unit's price and the tax charged on it.
    assert refund.amount == line.unit_price + (line.unit_price * order.tax_rate).quantize(
        D("0.01"))
    assert refund.restock == {str(line.pk): 1}
    variant.refresh_from_db()
    assert (variant.on_hand, variant.reserved) == (8, 0)  # not before the provider confirms

    order = confirmed_by_stripe(order, refund, refunded=refund.amount)
    variant.refresh_from_db()
    line.refresh_from_db()
    assert variant.on_hand == 9
    assert line.quantity_restocked == 1
    assert order.status == Status.PARTIALLY_REFUNDED


@pytest.mark.parametrize(("units", "paid"), [(1, D("13.33")), (3, D("40.00"))])
def test_a_refund_by_lines_gives_back_what_was_paid_for_them(
    staff_client, variant, stripe_api, units, paid
):
    # "3 for 2": three $20.00 units cost $40.00, so one unit gives back a third of that and
    # the whole line all of it, with the tax charged on it.
    offer = Promotion.objects.create(name="3 for 2", automatic=True, benefit="buy_x_get_y",
                                     buy_quantity=2, free_quantity=1)
    offer.products.add(variant.product)
    order = place((variant, 3), provider="stripe")
    order = settled(capture_by_webhook(Client(), order, "checkout.session.completed"), Status.PAID)
    line = order.lines.get()
    assert (line.line_total, line.discount, line.paid) == (D("60.00"), D("20.00"), D("40.00"))
    stub_refund(stripe_api)
    ask(staff_client, order, **{line_field(order): str(units)})
    tax = (paid * order.tax_rate).quantize(D("0.01"))
    assert the_refund(order).amount == paid + tax
    assert sent(stripe_api)[0]["amount"] == str(minor(paid + tax))
    if units == 3:  # the goods' share of what was captured, to the cent
        assert paid + tax == order.total - order.shipping_total - (
            order.shipping_total * order.tax_rate).quantize(D("0.01"))


def test_a_refund_by_lines_without_restock_leaves_the_stock_alone(
    staff_client, order, variant, stripe_api
):
    stub_refund(stripe_api)
    ask(staff_client, order, **{line_field(order): "1"})
    refund = the_refund(order)
    order = confirmed_by_stripe(order, refund, refunded=refund.amount)
    assert (order.status, order.refunded_total) == (Status.PARTIALLY_REFUNDED, refund.amount)
    variant.refresh_from_db()
    assert variant.on_hand == 8


# Refunds the form refuses ------------------------------------------------------------------


def test_more_than_was_paid_is_refused_on_the_form_and_nothing_is_recorded(
    staff_client, order, stripe_api
):
    too_much = order.total + D("0.01")
    response = ask(staff_client, order, amount=str(too_much))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        f"A refund of {too_much} USD is more than the {order.total} USD left to refund on "
        f"order {order.number}."
    ]
    assert "is more than the" in response.text
    assert not order.payments.filter(kind="refund").exists()
    assert not AuditEntry.objects.filter(action="refund").exists()
    assert sent(stripe_api) == []


def test_a_refund_not_yet_confirmed_counts_as_gone(staff_client, order, stripe_api):
    stub_refund(stripe_api)
    ask(staff_client, order, amount="40.00")
    response = ask(staff_client, order, amount="10.00")
    left = order.total - D("40.00")
    assert response.context["form"].non_field_errors() == [
        f"A refund of 10.00 USD is more than the {left} USD left to refund on order "
        f"{order.number}."
    ]
    assert order.payments.filter(kind="refund").count() == 1


def test_more_units_than_the_line_has_are_refused(staff_client, order, stripe_api):
    response = ask(staff_client, order, **{line_field(order): "3"}, restock=True)
    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 2." in response.text
    assert not order.payments.filter(kind="refund").exists()


def test_a_refund_of_nothing_is_refused(staff_client, order, stripe_api):
    response = ask(staff_client, order, reason="Nothing")
    assert response.context["form"].non_field_errors() == [
        "Give an amount to refund, or the units of the lines to refund."
    ]
    assert not order.payments.filter(kind="refund").exists()


def test_an_order_with_nothing_paid_cannot_be_refunded(staff, variant):
    order = place((variant, 1), provider="stripe")
    with pytest.raises(ShopError, match=r"more than the 0\.00 USD left to refund"):
        refunds.request_refund(order_id=order.pk, wanted=refunds.RefundRequest(
            amount=D("1.00")), actor=staff)
    assert not order.payments.exists()


# Refunds made in the provider's own dashboard ----------------------------------------------


def test_a_refund_made_in_stripes_dashboard_is_applied_without_restock(order, variant):
    event = stripe_event("charge.refunded", order, refunded=D("10.00"))
    assert post_stripe(Client(), event).status_code == 200
    order.refresh_from_db()
    variant.refresh_from_db()
    assert (order.status, order.refunded_total) == (Status.PARTIALLY_REFUNDED, D("10.00"))
    refund = the_refund(order)
    assert (refund.status, refund.amount, refund.requested_by) == ("succeeded", D("10.00"), None)
    assert refund.capture_reference == stripe_intent(order)
    assert variant.on_hand == 8
    assert len(mail.outbox) == 1


# PayPal ------------------------------------------------------------------------------------


@pytest.fixture
def paypal():
    with paypal_api() as mock:
        yield mock


@pytest.fixture
def paypal_order(variant, paypal):
    order = place((variant, 2), provider="paypal")
    return settled(capture_by_webhook(Client(), order), Status.PAID)


def paypal_refund_url(order: Order) -> str:
    return f"{PAYPAL_API}/v2/payments/captures/{paypal_capture(order)}/refund"


def test_a_paypal_refund_is_asked_of_paypal_and_confirmed_by_its_webhook(
    staff_client, paypal_order, paypal
):
    order = paypal_order
    paypal.post(paypal_refund_url(order), json={"id": "REFUND-7", "status": "COMPLETED"})
    ask(staff_client, order, amount="10.00")
    refund = the_refund(order)
    assert (refund.status, refund.reference) == ("pending", "REFUND-7")
    call = next(c for c in paypal.calls if c.request.url == paypal_refund_url(order))
    assert call.request.headers["PayPal-Request-Id"] == f"refund-{refund.pk}"
    body = json.loads(call.request.body)
    assert body["amount"] == {"value": "10.00", "currency_code": "USD"}
    assert body["custom_id"] == f"refund-{refund.pk}"
    order.refresh_from_db()
    assert order.refunded_total == D("0.00")

    event = paypal_event("PAYMENT.CAPTURE.REFUNDED", order, amount=D("10.00"), **{
        "resource.id": "REFUND-7", "resource.custom_id": f"refund-{refund.pk}"})
    assert post_paypal(Client(), event).status_code == 200
    order.refresh_from_db()
    refund.refresh_from_db()
    assert (order.status, order.refunded_total) == (Status.PARTIALLY_REFUNDED, D("10.00"))
    assert refund.status == "succeeded"
    assert len(mail.outbox) == 1


def test_paypals_webhook_confirms_the_request_its_custom_id_names(staff, paypal_order):
    """Two requests of the same amount on the same capture, neither with PayPal's id yet
    (its webhook may overtake the answer to the refund call): custom_id tells them apart."""
    order = paypal_order
    first, second = (
        refunds.request_refund(order_id=order.pk, actor=staff,
                               wanted=refunds.RefundRequest(amount=D("10.00")))
        for _ in range(2)
    )
    event = paypal_event("PAYMENT.CAPTURE.REFUNDED", order, amount=D("10.00"), **{
        "resource.id": "REFUND-8", "resource.custom_id": f"refund-{second.pk}"})
    assert post_paypal(Client(), event).status_code == 200
    first.refresh_from_db()
    second.refresh_from_db()
    assert (second.status, second.reference) == ("succeeded", "REFUND-8")
    assert (first.status, first.reference) == ("pending", "")
    order.refresh_from_db()
    assert order.refunded_total == D("10.00")


def test_a_refund_given_up_on_is_still_applied_when_paypals_webhook_names_it(
    staff, paypal_order, variant
):
    """PayPal refunded, but its answer never reached the shop, which marked the request
    failed: the webhook naming the request still applies it, restock included."""
    order = paypal_order
    line = order.lines.get()
    refund = refunds.request_refund(order_id=order.pk, actor=staff, wanted=refunds.RefundRequest(
        lines={line.pk: 1}, restock=True))
    refunds.fail_refund(payment_id=refund.pk, reason="PayPal did not answer.")
    on_hand = Variant.objects.get(pk=variant.pk).on_hand

    event = paypal_event("PAYMENT.CAPTURE.REFUNDED", order, amount=refund.amount, **{
        "resource.id": "REFUND-9", "resource.custom_id": f"refund-{refund.pk}"})
    assert post_paypal(Client(), event).status_code == 200
    refund.refresh_from_db()
    assert (refund.status, refund.reference) == ("succeeded", "REFUND-9")
    assert Variant.objects.get(pk=variant.pk).on_hand == on_hand + 1
    assert order.payments.filter(kind="refund").count() == 1


# The provider refuses, or does not answer -------------------------------------------------


def test_a_refund_stripe_refuses_fails_and_alerts_staff(staff_client, order, stripe_api):
    stub_refund(stripe_api, status=400, json={"error": {
        "type": "invalid_request_error", "code": "charge_already_refunded",
        "message": "Charge ch_1 has already been refunded."}})
    ask(staff_client, order, amount="10.00")
    refund = the_refund(order)
    assert refund.status == "failed"
    assert refund.note == ("Refused: Stripe refused the refund: Charge ch_1 has already been "
                           "refunded.")
    assert [alert.message for alert in alerts.active_alerts()
            if alert.kind == alerts.PAYMENT_REVIEW] == [
        f"A refund for order {order.number} failed: Stripe refused the refund: Charge ch_1 "
        "has already been refunded."
    ]
    order.refresh_from_db()
    assert (order.status, order.refunded_total) == (Status.PAID, D("0.00"))
    assert refunds.refundable(order) == order.total  # the failed refund holds nothing back
    assert mail.outbox == []


def test_with_stripe_down_and_no_later_run_the_refund_fails_after_the_try(
    staff_client, order, stripe_api
):
    stub_refund(stripe_api, body=requests.ConnectionError("connection refused"))
    ask(staff_client, order, amount="10.00")
    assert len(sent(stripe_api)) == 3  # the SDK's own two retries, then given up
    refund = the_refund(order)
    assert refund.status == "failed"
    assert "the provider did not answer after 1 tries" in refund.note
    assert any(f"A refund for order {order.number} failed" in alert.message
               for alert in alerts.active_alerts())
    order.refresh_from_db()
    assert (order.status, order.refunded_total) == (Status.PAID, D("0.00"))


def test_with_stripe_down_a_backend_that_runs_later_retries_the_refund(
    staff_client, order, stripe_api, monkeypatch
):
    retried = []

    def retry_later(task, *, attempt, **kwargs):
        retried.append((task, attempt, kwargs))
        return True

    monkeypatch.setattr(retries, "retry_later", retry_later)
    stub_refund(stripe_api, body=requests.ConnectionError("connection refused"))
    ask(staff_client, order, amount="10.00")
    refund = the_refund(order)
    assert retried == [(refunds.send_refund, 1, {"payment_id": refund.pk})]
    assert (refund.status, refund.reference) == ("pending", "")

    stripe_api.replace(responses.POST, REFUNDS_URL, json={"id": "re_test_later"})
    refunds.send_refund.call(payment_id=refund.pk, attempt=2)
    refund.refresh_from_db()
    assert (refund.status, refund.reference) == ("pending", "re_test_later")
    assert {call["key"] for call in sent(stripe_api)} == {f"refund-{refund.pk}"}


def test_the_last_try_with_stripe_down_fails_the_refund(staff, order, stripe_api):
    stub_refund(stripe_api, body=requests.ConnectionError("connection refused"))
    refund = refunds.request_refund(order_id=order.pk, actor=staff,
                                    wanted=refunds.RefundRequest(amount=D("10.00")))
    with pytest.raises(ProviderUnavailable):
        refunds.send_refund.call(payment_id=refund.pk, attempt=retries.MAX_ATTEMPTS)
    refund.refresh_from_db()
    assert refund.status == "failed"
    assert f"after {retries.MAX_ATTEMPTS} tries" in refund.note


# Cancelling a paid order by refunding it ---------------------------------------------------


def test_a_full_refund_that_cancels_keeps_the_stock_sold_unless_restocked(
    staff_client, order, variant, stripe_api
):
    stub_refund(stripe_api)
    ask(staff_client, order, amount=str(order.total), cancel_order=True)
    assert the_refund(order).cancels_order
    order = confirmed_by_stripe(order, the_refund(order), refunded=order.total)
    variant.refresh_from_db()
    assert order.status == Status.CANCELLED and order.closed_at is not None
    assert order.refunded_total == order.total
    assert variant.on_hand == 8


def test_a_full_refund_that_cancels_can_put_every_unit_back_on_sale(
    staff_client, order, variant, stripe_api
):
    stub_refund(stripe_api)
    response = ask(staff_client, order, cancel_order=True, restock=True,
                   **{line_field(order): "2"})
    assert response.status_code == 302, response.context["form"].errors
    refund = the_refund(order)
    assert refund.amount == order.total  # everything left, shipping included
    variant.refresh_from_db()
    assert variant.on_hand == 8

    order = confirmed_by_stripe(order, refund, refunded=order.total)
    variant.refresh_from_db()
    assert order.status == Status.CANCELLED
    assert (variant.on_hand, variant.reserved) == (10, 0)


def test_only_a_refund_of_everything_left_cancels(staff_client, order, stripe_api):
    response = ask(staff_client, order, amount="10.00", cancel_order=True)
    assert response.context["form"].non_field_errors() == [
        "Only a refund of everything left cancels the order."
    ]
    assert not order.payments.filter(kind="refund").exists()


def test_a_shipped_order_cannot_be_cancelled_by_a_refund(staff_client, order, stripe_api):
    fulfilment.mark_shipped(order_id=order.pk, tracking_number="1Z999")
    response = ask(staff_client, order, amount=str(order.total), cancel_order=True)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        f"Order {order.number} is shipped: only a paid order that has not shipped is "
        "cancelled by a refund. Refund it without cancelling it."
    ]
    assert not order.payments.filter(kind="refund").exists()
    assert sent(stripe_api) == []


def test_units_already_on_their_way_back_cannot_be_restocked_twice(staff, stripe_api):
    """The second request would be refunded by the provider, then fail to restock."""
    mug, coat = VariantFactory(price=D("5.00")), VariantFactory(price=D("40.00"))
    order = place((mug, 1), (coat, 1), provider="stripe")
    post_stripe(Client(), stripe_event("checkout.session.completed", order))
    order = settled(order, Status.PAID)
    mug_line = order.lines.get(variant=mug)
    ask_for = refunds.RefundRequest(lines={mug_line.pk: 1}, restock=True)
    refunds.request_refund(order_id=order.pk, wanted=ask_for, actor=staff)
    with pytest.raises(ShopError, match=re.escape(
        f"Only 0 of {mug_line.name} on order {order.number} can go back on sale once the "
        "refunds already asked for are confirmed, not 1."
    )):
        refunds.request_refund(order_id=order.pk, wanted=ask_for, actor=staff)
    assert order.payments.filter(kind="refund").count() == 1


def test_money_on_an_order_never_paid_cannot_put_units_back_on_sale(staff, variant):
    """A capture that did not match the order (flagged): the stock never left."""
    order = place((variant, 2), provider="stripe")
    post_stripe(Client(), stripe_event("checkout.session.completed", order, amount=D("1.00")))
    order = settled(order, Status.AWAITING_PAYMENT)
    assert order.captured_total == D("1.00")
    line = order.lines.get()
    with pytest.raises(ShopError, match="was never paid"):
        refunds.request_refund(order_id=order.pk, actor=staff, wanted=refunds.RefundRequest(
            lines={line.pk: 1}, restock=True))
    assert not order.payments.filter(kind="refund").exists()


# The test provider -------------------------------------------------------------------------


def test_the_test_providers_refund_is_confirmed_at_once(staff, variant):
    order = place((variant, 2), provider="test")
    with TestCase.captureOnCommitCallbacks(execute=True):
        apply_event(TestProvider().decision(order, approve=True))
    order = settled(order, Status.PAID)
    with TestCase.captureOnCommitCallbacks(execute=True):
        refund = refunds.request_refund(order_id=order.pk, actor=staff,
                                        wanted=refunds.RefundRequest(amount=D("10.00")))
    refund.refresh_from_db()
    order.refresh_from_db()
    assert (refund.status, refund.reference) == ("succeeded", f"test_refund-{refund.pk}")
    assert (order.status, order.refunded_total) == (Status.PARTIALLY_REFUNDED, D("10.00"))
    assert len(mail.outbox) == 1
    assert not WebhookEvent.objects.exists()


# Who may refund ----------------------------------------------------------------------------


def test_the_refund_page_says_how_much_can_be_refunded(staff_client, order):
    response = staff_client.get(refund_page(order))
    assert response.status_code == 200
    assert f"<strong>{order.total} USD</strong> can still be refunded" in response.text
    change = staff_client.get(reverse("admin:shop_order_change", args=[order.pk]))
    assert refund_page(order) in change.text


def test_staff_who_may_refund_orders_may_refund(order, stripe_api):
    stub_refund(stripe_api)
    client = Client()
    sign_in_clerk(client, "shop.view_order", "shop.refund_order")
    assert ask(client, order, amount="10.00").status_code == 302
    assert the_refund(order).status == "pending"


def test_staff_who_may_change_orders_but_not_refund_may_not(order, stripe_api):
    client = Client()
    sign_in_clerk(client, "shop.view_order", "shop.change_order")
    change = client.get(reverse("admin:shop_order_change", args=[order.pk]))
    assert change.status_code == 200 and refund_page(order) not in change.text
    assert ask(client, order, amount="10.00").status_code == 403
    assert not order.payments.filter(kind="refund").exists()


def test_staff_who_may_only_view_orders_may_not_refund(order, stripe_api):
    client = Client()
    sign_in_clerk(client, "shop.view_order")
    assert client.get(refund_page(order)).status_code == 403
    assert ask(client, order, amount="10.00").status_code == 403
    assert not order.payments.filter(kind="refund").exists()


def test_a_signed_in_session_without_the_second_factor_cannot_refund(order, staff, stripe_api):
    client = Client()
    client.force_login(staff)
    response = ask(client, order, amount="10.00")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert not order.payments.filter(kind="refund").exists()
