"""Paying for an order as the shopper does: the order page's ways to pay, the start that
sends them to Stripe or PayPal, the page they come back to (which waits for the webhook),
leaving the provider's page, and catching up on Stripe events whose webhook never came."""

import json
import time
from datetime import timedelta
from decimal import Decimal
from io import StringIO
from urllib.parse import parse_qs

import pytest
import requests
import responses
from django.core import mail
from django.core.management import call_command
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone
from responses.matchers import query_param_matcher

from payments import providers, refunds
from payments.models import Payment, WebhookEvent
from shop.models import Order
from tests.accounts import make_account
from tests.factories import VariantFactory
from tests.payments.webhook_helpers import (
    PAYPAL_API,
    STRIPE_API,
    capture_by_webhook,
    paypal_api,
    paypal_order_id,
    post_stripe,
    stripe_event,
    stripe_intent,
    stripe_session,
)
from tests.second_factor import sign_in_with_second_factor
from tests.shop.buying import place

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("providers_on")]
D = Decimal
SESSIONS_URL = f"{STRIPE_API}/v1/checkout/sessions"
EVENTS_URL = f"{STRIPE_API}/v1/events"
PAYPAL_ORDERS_URL = f"{PAYPAL_API}/v2/checkout/orders"
CHECKOUT_URL = "https://checkout.stripe.com/c/pay/cs_test_session"
UNAVAILABLE = ("Card payments are not available right now. Try again in a few minutes, "
               "or pay with PayPal.")
Status = Order.Status


@pytest.fixture
def api():
    """Stripe's and PayPal's APIs, stubbed on one mock: PayPal grants a token, nothing else
    answers unless a test says (and nothing outside is reached)."""
    with paypal_api() as mock:
        yield mock


@pytest.fixture
def shopper():
    return make_account("ada@example.com")


@pytest.fixture
def client(client, shopper):
    client.force_login(shopper)
    return client


@pytest.fixture
def variant():
    return VariantFactory(on_hand=5, price=D("20.00"))


@pytest.fixture
def order(shopper, variant):
    return place((variant, 2), user=shopper, provider="stripe")


def url(name: str, order: Order) -> str:
    return reverse(f"payments:{name}", args=[order.number])


def stub_session(api, **reply):
    if "body" not in reply and "status" not in reply:
        reply.setdefault("json", {"id": "cs_test_session", "object": "checkout.session",
                                  "url": CHECKOUT_URL})
    api.add(responses.POST, SESSIONS_URL, **reply)


def form(call) -> dict:
    return {key: values[0] for key, values in parse_qs(call.request.body).items()}


def attempts(order: Order) -> list[tuple[str, str, str]]:
    return list(order.payments.filter(kind=Payment.Kind.ATTEMPT)
                .values_list("provider", "status", "reference"))


# The order page ----------------------------------------------------------------------------


def test_the_order_page_offers_every_provider_turned_on(client, order):
    response = client.get(order.get_absolute_url())
    assert response.status_code == 200
    assert f'action="{url("start", order)}"' in response.text
    assert '<option value="stripe" selected>Card (Stripe)</option>' in response.text
    assert '<option value="paypal">PayPal</option>' in response.text
    assert '<option value="test">Test payment (no money moves)</option>' in response.text


def test_every_provider_has_a_name_shoppers_are_shown(settings):
    assert set(settings.PAYMENT_PROVIDER_LABELS) == set(providers.PROVIDERS)


def test_with_one_provider_the_order_page_has_no_choice_to_make(client, order, settings):
    settings.PAYMENT_PROVIDERS = ["stripe"]
    response = client.get(order.get_absolute_url())
    assert f'action="{url("start", order)}"' in response.text
    assert 'name="provider"' not in response.text


# Starting a payment ------------------------------------------------------------------------


def test_paying_by_card_goes_to_stripe_checkout(client, order, api):
    stub_session(api)
    response = client.post(url("start", order), {"provider": "stripe"})
    assert response.status_code == 302
    assert response["Location"] == CHECKOUT_URL
    attempt = order.payments.get()
    assert (attempt.kind, attempt.status, attempt.provider) == ("attempt", "pending", "stripe")
    assert (attempt.reference, attempt.amount) == ("cs_test_session", order.total)
    call = api.calls[0]
    assert call.request.headers["Idempotency-Key"] == f"attempt-{attempt.pk}"
    params = form(call)
    assert params["metadata[order]"] == order.number
    assert params["success_url"].startswith(f"http://testserver{url('return', order)}")
    assert params["cancel_url"] == f"http://testserver{url('cancelled', order)}"
    order.refresh_from_db()
    assert order.status == Status.AWAITING_PAYMENT


def test_the_provider_chosen_at_checkout_is_used_without_asking(client, order, api):
    stub_session(api)
    response = client.get(url("start", order))
    assert response["Location"] == CHECKOUT_URL
    assert attempts(order) == [("stripe", "pending", "cs_test_session")]


@pytest.mark.parametrize(("reply", "message"), [
    pytest.param(
        {"status": 402, "json": {"error": {"type": "card_error", "code": "card_declined",
                                           "message": "Your card was declined."}}},
        "The card payment could not be started: Your card was declined. Try another card, "
        "or pay with PayPal.",
        id="card declined"),
    pytest.param({"body": requests.ConnectionError("connection refused")}, UNAVAILABLE,
                 id="stripe down"),
    pytest.param(
        {"status": 401, "json": {"error": {"type": "invalid_request_error",
                                           "message": "Invalid API Key provided: sk_test_***"}}},
        UNAVAILABLE, id="bad key"),
])
def test_a_payment_stripe_will_not_start_leaves_the_order_waiting(
    client, order, api, reply, message
):
    stub_session(api, **reply)
    response = client.post(url("start", order), {"provider": "stripe"}, follow=True)
    assert response.redirect_chain == [(order.get_absolute_url(), 302)]
    assert [str(m) for m in response.context["messages"]] == [message]
    assert message in response.text
    order.refresh_from_db()
    assert order.status == Status.AWAITING_PAYMENT
    attempt = order.payments.get()
    assert (attempt.kind, attempt.status, attempt.note) == ("attempt", "failed", message)


def test_the_shopper_can_switch_to_paypal_on_the_order_page(client, order, api):
    approve = f"https://www.sandbox.paypal.com/checkoutnow?token={paypal_order_id(order)}"
    api.post(PAYPAL_ORDERS_URL, json={"id": paypal_order_id(order), "status": "CREATED",
                                      "links": [{"rel": "payer-action", "href": approve}]})
    response = client.post(url("start", order), {"provider": "paypal"})
    assert response["Location"] == approve
    order.refresh_from_db()
    assert order.payment_provider == "paypal"
    assert attempts(order) == [("paypal", "pending", paypal_order_id(order))]
    sent = json.loads(next(c for c in api.calls if c.request.url == PAYPAL_ORDERS_URL)
                      .request.body)
    assert sent["purchase_units"][0]["custom_id"] == order.number
    assert sent["purchase_units"][0]["amount"]["value"] == str(order.total)


def test_after_a_declined_card_the_shopper_can_pay_with_paypal(client, order, api):
    stub_session(api, status=402, json={"error": {"type": "card_error",
                                                  "message": "Your card was declined."}})
    client.post(url("start", order), {"provider": "stripe"})
    api.post(PAYPAL_ORDERS_URL, json={"id": paypal_order_id(order), "links": [
        {"rel": "payer-action", "href": "https://www.sandbox.paypal.com/checkoutnow"}]})
    response = client.post(url("start", order), {"provider": "paypal"})
    assert response["Location"] == "https://www.sandbox.paypal.com/checkoutnow"
    assert attempts(order) == [("stripe", "failed", ""),
                               ("paypal", "pending", paypal_order_id(order))]


@pytest.mark.parametrize("provider", ["bitcoin", ""])
def test_a_provider_that_is_not_on_starts_nothing(client, order, api, settings, provider):
    settings.PAYMENT_PROVIDERS = ["paypal"]  # the order's own (stripe) is off too
    response = client.post(url("start", order), {"provider": provider}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["This order cannot be paid now."]
    assert not order.payments.exists()
    assert len(api.calls) == 0


def test_a_paid_order_is_not_paid_again(client, order, api):
    order = capture_by_webhook(Client(), order, "checkout.session.completed")
    response = client.post(url("start", order), {"provider": "stripe"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["This order cannot be paid now."]
    assert not order.payments.filter(kind=Payment.Kind.ATTEMPT).exists()
    assert len(api.calls) == 0


# Coming back from the provider -------------------------------------------------------------


def test_the_return_page_waits_for_the_webhook(client, order, api):
    response = client.get(url("return", order), {"session_id": "cs_test_session"})
    assert response.status_code == 200
    assert "Confirming your payment" in response.text
    assert f'hx-get="{url("status", order)}"' in response.text
    order.refresh_from_db()
    assert order.status == Status.AWAITING_PAYMENT
    assert len(api.calls) == 0


def poll(client, order):
    return client.get(url("status", order), HTTP_HX_REQUEST="true",
                      HTTP_HX_TARGET="payment-status")


def test_the_status_keeps_polling_while_unpaid(client, order):
    # Nothing new: no content, so htmx swaps nothing and keeps polling, and screen readers
    # are not told "confirming" again every two seconds.
    response = poll(client, order)
    assert response.status_code == 204
    assert response.content == b""


def test_the_status_stops_polling_once_a_webhook_paid_the_order(client, order):
    capture_by_webhook(Client(), order, "checkout.session.completed")
    response = poll(client, order)
    assert response.status_code == 286
    assert "<strong>Paid.</strong>" in response.text
    assert "hx-get" not in response.text
    assert "<html" not in response.text
    # The paid units left the cart: the header's badge is told at once.
    assert json.loads(response["HX-Trigger"]) == {"cart-changed": {"count": 0}}


def test_the_status_shows_a_failed_payment_with_the_ways_to_try_again(client, order):
    post_stripe(Client(), stripe_event("checkout.session.async_payment_failed", order))
    response = poll(client, order)
    assert response.status_code == 286
    assert "<strong>Your payment was declined.</strong> The delayed payment failed." in (
        response.text)
    assert f'action="{url("start", order)}"' in response.text
    assert '<button type="submit" name="provider" value="stripe" class="button button--primary"' \
        '>Try again</button>' in response.text
    assert ">Pay with PayPal</button>" in response.text
    assert "hx-get" not in response.text


def test_the_status_shows_an_expired_session_as_settled(client, order):
    post_stripe(Client(), stripe_event("checkout.session.expired", order))
    response = poll(client, order)
    assert response.status_code == 286
    assert "The order is <strong>cancelled</strong>." in response.text


def test_trying_again_after_a_failure_clears_it(client, order, api):
    post_stripe(Client(), stripe_event("checkout.session.async_payment_failed", order))
    stub_session(api)
    response = client.post(url("start", order), {"provider": "stripe"})
    assert response["Location"] == CHECKOUT_URL
    order.refresh_from_db()
    assert order.payment_failure == "" and order.status == Status.AWAITING_PAYMENT
    assert poll(client, order).status_code == 204  # waiting for the new attempt


def test_an_order_past_its_deadline_cannot_be_paid(client, order, api):
    Order.objects.filter(pk=order.pk).update(pay_by=timezone.now() - timedelta(minutes=1))
    response = client.post(url("start", order), {"provider": "stripe"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["This order cannot be paid now."]
    assert "The time to pay for this order has run out" in response.text
    assert len(api.calls) == 0


def test_the_status_page_without_htmx_is_the_whole_page(client, order):
    capture_by_webhook(Client(), order, "checkout.session.completed")
    response = client.get(url("status", order))
    assert response.status_code == 200
    assert "<html" in response.text and "<strong>Paid.</strong>" in response.text


@pytest.fixture
def paypal_order(shopper, variant):
    return place((variant, 1), user=shopper, provider="paypal")


def stub_paypal_order(api, order, status="APPROVED"):
    api.get(f"{PAYPAL_ORDERS_URL}/{paypal_order_id(order)}", json={
        "id": paypal_order_id(order), "status": status,
        "purchase_units": [{"reference_id": order.number, "custom_id": order.number}]})


def capture_url(order) -> str:
    return f"{PAYPAL_ORDERS_URL}/{paypal_order_id(order)}/capture"


def test_coming_back_from_paypal_captures_without_marking_paid(client, paypal_order, api):
    order = paypal_order
    stub_paypal_order(api, order)
    api.post(capture_url(order), json={"id": paypal_order_id(order), "status": "COMPLETED",
                                       "purchase_units": [{"payments": {"captures": [
                                           {"id": "CAP-1", "status": "COMPLETED"}]}}]})
    response = client.get(url("return", order),
                          {"token": paypal_order_id(order), "PayerID": "QYR5Z8XDVJNXQ"})
    assert response.status_code == 200
    assert "Confirming your payment" in response.text
    captured = [c for c in api.calls if c.request.url == capture_url(order)]
    assert len(captured) == 1
    assert captured[0].request.headers["PayPal-Request-Id"] == f"capture-{paypal_order_id(order)}"
    order.refresh_from_db()
    assert order.status == Status.AWAITING_PAYMENT  # the webhook fulfils
    assert not order.payments.filter(kind=Payment.Kind.CAPTURE).exists()
    assert mail.outbox == []


def test_a_capture_paypal_declines_goes_back_to_the_order_with_a_message(
    client, paypal_order, api
):
    order = paypal_order
    stub_paypal_order(api, order)
    api.post(capture_url(order), status=422, json={
        "name": "UNPROCESSABLE_ENTITY", "details": [{"issue": "INSTRUMENT_DECLINED"}]})
    response = client.get(url("return", order), {"token": paypal_order_id(order)}, follow=True)
    assert response.redirect_chain == [(order.get_absolute_url(), 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "PayPal declined the payment. Try again with another card or account in PayPal, "
        "or pay by card."
    ]
    order.refresh_from_db()
    assert order.status == Status.AWAITING_PAYMENT


def test_leaving_the_providers_page_keeps_the_order_open(client, order):
    response = client.get(url("cancelled", order), follow=True)
    assert response.redirect_chain == [(order.get_absolute_url(), 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "You left the payment page, so nothing was charged. The order is waiting for "
        "payment: pay now or another way."
    ]
    order.refresh_from_db()
    assert order.status == Status.AWAITING_PAYMENT
    assert f'action="{url("start", order)}"' in response.text


# Someone else's order ----------------------------------------------------------------------


@pytest.mark.parametrize(("name", "method"), [
    ("start", "post"), ("start", "get"), ("return", "get"), ("status", "get"),
    ("cancelled", "get"),
])
def test_someone_elses_order_does_not_exist(order, api, name, method):
    stranger = Client()
    stranger.force_login(make_account("eve@example.com"))
    response = getattr(stranger, method)(url(name, order), {"provider": "stripe"})
    assert response.status_code == 404
    assert not order.payments.exists()
    assert len(api.calls) == 0


def test_a_guest_without_the_orders_key_cannot_pay_it(order, api):
    response = Client().post(url("start", order), {"provider": "stripe"})
    assert response.status_code == 404
    assert not order.payments.exists()


# Catching up on missed webhooks ------------------------------------------------------------


def listing(*events, has_more: bool = False) -> dict:
    """A page of Stripe's list of events."""
    return {"object": "list", "url": "/v1/events", "has_more": has_more, "data": list(events)}


def stub_events(api, *events):
    api.get(EVENTS_URL, json=listing(*events))


def sync() -> str:
    out = StringIO()
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("sync_payment_events", stdout=out)
    return out.getvalue().strip()


def test_sync_applies_a_stripe_event_whose_webhook_never_came(order, variant, api):
    event = stripe_event("checkout.session.completed", order)
    stub_events(api, event)
    assert sync() == "1 missed event applied."
    order.refresh_from_db()
    variant.refresh_from_db()
    assert order.status == Status.PAID
    assert (variant.on_hand, variant.reserved) == (3, 0)
    stored = WebhookEvent.objects.get()
    assert (stored.event_id, stored.status) == (event["id"], "processed")
    assert stored.verified_by == "fetched from the provider's API"
    assert len(mail.outbox) == 1
    params = parse_qs(api.calls[0].request.url.split("?", 1)[1])
    assert "checkout.session.completed" in {
        values[0] for name, values in params.items() if name.startswith("types[")
    }
    assert abs(int(params["created[gte]"][0]) - (time.time() - 24 * 60 * 60)) < 60


def test_sync_does_not_apply_an_event_twice(order, api):
    stub_events(api, stripe_event("checkout.session.completed", order))
    sync()
    assert sync() == "0 missed events applied."
    assert order.payments.filter(kind=Payment.Kind.CAPTURE).count() == 1
    assert WebhookEvent.objects.count() == 1
    assert len(mail.outbox) == 1


def test_sync_skips_an_event_its_webhook_delivered(order, api):
    event = stripe_event("checkout.session.completed", order)
    post_stripe(Client(), event)
    stub_events(api, event)
    assert sync() == "0 missed events applied."
    assert order.payments.filter(kind=Payment.Kind.CAPTURE).count() == 1


def test_sync_reads_every_page_of_stripes_list(order, shopper, variant, api):
    other = place((variant, 1), user=shopper, provider="stripe")
    newest = stripe_event("checkout.session.completed", order)
    older = stripe_event("payment_intent.succeeded", other)
    # The next page is the one after the last event of the page before.
    api.get(EVENTS_URL, json=listing(older), match=[
        query_param_matcher({"starting_after": newest["id"]}, strict_match=False)])
    api.get(EVENTS_URL, json=listing(newest, has_more=True))
    assert sync() == "2 missed events applied."
    for placed in (order, other):
        placed.refresh_from_db()
        assert placed.status == Status.PAID


def test_sync_applies_a_refund_listed_before_its_capture(order, api):
    """Stripe lists the newest first: the refund waits for the capture, then is applied."""
    refunded = stripe_event("charge.refunded", order, refunded=D("10.00"))
    paid = stripe_event("checkout.session.completed", order)
    stub_events(api, refunded, paid)
    assert sync() == "2 missed events applied."
    order.refresh_from_db()
    assert (order.status, order.refunded_total) == (Status.PARTIALLY_REFUNDED, D("10.00"))
    assert set(WebhookEvent.objects.values_list("status", flat=True)) == {"processed"}


# The transaction history on the admin's order page -----------------------------------------


def test_the_admin_order_page_lists_the_orders_transactions(client, order, api, staff):
    stub_session(api, json={"id": stripe_session(order), "url": CHECKOUT_URL})
    client.post(url("start", order), {"provider": "stripe"})
    capture_by_webhook(Client(), order, "checkout.session.completed")
    refunds.request_refund(order_id=order.pk, actor=staff,
                           wanted=refunds.RefundRequest(amount=D("10.00")))
    staff_client = Client()
    sign_in_with_second_factor(staff_client, staff)
    response = staff_client.get(reverse("admin:shop_order_change", args=[order.pk]))
    assert response.status_code == 200
    inline = next(i for i in response.context["inline_admin_formsets"]
                  if i.formset.prefix == "payments")
    assert [(p.kind, p.status, p.amount, p.reference) for p in inline.formset.queryset] == [
        ("attempt", "succeeded", order.total, stripe_session(order)),
        ("capture", "succeeded", order.total, stripe_intent(order)),
        ("refund", "pending", D("10.00"), ""),
    ]
    for text in (stripe_session(order), stripe_intent(order), "Attempt", "Capture", "Refund"):
        assert text in response.text
