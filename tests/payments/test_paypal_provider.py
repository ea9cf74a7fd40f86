"""The PayPal provider against a stubbed PayPal REST API: the access token, opening an
order, capturing it on the shopper's return, refunds, and reading webhook events."""

import base64
import json
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
import requests
import responses
from django.core.cache import cache
from django.urls import reverse

from payments.providers import paypal
from payments.providers.base import (
    PaymentStartError,
    ProviderUnavailable,
    RefundError,
    StartedPayment,
    StartedRefund,
)
from payments.providers.paypal import PayPalProvider
from tests.factories import OrderFactory, OrderLineFactory, VariantFactory
from tests.payments.paypal_signing import event, fixture_names

pytestmark = pytest.mark.django_db

SANDBOX = "https://api-m.sandbox.paypal.com"
LIVE = "https://api-m.paypal.com"
TOKEN_URL = f"{SANDBOX}/v1/oauth2/token"
ORDERS_URL = f"{SANDBOX}/v2/checkout/orders"
PAYPAL_ORDER = "5O190127TN364715T"
CAPTURE = "42311647XV020574X"
PAYER_ACTION = f"https://www.sandbox.paypal.com/checkoutnow?token={PAYPAL_ORDER}"
provider = PayPalProvider()


@pytest.fixture(autouse=True)
def _paypal_settings(settings):
    settings.PAYPAL_CLIENT_ID = "client-id"
    settings.PAYPAL_CLIENT_SECRET = "client-secret-value"
    settings.PAYPAL_MODE = "sandbox"
    settings.PAYPAL_API_BASE = SANDBOX
    settings.STORE_NAME = "Northwind Supply"


@pytest.fixture
def api():
    """PayPal's API, stubbed: a token is granted; nothing else answers unless a test says."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(TOKEN_URL, json=token_answer("token-1"))
        yield mock


@pytest.fixture
def order():
    """$40.00 of goods in two lines, $5.00 shipping, $3.60 tax, $2.00 off: $46.60."""
    order = OrderFactory(
        number="K7QMW-X3HTP", payment_provider="paypal", subtotal=Decimal("40.00"),
        shipping_total=Decimal("5.00"), tax_total=Decimal("3.60"),
        discount_total=Decimal("2.00"),
    )
    OrderLineFactory(order=order, variant=VariantFactory(sku="TEE-M-TEAL"),
                     product_name="Linen tee", options="M / Teal",
                     unit_price=Decimal("12.50"), quantity=2)
    OrderLineFactory(order=order, variant=VariantFactory(sku="MUG-01"), product_name="Mug",
                     unit_price=Decimal("15.00"), quantity=1)
    return order


def token_answer(token: str, expires_in: int = 32400) -> dict:
    return {"scope": "https://uri.paypal.com/services/payments/payment", "access_token": token,
            "token_type": "Bearer", "app_id": "APP-80W284485P519543T", "expires_in": expires_in,
            "nonce": "2026-03-14T21:00:00Z"}


def created_answer(*links: tuple[str, str]) -> dict:
    return {"id": PAYPAL_ORDER, "status": "PAYER_ACTION_REQUIRED",
            "links": [{"href": href, "rel": rel, "method": "GET"} for rel, href in links]}


def paypal_order(number: str = "K7QMW-X3HTP", status: str = "APPROVED") -> dict:
    return {"id": PAYPAL_ORDER, "intent": "CAPTURE", "status": status,
            "purchase_units": [{"reference_id": number, "custom_id": number,
                                "invoice_id": number,
                                "amount": {"currency_code": "USD", "value": "46.60"}}]}


def captured_answer(status: str = "COMPLETED") -> dict:
    return {"id": PAYPAL_ORDER, "status": "COMPLETED" if status == "COMPLETED" else status,
            "purchase_units": [{"reference_id": "K7QMW-X3HTP", "payments": {"captures": [
                {"id": CAPTURE, "status": status, "custom_id": "K7QMW-X3HTP",
                 "amount": {"currency_code": "USD", "value": "46.60"}}]}}]}


def error_answer(issue: str, description: str = "") -> dict:
    return {"name": "UNPROCESSABLE_ENTITY", "debug_id": "f3a1d2e4b5c6",
            "message": "The requested action could not be performed, semantically incorrect, "
                       "or failed business validation.",
            "details": [{"issue": issue, "description": description}]}


def start(order) -> StartedPayment:
    """Start as the start view does, with the absolute URLs it builds."""
    return provider.start_payment(
        order, attempt_key="attempt-7f3c",
        return_url="http://testserver" + reverse("payments:return", args=[order.number]),
        cancel_url="http://testserver" + reverse("payments:cancelled", args=[order.number]),
    )


def come_back(order, *, token: str = PAYPAL_ORDER) -> None:
    """Come back as the return view does, with the token of the return URL."""
    return provider.handle_return(order, token=token)


def calls_to(api, url: str) -> list:
    return [call for call in api.calls if call.request.url.split("?")[0] == url]


# The access token ---------------------------------------------------------------------------


def test_token_is_asked_for_with_the_client_credentials(api, order):
    api.post(ORDERS_URL, json=created_answer(("payer-action", PAYER_ACTION)))
    start(order)
    token_request = calls_to(api, TOKEN_URL)[0].request
    expected = base64.b64encode(b"client-id:client-secret-value").decode()
    assert token_request.headers["Authorization"] == f"Basic {expected}"
    assert parse_qs(token_request.body) == {"grant_type": ["client_credentials"]}
    assert calls_to(api, ORDERS_URL)[0].request.headers["Authorization"] == "Bearer token-1"


def test_token_is_fetched_once_and_reused(api, order):
    api.post(ORDERS_URL, json=created_answer(("payer-action", PAYER_ACTION)))
    start(order)
    start(order)
    assert len(calls_to(api, TOKEN_URL)) == 1
    assert len(calls_to(api, ORDERS_URL)) == 2


def test_token_is_cached_until_shortly_before_it_expires(api, order, monkeypatch):
    kept = {}
    monkeypatch.setattr(cache, "set", lambda key, value, timeout: kept.update({key: timeout}))
    api.post(ORDERS_URL, json=created_answer(("payer-action", PAYER_ACTION)))
    start(order)
    assert kept == {"payments:paypal:token:sandbox:client-id":
                    32400 - paypal.TOKEN_MARGIN_SECONDS}


def test_token_about_to_expire_is_fetched_again(api, order):
    api.replace(responses.POST, TOKEN_URL, json=token_answer("short-lived", expires_in=200))
    api.post(ORDERS_URL, json=created_answer(("payer-action", PAYER_ACTION)))
    start(order)
    start(order)
    assert len(calls_to(api, TOKEN_URL)) == 2


def test_token_is_fetched_again_after_its_lifetime(api, order):
    api.post(ORDERS_URL, json=created_answer(("payer-action", PAYER_ACTION)))
    start(order)
    cache.delete("payments:paypal:token:sandbox:client-id")  # what its lifetime running out does
    start(order)
    assert len(calls_to(api, TOKEN_URL)) == 2


def test_a_401_drops_the_token_and_retries_once_with_a_new_one(api, order):
    api.replace(responses.POST, TOKEN_URL, json=token_answer("token-1"))
    api.add(responses.POST, TOKEN_URL, json=token_answer("token-2"))
    api.post(ORDERS_URL, status=401, json={"error": "invalid_token"})
    api.post(ORDERS_URL, json=created_answer(("payer-action", PAYER_ACTION)))
    assert start(order).reference == PAYPAL_ORDER
    sent = [call.request.headers["Authorization"] for call in calls_to(api, ORDERS_URL)]
    assert sent == ["Bearer token-1", "Bearer token-2"]
    assert cache.get("payments:paypal:token:sandbox:client-id") == "token-2"


def test_a_second_401_gives_up(api, order):
    api.post(ORDERS_URL, status=401, json={"error": "invalid_token"})
    with pytest.raises(PaymentStartError, match="PayPal is not available right now"):
        start(order)
    assert len(calls_to(api, ORDERS_URL)) == 2


def test_live_mode_calls_the_live_api_with_its_own_token(api, order, settings):
    api.post(ORDERS_URL, json=created_answer(("payer-action", PAYER_ACTION)))
    start(order)  # a sandbox token is cached
    settings.PAYPAL_MODE, settings.PAYPAL_API_BASE = "live", LIVE
    api.post(f"{LIVE}/v1/oauth2/token", json=token_answer("live-token"))
    api.post(f"{LIVE}/v2/checkout/orders",
             json=created_answer(("payer-action", "https://www.paypal.com/checkoutnow")))
    assert start(order).redirect_url == "https://www.paypal.com/checkoutnow"
    live_call = calls_to(api, f"{LIVE}/v2/checkout/orders")[0].request
    assert live_call.headers["Authorization"] == "Bearer live-token"


# Opening a PayPal order -------------------------------------------------------------------


def test_start_creates_a_paypal_order_for_the_whole_order(api, order):
    api.post(ORDERS_URL, status=200, json=created_answer(
        ("self", f"{ORDERS_URL}/{PAYPAL_ORDER}"), ("payer-action", PAYER_ACTION)))
    started = start(order)
    assert started == StartedPayment(redirect_url=PAYER_ACTION, reference=PAYPAL_ORDER)
    request = calls_to(api, ORDERS_URL)[0].request
    assert request.headers["PayPal-Request-Id"] == "attempt-7f3c"
    assert request.headers["Prefer"] == "return=minimal"
    body = json.loads(request.body)
    assert body["intent"] == "CAPTURE"
    unit = body["purchase_units"][0]
    assert (unit["reference_id"], unit["custom_id"], unit["invoice_id"]) == ("K7QMW-X3HTP",) * 3
    assert unit["amount"] == {"currency_code": "USD", "value": "46.60", "breakdown": {
        "item_total": {"currency_code": "USD", "value": "40.00"},
        "shipping": {"currency_code": "USD", "value": "5.00"},
        "tax_total": {"currency_code": "USD", "value": "3.60"},
        "discount": {"currency_code": "USD", "value": "2.00"},
        "shipping_discount": {"currency_code": "USD", "value": "0.00"},
    }}
    assert unit["items"] == [
        {"name": "Linen tee (M / Teal)", "sku": "TEE-M-TEAL", "quantity": "2",
         "unit_amount": {"currency_code": "USD", "value": "12.50"}},
        {"name": "Mug", "sku": "MUG-01", "quantity": "1",
         "unit_amount": {"currency_code": "USD", "value": "15.00"}},
    ]
    context = body["payment_source"]["paypal"]["experience_context"]
    assert context == {
        "return_url": "http://testserver" + reverse("payments:return", args=[order.number]),
        "cancel_url": "http://testserver" + reverse("payments:cancelled", args=[order.number]),
        "user_action": "PAY_NOW", "shipping_preference": "NO_SHIPPING",
        "brand_name": "Northwind Supply",
    }


@pytest.mark.parametrize("shipping_discount", ["0.00", "2.00"])
def test_breakdown_adds_up_to_the_total_as_paypal_checks(api, order, shipping_discount):
    # $2.00 off: all of it off the lines, or all of it off the shipping (a free-shipping
    # code), which PayPal takes as a part of its own.
    order.shipping_discount = Decimal(shipping_discount)
    order.save()
    api.post(ORDERS_URL, json=created_answer(("payer-action", PAYER_ACTION)))
    start(order)
    unit = json.loads(calls_to(api, ORDERS_URL)[0].request.body)["purchase_units"][0]
    parts = {name: Decimal(money["value"]) for name, money in unit["amount"]["breakdown"].items()}
    items = sum(Decimal(i["unit_amount"]["value"]) * int(i["quantity"]) for i in unit["items"])
    assert items == parts["item_total"]
    assert parts["shipping_discount"] == Decimal(shipping_discount)
    total = (parts["item_total"] + parts["shipping"] + parts["tax_total"] - parts["discount"]
             - parts["shipping_discount"])
    assert total == Decimal(unit["amount"]["value"])


def test_the_approve_link_is_used_when_there_is_no_payer_action_link(api, order):
    approve = f"https://www.sandbox.paypal.com/checkoutnow?token={PAYPAL_ORDER}&approve"
    api.post(ORDERS_URL, json=created_answer(("approve", approve)))
    assert start(order).redirect_url == approve


def test_amounts_in_a_currency_without_decimals_have_none(api):
    order = OrderFactory(currency="JPY", subtotal=Decimal("4500.00"),
                         shipping_total=Decimal("500.00"))
    OrderLineFactory(order=order, unit_price=Decimal("1500.00"), quantity=3)
    api.post(ORDERS_URL, json=created_answer(("payer-action", PAYER_ACTION)))
    start(order)
    unit = json.loads(calls_to(api, ORDERS_URL)[0].request.body)["purchase_units"][0]
    assert unit["amount"]["value"] == "5000"
    assert unit["amount"]["breakdown"]["item_total"] == {"currency_code": "JPY", "value": "4500"}
    assert unit["items"][0]["unit_amount"] == {"currency_code": "JPY", "value": "1500"}


@pytest.mark.parametrize(("stub", "message"), [
    ({"body": requests.ConnectionError("refused")}, "PayPal is not available right now"),
    ({"body": requests.Timeout("slow")}, "PayPal is not available right now"),
    ({"status": 500, "json": {"name": "INTERNAL_SERVER_ERROR"}}, "not available right now"),
    ({"status": 503, "body": "<html>down</html>"}, "PayPal is not available right now"),
    ({"status": 422, "json": error_answer("DECIMAL_PRECISION", "Too many decimals.")},
     "PayPal could not set up this payment"),
    ({"status": 400, "json": {"name": "INVALID_REQUEST", "details": []}},
     "PayPal could not set up this payment"),
])
def test_start_errors_become_a_message_for_the_shopper(api, order, stub, message, caplog):
    api.post(ORDERS_URL, **stub)
    with caplog.at_level("WARNING", logger="payments.paypal"), \
            pytest.raises(PaymentStartError, match=message) as raised:
        start(order)
    assert "pay by card" in str(raised.value)
    assert caplog.records and order.number in caplog.text
    assert "client-secret-value" not in caplog.text and "token-1" not in caplog.text


@pytest.mark.parametrize("status", [401, 403])
def test_bad_credentials_become_a_message_for_the_shopper(api, order, status, caplog):
    api.replace(responses.POST, TOKEN_URL, status=status,
                json={"error": "invalid_client", "error_description": "Client Authentication "
                                                                      "failed"})
    with caplog.at_level("WARNING", logger="payments.paypal"), \
            pytest.raises(PaymentStartError, match="PayPal is not available right now"):
        start(order)
    assert "invalid_client" in caplog.text and "client-secret-value" not in caplog.text
    assert not calls_to(api, ORDERS_URL)


def test_missing_credentials_call_nobody(api, order, settings):
    settings.PAYPAL_CLIENT_SECRET = ""
    with pytest.raises(PaymentStartError, match="PayPal is not available right now"):
        start(order)
    assert not api.calls


def test_an_answer_without_a_link_is_an_error(api, order):
    api.post(ORDERS_URL, json=created_answer(("self", f"{ORDERS_URL}/{PAYPAL_ORDER}")))
    with pytest.raises(PaymentStartError, match="PayPal is not available right now"):
        start(order)


# Capturing on the shopper's return --------------------------------------------------------

ORDER_URL = f"{ORDERS_URL}/{PAYPAL_ORDER}"
CAPTURE_URL = f"{ORDER_URL}/capture"


def test_return_captures_the_approved_paypal_order(api, order):
    api.get(ORDER_URL, json=paypal_order())
    api.post(CAPTURE_URL, status=201, json=captured_answer("COMPLETED"))
    assert come_back(order) is None
    request = calls_to(api, CAPTURE_URL)[0].request
    assert request.headers["PayPal-Request-Id"] == f"capture-{PAYPAL_ORDER}"
    assert request.headers["Authorization"] == "Bearer token-1"


def test_a_pending_capture_is_fine(api, order):
    api.get(ORDER_URL, json=paypal_order())
    api.post(CAPTURE_URL, status=201, json=captured_answer("PENDING"))
    assert come_back(order) is None
    assert len(calls_to(api, CAPTURE_URL)) == 1


def test_an_order_paypal_reports_captured_already_is_not_captured_again(api, order):
    api.get(ORDER_URL, json=paypal_order(status="COMPLETED"))
    assert come_back(order) is None
    assert not calls_to(api, CAPTURE_URL)


def test_order_already_captured_is_fine(api, order):
    api.get(ORDER_URL, json=paypal_order())
    api.post(CAPTURE_URL, status=422, json=error_answer("ORDER_ALREADY_CAPTURED"))
    assert come_back(order) is None


@pytest.mark.parametrize("issue", ["INSTRUMENT_DECLINED", "ORDER_NOT_APPROVED"])
def test_a_refused_capture_is_declined(api, order, issue):
    api.get(ORDER_URL, json=paypal_order())
    api.post(CAPTURE_URL, status=422, json=error_answer(issue))
    with pytest.raises(PaymentStartError, match="PayPal declined the payment"):
        come_back(order)


def test_a_declined_capture_is_declined(api, order):
    api.get(ORDER_URL, json=paypal_order())
    api.post(CAPTURE_URL, status=201, json=captured_answer("DECLINED"))
    with pytest.raises(PaymentStartError, match="PayPal declined the payment"):
        come_back(order)


@pytest.mark.parametrize("stub", [
    {"body": requests.ConnectionError("refused")}, {"body": requests.Timeout("slow")},
    {"status": 500, "json": {"name": "INTERNAL_SERVER_ERROR"}},
])
def test_paypal_down_on_capture_asks_to_try_again(api, order, stub):
    api.get(ORDER_URL, json=paypal_order())
    api.post(CAPTURE_URL, **stub)
    with pytest.raises(PaymentStartError, match="Try again in a few minutes"):
        come_back(order)


def test_a_token_for_another_order_is_refused_and_nothing_is_captured(api, order):
    api.get(ORDER_URL, json=paypal_order(number="ZZZZZ-99999"))
    api.post(CAPTURE_URL, status=201, json=captured_answer("COMPLETED"))
    with pytest.raises(PaymentStartError, match="not for this order"):
        come_back(order)
    assert not calls_to(api, CAPTURE_URL)


# The return view passes an empty token when the return URL has none.
@pytest.mark.parametrize("token", ["../../v1/x", ""])
def test_a_missing_or_malformed_token_is_refused_without_a_call(api, order, token):
    with pytest.raises(PaymentStartError, match="not for this order"):
        come_back(order, token=token)
    assert not api.calls


def test_an_unknown_token_is_refused(api, order):
    api.get(ORDER_URL, status=404, json={"name": "RESOURCE_NOT_FOUND", "details": [
        {"issue": "INVALID_RESOURCE_ID", "description": "Specified resource ID does not exist."}
    ]})
    with pytest.raises(PaymentStartError, match="not for this order"):
        come_back(order)
    assert not calls_to(api, CAPTURE_URL)


# Refunds -----------------------------------------------------------------------------------

REFUND_URL = f"{SANDBOX}/v2/payments/captures/{CAPTURE}/refund"


def refund(amount: str = "10.00"):
    return provider.refund(capture_reference=CAPTURE, amount=Decimal(amount), currency="USD",
                           request_key="refund-41")


def test_refund_asks_paypal_once_per_request(api):
    api.post(REFUND_URL, status=201, json={"id": "1Y107995YT783435V", "status": "COMPLETED"})
    assert refund() == StartedRefund(reference="1Y107995YT783435V")
    request = calls_to(api, REFUND_URL)[0].request
    assert request.headers["PayPal-Request-Id"] == "refund-41"
    assert json.loads(request.body) == {
        "amount": {"value": "10.00", "currency_code": "USD"},
        "custom_id": "refund-41",
        "note_to_payer": "Refund from Northwind Supply",
    }


@pytest.mark.parametrize("stub", [
    {"body": requests.ConnectionError("refused")}, {"body": requests.Timeout("slow")},
    {"status": 500, "json": {"name": "INTERNAL_SERVER_ERROR"}}, {"status": 502, "body": ""},
])
def test_refund_with_paypal_down_can_be_tried_again(api, stub):
    api.post(REFUND_URL, **stub)
    with pytest.raises(ProviderUnavailable):
        refund()


def test_refund_with_bad_credentials_can_be_tried_again(api):
    api.replace(responses.POST, TOKEN_URL, status=401, json={"error": "invalid_client"})
    with pytest.raises(ProviderUnavailable):
        refund()
    assert not calls_to(api, REFUND_URL)


@pytest.mark.parametrize(("issue", "description"), [
    ("CAPTURE_FULLY_REFUNDED", "The capture has already been fully refunded"),
    ("REFUND_AMOUNT_EXCEEDED", "The refund amount must be less than or equal to the capture "
                               "amount that has not yet been refunded."),
])
def test_refund_paypal_refuses_is_an_error_with_its_reason(api, issue, description):
    api.post(REFUND_URL, status=422, json=error_answer(issue, description))
    with pytest.raises(RefundError, match=f"PayPal refused the refund: {description}"):
        refund()


@pytest.mark.parametrize(("capture", "amount"), [(CAPTURE, "0.00"), (CAPTURE, "-5.00"),
                                                 ("../orders/X", "10.00"), ("", "10.00")])
def test_a_refund_that_cannot_be_right_is_refused_without_a_call(api, capture, amount):
    with pytest.raises(RefundError):
        provider.refund(capture_reference=capture, amount=Decimal(amount), currency="USD",
                        request_key="refund-41")
    assert not api.calls


# Reading webhook events --------------------------------------------------------------------

KINDS = {
    "PAYMENT.CAPTURE.COMPLETED": "captured",
    "PAYMENT.CAPTURE.DENIED": "failed",
    "PAYMENT.CAPTURE.PENDING": "pending",
    "PAYMENT.CAPTURE.REFUNDED": "refunded",
    "PAYMENT.CAPTURE.REVERSED": "reversed",
    "CHECKOUT.PAYMENT-APPROVAL.REVERSED": "failed",
    "CHECKOUT.ORDER.APPROVED": None,
}


def read(data: dict):
    return provider.read_webhook(json.dumps(data).encode())


def test_every_fixture_is_read():
    assert set(fixture_names()) == set(KINDS)


@pytest.mark.parametrize("name", sorted(KINDS))
def test_each_event_type_is_read_as_its_kind(name):
    data = event(name)
    delivery = read(data)
    assert (delivery.event_id, delivery.type) == (data["id"], name)
    assert (delivery.event.kind if delivery.event else None) == KINDS[name]
    if delivery.event:
        assert delivery.event.provider == "paypal"


def test_a_completed_capture():
    delivery = read(event("PAYMENT.CAPTURE.COMPLETED", **{
        "resource.custom_id": "AB12C-DE34F", "resource.amount.value": "25.99"}))
    captured = delivery.event
    assert (captured.kind, captured.reference, captured.order_number) == (
        "captured", CAPTURE, "AB12C-DE34F")
    assert (captured.amount, captured.currency) == (Decimal("25.99"), "USD")
    assert captured.attempt_reference == PAYPAL_ORDER


def test_a_capture_without_custom_id_is_found_by_invoice_id():
    data = event("PAYMENT.CAPTURE.COMPLETED", **{"resource.invoice_id": "AB12C-DE34F"})
    del data["resource"]["custom_id"]
    assert read(data).event.order_number == "AB12C-DE34F"


def test_a_denied_capture_fails_with_paypal_reason():
    failed = read(event("PAYMENT.CAPTURE.DENIED")).event
    assert (failed.kind, failed.reference, failed.order_number) == (
        "failed", "7NW873794T343360M", "K7QMW-X3HTP")
    assert "DECLINED_BY_RISK_FRAUD_FILTERS" in failed.note


def test_a_pending_capture_notes_why():
    pending = read(event("PAYMENT.CAPTURE.PENDING", **{
        "resource.status_details.reason": "ECHECK"})).event
    assert (pending.kind, pending.amount) == ("pending", Decimal("46.60"))
    assert "ECHECK" in pending.note


def test_a_refund_names_its_capture_and_the_refund_request():
    refunded = read(event("PAYMENT.CAPTURE.REFUNDED")).event
    assert (refunded.kind, refunded.reference) == ("refunded", "1Y107995YT783435V")
    assert (refunded.amount, refunded.currency) == (Decimal("10.00"), "USD")
    assert refunded.capture_reference == CAPTURE
    assert refunded.refund_request == "refund-41"
    assert refunded.order_number == "K7QMW-X3HTP"


def test_a_refund_made_on_paypal_names_no_refund_request():
    data = event("PAYMENT.CAPTURE.REFUNDED")
    del data["resource"]["custom_id"], data["resource"]["invoice_id"]
    refunded = read(data).event
    assert (refunded.refund_request, refunded.order_number) == ("", "")
    assert refunded.capture_reference == CAPTURE


def test_a_reversal_names_its_capture():
    reversal = read(event("PAYMENT.CAPTURE.REVERSED")).event
    assert (reversal.kind, reversal.reference) == ("reversed", "09E71677NS257044M")
    assert (reversal.capture_reference, reversal.amount) == (CAPTURE, Decimal("46.60"))


def test_a_reversed_approval_ends_the_attempt():
    failed = read(event("CHECKOUT.PAYMENT-APPROVAL.REVERSED", **{
        "resource.purchase_units.0.custom_id": "AB12C-DE34F"})).event
    assert failed.kind == "failed"
    assert failed.reference == f"approval-reversed:{PAYPAL_ORDER}"
    assert (failed.attempt_reference, failed.order_number) == (PAYPAL_ORDER, "AB12C-DE34F")


def test_an_event_this_shop_does_not_act_on_reports_nothing():
    delivery = read(event("CHECKOUT.ORDER.APPROVED"))
    assert (delivery.type, delivery.event) == ("CHECKOUT.ORDER.APPROVED", None)
    assert delivery.event_id == "WH-9SF72135F3734730K-6BG22753NT138435R"


@pytest.mark.parametrize("body", [
    b"", b"not json", b"[]", b'"PAYMENT.CAPTURE.COMPLETED"', b"\xff\xfe",
    json.dumps({"event_type": "PAYMENT.CAPTURE.COMPLETED", "resource": {}}).encode(),
    json.dumps({"id": "WH-1", "resource": {}}).encode(),
    json.dumps({"id": 7, "event_type": "PAYMENT.CAPTURE.COMPLETED"}).encode(),
])
def test_a_body_that_is_not_an_event_is_an_error(body):
    with pytest.raises(ValueError):
        provider.read_webhook(body)


def test_a_capture_without_an_amount_is_an_error():
    data = event("PAYMENT.CAPTURE.COMPLETED")
    del data["resource"]["amount"]
    with pytest.raises(ValueError, match="amount"):
        read(data)
