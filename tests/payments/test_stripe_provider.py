"""The Stripe provider against a stand-in for Stripe's API: the Checkout Session it opens,
the refunds it asks for, the webhook signatures it accepts, and the events it reads."""

import json
import logging
import time
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from django.test import RequestFactory
from django.urls import reverse

from payments.providers import stripe as stripe_module
from payments.providers.base import (
    Delivery,
    PaymentEvent,
    PaymentStartError,
    ProviderUnavailable,
    RefundError,
    StartedPayment,
    StartedRefund,
    WebhookRejected,
)
from payments.providers.stripe import StripeProvider
from tests.factories import OrderFactory, OrderLineFactory
from tests.payments.stripe_signing import body, event, fixture_names, sign

D = Decimal
API = "https://stripe.test"
SECRET_KEY = "sk_test_51NorthwindSecretKey0000"
WEBHOOK_SECRET = "whsec_current0secret"
ORDER = "7KQ4M9XT2P"
SESSION = "cs_test_a1Zq3Lk8VbN2rT5wYh7Gd4Xc9PmE6uJf0sKoR1iW"
INTENT = "pi_3SDoPq2eZvKYlo2C1aB2cD3e"
CHARGE = "ch_3SDoPq2eZvKYlo2C1fG4hI5j"

UNAVAILABLE = ("Card payments are not available right now. Try again in a few minutes, "
               "or pay with PayPal.")
NOT_STARTED = "The card payment could not be started. Try again, or pay with PayPal."

provider = StripeProvider()


@pytest.fixture(autouse=True)
def stripe_settings(settings):
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = API
    settings.PAYMENT_PROVIDERS = ["stripe", "paypal"]
    settings.ORDER_PAYMENT_TIMEOUT_MINUTES = 30



@pytest.fixture
def stripe_api():
    with responses.RequestsMock() as mock:
        yield mock


def make_order(*lines, currency="USD", shipping="5.00", tax="0.00", discount="0.00"):
    """An order of (name, options, unit price, quantity) lines whose totals add up."""
    subtotal = sum((D(price) * quantity for _, _, price, quantity in lines), D("0.00"))
    order = OrderFactory(
        number=ORDER, email="ada@example.com", currency=currency, subtotal=subtotal,
        shipping_total=D(shipping), tax_total=D(tax), discount_total=D(discount),
        shipping_method_name="Standard",
    )
    for name, options, price, quantity in lines:
        OrderLineFactory(order=order, product_name=name, options=options,
                         unit_price=D(price), quantity=quantity)
    return order


def stub_session(stripe_api, **kwargs):
    if "body" not in kwargs:
        kwargs.setdefault("json", {
            "id": SESSION, "object": "checkout.session",
            "url": f"https://checkout.stripe.com/c/pay/{SESSION}",
        })
    stripe_api.add(responses.POST, f"{API}/v1/checkout/sessions", **kwargs)


def error_body(kind, message, code=None):
    return {"error": {"type": kind, "message": message, "code": code}}


def form(call) -> dict:
    """A request's form-encoded parameters, as Stripe reads them."""
    text = call.request.body
    text = text.decode() if isinstance(text, bytes) else text
    return {key: values[0] for key, values in parse_qs(text, keep_blank_values=True).items()}


def line_items(params) -> list[tuple[str, int, int, str]]:
    items, index = [], 0
    while f"line_items[{index}][quantity]" in params:
        prefix = f"line_items[{index}]"
        items.append((
            params[f"{prefix}[price_data][product_data][name]"],
            int(params[f"{prefix}[price_data][unit_amount]"]),
            int(params[f"{prefix}[quantity]"]),
            params[f"{prefix}[price_data][currency]"],
        ))
        index += 1
    return items


def start(order, attempt_key="attempt-1"):
    """Start as the start view does, with the absolute URLs it builds."""
    return provider.start_payment(
        order, attempt_key=attempt_key,
        return_url=f"http://testserver{reverse('payments:return', args=[order.number])}",
        cancel_url=f"http://testserver{reverse('payments:cancelled', args=[order.number])}",
    )


# Starting a payment


@pytest.mark.django_db
def test_starting_a_payment_opens_a_checkout_session_for_the_order(stripe_api):
    order = make_order(("Linen shirt", "M / Blue", "19.99", 2), ("Canvas tote", "", "4.50", 1),
                       shipping="5.00", tax="3.96")
    stub_session(stripe_api)
    before = int(time.time())

    started = start(order)

    assert started == StartedPayment(
        redirect_url=f"https://checkout.stripe.com/c/pay/{SESSION}", reference=SESSION
    )
    params = form(stripe_api.calls[0])
    assert line_items(params) == [
        ("Linen shirt (M / Blue)", 1999, 2, "usd"),
        ("Canvas tote", 450, 1, "usd"),
        ("Shipping (Standard)", 500, 1, "usd"),
        ("Tax", 396, 1, "usd"),
    ]
    back = f"http://testserver{reverse('payments:return', args=[ORDER])}"
    cancelled = reverse("payments:cancelled", args=[ORDER])
    assert {key: value for key, value in params.items() if not key.startswith("line_items")} == {
        "mode": "payment",
        "metadata[order]": ORDER,
        "payment_intent_data[metadata][order]": ORDER,
        "client_reference_id": ORDER,
        "customer_email": "ada@example.com",
        "success_url": f"{back}?session_id={{CHECKOUT_SESSION_ID}}",
        "cancel_url": f"http://testserver{cancelled}",
        "expires_at": params["expires_at"],
    }
    assert before + 30 * 60 < int(params["expires_at"]) <= int(time.time()) + 31 * 60


@pytest.mark.django_db
def test_the_line_items_add_up_to_the_order_total(stripe_api):
    order = make_order(("Wool socks", "", "7.35", 3), ("Beanie", "Grey", "12.10", 1),
                       shipping="4.95", tax="2.73")
    stub_session(stripe_api)
    start(order)
    charged = sum(amount * quantity for _, amount, quantity, _ in line_items(
        form(stripe_api.calls[0])
    ))
    assert order.total == D("41.83")
    assert charged == 4183


@pytest.mark.django_db
def test_the_attempt_key_is_the_idempotency_key_and_the_secret_key_authorises(
    stripe_api
):
    stub_session(stripe_api)
    start(make_order(("Mug", "", "9.00", 1)), attempt_key="7KQ4M9XT2P-attempt-3")
    headers = stripe_api.calls[0].request.headers
    assert headers["Idempotency-Key"] == "7KQ4M9XT2P-attempt-3"
    assert headers["Authorization"] == f"Bearer {SECRET_KEY}"


@pytest.mark.django_db
def test_a_zero_decimal_currency_is_sent_in_whole_units(stripe_api):
    order = make_order(("Tenugui", "", "1200.00", 2), currency="JPY", shipping="500.00",
                       tax="290.00")
    stub_session(stripe_api)
    start(order)
    assert line_items(form(stripe_api.calls[0])) == [
        ("Tenugui", 1200, 2, "jpy"), ("Shipping (Standard)", 500, 1, "jpy"), ("Tax", 290, 1, "jpy"),
    ]


@pytest.mark.django_db
def test_an_amount_the_currency_cannot_hold_starts_nothing(stripe_api):
    order = make_order(("Tenugui", "", "1200.50", 1), currency="JPY", shipping="0.00")
    with pytest.raises(PaymentStartError, match=NOT_STARTED):
        start(order)
    assert len(stripe_api.calls) == 0


@pytest.mark.django_db
def test_a_discounted_line_is_one_item_at_what_is_paid_for_it(stripe_api):
    # $4.00 off the shirts and free shipping: Checkout has no discount line, so each is sent
    # at what is paid for it, and the items still add up to the total.
    order = make_order(("Linen shirt", "M", "19.99", 2), ("Mug", "", "9.00", 1),
                       shipping="5.00", tax="4.50", discount="9.00")
    order.lines.filter(product_name="Linen shirt").update(discount=D("4.00"))
    order.shipping_discount = D("5.00")
    order.save()
    stub_session(stripe_api)
    start(order)
    items = line_items(form(stripe_api.calls[0]))
    assert items == [("Linen shirt (M) × 2", 3598, 1, "usd"), ("Mug", 900, 1, "usd"),
                     ("Tax", 450, 1, "usd")]
    assert sum(amount * quantity for _, amount, quantity, _ in items) == 4948


@pytest.mark.django_db
def test_a_discount_the_lines_do_not_carry_is_one_line_for_the_total(stripe_api):
    order = make_order(("Linen shirt", "M", "19.99", 2), shipping="5.00", discount="4.00")
    stub_session(stripe_api)
    start(order)
    assert line_items(form(stripe_api.calls[0])) == [(f"Order {ORDER}", 4098, 1, "usd")]


@pytest.mark.django_db
def test_lines_that_do_not_add_up_to_the_total_are_sent_as_one_line(stripe_api):
    order = make_order(("Linen shirt", "M", "19.99", 1), shipping="0.00")
    order.lines.update(unit_price=D("18.99"))
    stub_session(stripe_api)
    start(order)
    assert line_items(form(stripe_api.calls[0])) == [(f"Order {ORDER}", 1999, 1, "usd")]


@pytest.mark.django_db
@pytest.mark.parametrize(("lines", "sent"), [(99, 100), (100, 1)],
                         ids=["100 items", "101 items"])
def test_an_order_of_more_line_items_than_stripe_takes_is_one_line(stripe_api, lines, sent):
    # Its lines and the shipping: up to Stripe's 100, each is shown; past it, the total only.
    order = make_order(*[(f"Postcard {n}", "", "1.00", 1) for n in range(lines)])
    stub_session(stripe_api)
    start(order)
    items = line_items(form(stripe_api.calls[0]))
    assert len(items) == sent
    assert sum(amount * quantity for _, amount, quantity, _ in items) == (lines + 5) * 100


@pytest.mark.django_db
@pytest.mark.parametrize(("timeout", "minutes"), [(10, 31), (90, 90), (3000, 24 * 60 - 1)])
def test_the_session_lives_as_long_as_the_order_waits_within_stripes_bounds(
    stripe_api, settings, timeout, minutes
):
    settings.ORDER_PAYMENT_TIMEOUT_MINUTES = timeout
    stub_session(stripe_api)
    before = int(time.time())
    start(make_order(("Mug", "", "9.00", 1)))
    expires_at = int(form(stripe_api.calls[0])["expires_at"])
    assert before + minutes * 60 <= expires_at <= int(time.time()) + minutes * 60


START_ERRORS = [
    pytest.param(
        {"status": 402, "json": error_body("card_error", "Your card was declined.",
                                           "card_declined")},
        "The card payment could not be started: Your card was declined. Try another card, "
        "or pay with PayPal.",
        id="card declined",
    ),
    pytest.param({"status": 429, "json": error_body("rate_limit_error", "Too many requests.")},
                 UNAVAILABLE, id="rate limited"),
    pytest.param({"body": requests.ConnectionError("Connection refused")}, UNAVAILABLE,
                 id="connection refused"),
    pytest.param({"body": requests.Timeout("Read timed out")}, UNAVAILABLE, id="timeout"),
    pytest.param(
        {"status": 401, "json": error_body("invalid_request_error",
                                           f"Invalid API Key provided: {SECRET_KEY}")},
        UNAVAILABLE, id="bad key",
    ),
    pytest.param(
        {"status": 403, "json": error_body("invalid_request_error",
                                           "The provided key does not have access.")},
        UNAVAILABLE, id="restricted key",
    ),
    pytest.param(
        {"status": 400, "json": error_body("invalid_request_error", "Not a valid URL",
                                           "url_invalid")},
        NOT_STARTED, id="invalid request",
    ),
    pytest.param(
        {"status": 400, "json": error_body("idempotency_error", "Keys for idempotent requests "
                                           "can only be used with the same parameters.")},
        NOT_STARTED, id="idempotency key reused",
    ),
    pytest.param({"status": 500, "json": error_body("api_error", "Something went wrong.")},
                 UNAVAILABLE, id="server error"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("reply", "message"), START_ERRORS)
def test_stripes_refusals_become_a_message_for_the_shopper(
    stripe_api, reply, message
):
    stub_session(stripe_api, **reply)
    with pytest.raises(PaymentStartError) as refused:
        start(make_order(("Mug", "", "9.00", 1)))
    assert str(refused.value) == message


@pytest.mark.django_db
def test_without_paypal_the_message_offers_no_paypal(stripe_api, settings):
    settings.PAYMENT_PROVIDERS = ["stripe"]
    stub_session(stripe_api, status=429, json=error_body("rate_limit_error", "Too many."))
    with pytest.raises(PaymentStartError) as refused:
        start(make_order(("Mug", "", "9.00", 1)))
    assert str(refused.value) == ("Card payments are not available right now. Try again in a "
                                  "few minutes.")


@pytest.mark.django_db
def test_the_log_names_the_cause_without_the_secret_key(stripe_api, caplog):
    stub_session(stripe_api, status=401, headers={"Request-Id": "req_Q1w2E3r4"},
                 json=error_body("invalid_request_error",
                                 f"Invalid API Key provided: {SECRET_KEY}"))
    with caplog.at_level(logging.INFO, logger="payments.stripe"), pytest.raises(
        PaymentStartError
    ):
        start(make_order(("Mug", "", "9.00", 1)))
    [record] = [r for r in caplog.records if r.name == "payments.stripe"]
    line = record.getMessage()
    assert record.levelno == logging.ERROR
    assert "AuthenticationError" in line and "req_Q1w2E3r4" in line and ORDER in line
    assert "sk_test_" not in line


@pytest.mark.django_db
def test_a_lost_connection_is_retried_with_the_same_idempotency_key(stripe_api):
    stub_session(stripe_api, body=requests.ConnectionError("Connection reset"))
    stub_session(stripe_api, body=requests.ConnectionError("Connection reset"))
    stub_session(stripe_api)
    started = start(make_order(("Mug", "", "9.00", 1)), attempt_key="attempt-9")
    assert started.reference == SESSION
    assert [call.request.headers["Idempotency-Key"] for call in stripe_api.calls] == [
        "attempt-9"
    ] * 3


@pytest.mark.django_db
def test_without_a_secret_key_no_payment_starts(stripe_api, settings):
    settings.STRIPE_SECRET_KEY = ""
    with pytest.raises(PaymentStartError, match="not available right now"):
        start(make_order(("Mug", "", "9.00", 1)))
    assert len(stripe_api.calls) == 0


def test_returning_from_checkout_changes_nothing():
    assert provider.handle_return(OrderFactory.build(), token="") is None


# Refunds


def refund(amount="10.50", currency="USD", request_key="refund-request-41"):
    return provider.refund(capture_reference=INTENT, amount=D(amount), currency=currency,
                           request_key=request_key)


def stub_refund(stripe_api, **kwargs):
    if "body" not in kwargs:
        kwargs.setdefault("json", {"id": "re_3SDoPq2eZvKYlo2C1kL6mN7o", "object": "refund",
                                   "amount": 1050, "payment_intent": INTENT,
                                   "status": "pending"})
    stripe_api.add(responses.POST, f"{API}/v1/refunds", **kwargs)


def test_a_refund_names_the_payment_intent_the_amount_and_the_request(stripe_api):
    stub_refund(stripe_api)
    assert refund() == StartedRefund(reference="re_3SDoPq2eZvKYlo2C1kL6mN7o")
    call = stripe_api.calls[0]
    assert form(call) == {"payment_intent": INTENT, "amount": "1050",
                          "metadata[refund_request]": "refund-request-41"}
    assert call.request.headers["Idempotency-Key"] == "refund-request-41"
    assert call.request.headers["Authorization"] == f"Bearer {SECRET_KEY}"


def test_a_zero_decimal_refund_is_in_whole_units(stripe_api):
    stub_refund(stripe_api)
    refund(amount="1500.00", currency="JPY")
    assert form(stripe_api.calls[0])["amount"] == "1500"


@pytest.mark.parametrize("amount", ["0.00", "-5.00"])
def test_a_refund_of_nothing_is_refused_without_asking_stripe(stripe_api, amount):
    with pytest.raises(RefundError, match="more than zero"):
        refund(amount=amount)
    assert len(stripe_api.calls) == 0


def test_a_refund_the_currency_cannot_hold_is_refused_without_asking_stripe(stripe_api):
    with pytest.raises(RefundError, match=r"Stripe cannot refund 10\.50 JPY"):
        refund(amount="10.50", currency="JPY")
    assert len(stripe_api.calls) == 0


REFUND_ERRORS = [
    pytest.param({"body": requests.ConnectionError("refused")}, ProviderUnavailable,
                 "Stripe did not answer", id="connection refused"),
    pytest.param({"body": requests.Timeout("Read timed out")}, ProviderUnavailable,
                 "Stripe did not answer", id="timeout"),
    pytest.param({"status": 429, "json": error_body("rate_limit_error", "Too many.")},
                 ProviderUnavailable, "Stripe did not answer", id="rate limited"),
    pytest.param({"status": 503, "json": error_body("api_error", "Try later.")},
                 ProviderUnavailable, "Stripe did not answer", id="server error"),
    pytest.param(
        {"status": 400, "json": error_body("invalid_request_error",
                                           f"Charge {CHARGE} has already been refunded.",
                                           "charge_already_refunded")},
        RefundError, f"Stripe refused the refund: Charge {CHARGE} has already been refunded.",
        id="already refunded",
    ),
    pytest.param(
        {"status": 400, "json": error_body(
            "invalid_request_error",
            "Refund amount ($30.00) is greater than unrefunded amount on charge ($25.99)",
        )},
        RefundError, r"Stripe refused the refund: Refund amount \(\$30.00\) is greater",
        id="amount too large",
    ),
    pytest.param({"status": 402, "json": error_body("card_error", "The card was closed.")},
                 RefundError, "Stripe refused the refund: The card was closed.", id="card"),
    pytest.param({"status": 403, "json": error_body("invalid_request_error", "No access.")},
                 RefundError, "check STRIPE_SECRET_KEY", id="restricted key"),
    pytest.param(
        {"status": 401, "json": error_body("invalid_request_error",
                                           f"Invalid API Key provided: {SECRET_KEY}")},
        RefundError, "check STRIPE_SECRET_KEY", id="bad key",
    ),
]


@pytest.mark.parametrize(("reply", "error", "message"), REFUND_ERRORS)
def test_refund_failures_say_whether_a_retry_can_help(stripe_api, reply, error, message):
    stub_refund(stripe_api, **reply)
    with pytest.raises(error, match=message) as raised:
        refund()
    assert SECRET_KEY not in str(raised.value)


def test_an_unanswered_refund_is_retried_before_giving_up(stripe_api):
    stub_refund(stripe_api, status=500, json=error_body("api_error", "Oops."))
    with pytest.raises(ProviderUnavailable):
        refund()
    assert len(stripe_api.calls) == 3


# Webhook signatures


def webhook(payload: bytes, signature: str | None):
    headers = {} if signature is None else {"HTTP_STRIPE_SIGNATURE": signature}
    return RequestFactory().post("/webhooks/stripe/", data=payload,
                                 content_type="application/json", **headers)


def test_a_correctly_signed_webhook_is_accepted():
    payload = body("checkout.session.completed")
    verified = provider.verify_webhook(webhook(payload, sign(payload, WEBHOOK_SECRET)))
    assert verified == "Stripe-Signature v1 (HMAC-SHA256)"


def test_any_one_of_several_signatures_may_match_while_a_secret_is_rolled():
    payload = body("checkout.session.completed")
    signature = sign(payload, "whsec_expired0secret", extra_secrets=[WEBHOOK_SECRET])
    assert signature.count("v1=") == 2
    assert provider.verify_webhook(webhook(payload, signature))


def test_other_signature_schemes_are_ignored():
    payload = body("checkout.session.completed")
    signature = sign(payload, WEBHOOK_SECRET) + ",v0=" + "0" * 64
    assert provider.verify_webhook(webhook(payload, signature))


def rejected(payload: bytes, signature: str | None) -> str:
    with pytest.raises(WebhookRejected) as rejection:
        provider.verify_webhook(webhook(payload, signature))
    return str(rejection.value)


def test_a_webhook_signed_with_another_secret_is_rejected():
    payload = body("checkout.session.completed")
    assert rejected(payload, sign(payload, "whsec_someone0else")) == "no v1 signature matches"


def test_a_webhook_changed_by_one_byte_is_rejected():
    payload = body("checkout.session.completed")
    signature = sign(payload, WEBHOOK_SECRET)
    tampered = payload.replace(b'"amount_total": 2599', b'"amount_total": 2598')
    assert tampered != payload and len(tampered) == len(payload)
    assert rejected(tampered, signature) == "no v1 signature matches"


def test_a_webhook_without_a_signature_is_rejected():
    assert rejected(body("checkout.session.completed"), None) == "no Stripe-Signature header"


@pytest.mark.parametrize("age", [301, -301], ids=["old", "from the future"])
def test_a_webhook_signed_more_than_five_minutes_away_is_rejected(age):
    payload = body("checkout.session.completed")
    signature = sign(payload, WEBHOOK_SECRET, timestamp=int(time.time()) - age)
    assert rejected(payload, signature) == "signed more than 300 seconds away from now"


def test_a_webhook_signed_just_within_the_tolerance_is_accepted():
    payload = body("checkout.session.completed")
    signature = sign(payload, WEBHOOK_SECRET, timestamp=int(time.time()) - 290)
    assert provider.verify_webhook(webhook(payload, signature))


def test_without_a_webhook_secret_every_webhook_is_rejected(settings):
    settings.STRIPE_WEBHOOK_SECRET = ""
    payload = body("checkout.session.completed")
    assert rejected(payload, sign(payload, "")) == "STRIPE_WEBHOOK_SECRET is not set"


def test_a_body_that_is_not_utf8_is_rejected():
    payload = b'{"id": "evt_1", "note": "\xff\xfe"}'
    assert rejected(payload, sign(payload, WEBHOOK_SECRET)) == "the body is not UTF-8"


@pytest.mark.parametrize(
    ("signature", "reason"),
    [
        ("v1=" + "a" * 64, "the Stripe-Signature header has no valid t="),
        ("t=12ab,v1=" + "a" * 64, "the Stripe-Signature header has no valid t="),
        ("t=1,t=2,v1=" + "a" * 64, "the Stripe-Signature header has no valid t="),
        ("t=1760001000", "the Stripe-Signature header has no v1="),
        ("t=1760001000,v0=abc,v1=", "the Stripe-Signature header has no v1="),
    ],
    ids=["no t", "t not a number", "two t", "no v1", "only v0 and an empty v1"],
)
def test_a_malformed_signature_header_is_rejected(signature, reason):
    assert rejected(body("checkout.session.completed"), signature) == reason


# Reading events


def captured(**fields) -> PaymentEvent:
    return PaymentEvent(provider="stripe", kind="captured", reference=INTENT,
                        order_number=ORDER, amount=D("25.99"), currency="USD", **fields)


EXPECTED = {
    "checkout.session.completed": Delivery(
        "evt_1SDoPr2eZvKYlo2CkA1b2C3d", "checkout.session.completed",
        captured(attempt_reference=SESSION),
    ),
    "checkout.session.completed.unpaid": Delivery(
        "evt_1SDoPr2eZvKYlo2CuN4p5Q6r", "checkout.session.completed",
        PaymentEvent(provider="stripe", kind="pending", reference=INTENT, order_number=ORDER,
                     amount=D("25.99"), currency="USD", attempt_reference=SESSION),
    ),
    "checkout.session.async_payment_succeeded": Delivery(
        "evt_1SEaBc2eZvKYlo2CsU7c8D9e", "checkout.session.async_payment_succeeded",
        captured(attempt_reference=SESSION),
    ),
    "checkout.session.async_payment_failed": Delivery(
        "evt_1SEaBc2eZvKYlo2CfA0i1L2j", "checkout.session.async_payment_failed",
        PaymentEvent(provider="stripe", kind="failed", reference=INTENT, order_number=ORDER,
                     amount=D("25.99"), currency="USD", attempt_reference=SESSION,
                     note="The delayed payment failed."),
    ),
    "checkout.session.expired": Delivery(
        "evt_1SDpXy2eZvKYlo2CeX3p4I5r", "checkout.session.expired",
        PaymentEvent(provider="stripe", kind="abandoned", reference=SESSION, order_number=ORDER,
                     amount=D("25.99"), currency="USD", attempt_reference=SESSION,
                     note="The Stripe payment page expired."),
    ),
    "payment_intent.succeeded": Delivery(
        "evt_3SDoPq2eZvKYlo2C1sU6c7C8", "payment_intent.succeeded", captured(),
    ),
    "payment_intent.payment_failed": Delivery(
        "evt_3SDoPq2eZvKYlo2C0fA9i0L1", "payment_intent.payment_failed",
        PaymentEvent(provider="stripe", kind="declined", reference="ch_3SDoPq2eZvKYlo2C0dE2c3L4",
                     order_number=ORDER, amount=D("25.99"), currency="USD",
                     note="Your card has insufficient funds."),
    ),
    "charge.refunded": Delivery(
        "evt_3SDoPq2eZvKYlo2C1rE4f5D6", "charge.refunded",
        PaymentEvent(provider="stripe", kind="refunded", reference=f"{CHARGE}:refunded:1000",
                     order_number=ORDER, currency="USD", capture_reference=INTENT,
                     refunded_to_date=D("10.00")),
    ),
    "charge.refunded.with_refunds": Delivery(
        "evt_3SDoPq2eZvKYlo2C1wR7r8E9", "charge.refunded",
        PaymentEvent(provider="stripe", kind="refunded", reference="re_3SDoPq2eZvKYlo2C1kL6mN7o",
                     order_number=ORDER, currency="USD", capture_reference=INTENT,
                     refunded_to_date=D("15.99"), refund_request="7KQ4M9XT2P-R2"),
    ),
    "charge.dispute.created": Delivery(
        "evt_1SF1Dz2eZvKYlo2CdI1s2P3u", "charge.dispute.created",
        PaymentEvent(provider="stripe", kind="disputed", reference="du_1SDpRs2eZvKYlo2CpQ8rS9tU",
                     amount=D("25.99"), currency="USD", capture_reference=INTENT,
                     note="fraudulent"),
    ),
    "customer.created": Delivery("evt_1SDoPp2eZvKYlo2CcU5s6T7o", "customer.created", None),
}


def read(name: str, **changes) -> Delivery:
    return provider.read_webhook(body(name, **changes))


def test_every_fixture_has_its_expected_reading():
    assert fixture_names() == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_reading_a_stripe_event(name):
    assert read(name) == EXPECTED[name]


def test_changes_to_a_fixture_are_read():
    delivery = read("checkout.session.completed", **{
        "id": "evt_changed", "data.object.metadata.order": "Q2W3E4R5T6",
        "data.object.amount_total": 4200, "data.object.payment_intent": "pi_changed",
    })
    assert delivery == Delivery("evt_changed", "checkout.session.completed", PaymentEvent(
        provider="stripe", kind="captured", reference="pi_changed", order_number="Q2W3E4R5T6",
        amount=D("42.00"), currency="USD", attempt_reference=SESSION,
    ))


def test_a_session_without_metadata_is_found_by_its_client_reference():
    delivery = read("checkout.session.completed", **{"data.object.metadata": {}})
    assert delivery.event.order_number == ORDER


def test_a_session_needing_no_payment_reports_nothing():
    delivery = read("checkout.session.completed",
                    **{"data.object.payment_status": "no_payment_required"})
    assert delivery.event is None and delivery.type == "checkout.session.completed"


def test_amounts_in_a_zero_decimal_currency_are_whole_units():
    delivery = read("payment_intent.succeeded",
                    **{"data.object.currency": "jpy", "data.object.amount_received": 2599})
    assert (str(delivery.event.amount), delivery.event.currency) == ("2599.00", "JPY")


def test_amounts_in_a_three_decimal_currency_are_thousandths():
    delivery = read("charge.dispute.created",
                    **{"data.object.currency": "kwd", "data.object.amount": 12340})
    assert (str(delivery.event.amount), delivery.event.currency) == ("12.34", "KWD")


def test_a_decline_without_a_charge_is_named_by_its_event():
    delivery = read("payment_intent.payment_failed",
                    **{"data.object.last_payment_error.charge": None})
    assert delivery.event.reference == f"{INTENT}:evt_3SDoPq2eZvKYlo2C0fA9i0L1"


def test_a_long_decline_message_is_trimmed_to_a_note():
    delivery = read("payment_intent.payment_failed",
                    **{"data.object.last_payment_error.message": "  Declined.\n" + "x" * 400})
    assert delivery.event.note.startswith("Declined. xxx")
    assert len(delivery.event.note) == 255


def test_the_newest_refund_names_a_charges_refund():
    delivery = read("charge.refunded.with_refunds", **{
        "data.object.refunds.data.1.created": 1760900000,
        "data.object.refunds.data.1.metadata.refund_request": "refund-request-7",
    })
    assert delivery.event.reference == "re_3SDoPq2eZvKYlo2C1pQ0aB1c"
    assert delivery.event.refund_request == "refund-request-7"


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"\xff\xfe",
        b"[]",
        json.dumps({"type": "charge.refunded"}).encode(),
        json.dumps({"id": "evt_1"}).encode(),
        json.dumps({"id": "evt_1", "type": "charge.refunded", "data": {}}).encode(),
        body("charge.refunded", **{"data.object.amount_refunded": "1000"}),
        body("checkout.session.completed", **{"data.object.payment_intent": None}),
        body("payment_intent.succeeded", **{"data.object.currency": None}),
    ],
    ids=["not json", "not utf-8", "not an object", "no id", "no type", "no object",
         "amount as text", "paid without a payment intent", "no currency"],
)
def test_a_body_that_is_not_a_well_formed_event_is_refused(payload):
    with pytest.raises(ValueError):
        provider.read_webhook(payload)


# Catching up on events


def events_page(names, *, has_more):
    return {"object": "list", "url": "/v1/events", "has_more": has_more,
            "data": [event(name) for name in names]}


def test_recent_events_pages_through_stripes_event_list(stripe_api):
    first = ["payment_intent.succeeded", "checkout.session.completed"]
    stripe_api.add(responses.GET, f"{API}/v1/events", json=events_page(first, has_more=True))
    stripe_api.add(responses.GET, f"{API}/v1/events",
                   json=events_page(["charge.refunded"], has_more=False))
    since = datetime(2025, 10, 9, 8, 0, tzinfo=UTC)

    found = list(provider.recent_events(since=since))

    assert [delivery for delivery, _ in found] == [
        EXPECTED["payment_intent.succeeded"], EXPECTED["checkout.session.completed"],
        EXPECTED["charge.refunded"],
    ]
    assert [json.loads(raw) for _, raw in found] == [
        event(name) for name in [*first, "charge.refunded"]
    ]
    queries = [parse_qs(urlsplit(call.request.url).query) for call in stripe_api.calls]
    handled = list(stripe_module.READERS)
    for query in queries:
        assert query["created[gte]"] == [str(int(since.timestamp()))]
        assert [query[f"types[{index}]"][0] for index in range(len(handled))] == handled
        assert query["limit"] == ["100"]
    assert "starting_after" not in queries[0]
    assert queries[1]["starting_after"] == ["evt_1SDoPr2eZvKYlo2CkA1b2C3d"]


def test_recent_events_when_stripe_cannot_be_reached(stripe_api):
    stripe_api.add(responses.GET, f"{API}/v1/events", body=requests.ConnectionError("down"))
    with pytest.raises(ProviderUnavailable):
        list(provider.recent_events(since=datetime(2025, 10, 9, tzinfo=UTC)))
