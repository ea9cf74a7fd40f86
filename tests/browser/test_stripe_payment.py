"""Paying by card through Stripe in Chromium, Stripe's API being a stand-in on 127.0.0.1
(tests/browser/stripe_stand_in.py): checkout opens a Checkout Session and sends the shopper to
its page; back at the shop, the return page waits for the webhook and turns to "Paid" in
place when a signed `checkout.session.completed` arrives. A repeated delivery changes
nothing; a badly signed one is refused and pays nothing."""

import json
import re
import secrets
import time
import urllib.error
import urllib.request
from decimal import Decimal

from playwright.sync_api import expect

from tests.browser.axe import assert_no_axe_violations
from tests.browser.test_purchase import add_to_cart, review_order, review_totals
from tests.browser.test_storefront import mark_document, still_same_document
from tests.payments.stripe_signing import event, sign

ORDER_STATE = """
import json
from payments.models import Payment, WebhookEvent
from shop.models import Order
order = Order.objects.get(number={number!r})
print(json.dumps({{
    "status": order.status,
    "needs_review": order.needs_review,
    "payments": sorted([p.kind, p.status, str(p.amount), p.reference]
                       for p in Payment.objects.filter(order=order)),
    "events": [e.kind for e in order.events.order_by("pk")],
    "webhooks": sorted([w.event_id, w.status]
                       for w in WebhookEvent.objects.filter(order_number=order.number)),
}}))
"""


def order_state(shop, number: str) -> dict:
    """The order as the shop's database has it: status, payment rows, timeline, webhooks."""
    return json.loads(shop["manage"]("shell", "-c", ORDER_STATE.format(number=number))
                      .splitlines()[-1])


def post_webhook(shop, body: bytes, signature: str) -> tuple[int, str]:
    request = urllib.request.Request(  # noqa: S310 (the shop's own address)
        f"{shop['url']}/webhooks/stripe/", data=body, method="POST",
        headers={"Content-Type": "application/json", "Stripe-Signature": signature},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def session_completed(*, number: str, session_id: str, cents: int) -> bytes:
    """Stripe's `checkout.session.completed` for a paid session of the order."""
    return json.dumps(event(
        "checkout.session.completed", **{
            "id": f"evt_{secrets.token_hex(12)}",
            "data.object.id": session_id,
            "data.object.amount_subtotal": cents,
            "data.object.amount_total": cents,
            "data.object.metadata.order": number,
            "data.object.client_reference_id": number,
            "data.object.payment_intent": f"pi_{secrets.token_hex(12)}",
        },
    )).encode()


def review_order_paying_by_card(page, shop, *, email: str) -> None:
    """A guest's cart, taken through checkout choosing "Card (Stripe)" to the review page."""
    add_to_cart(page, shop)
    review_order(page, shop, email=email, payment="Card (Stripe)")


def place_order_by_card(page, shop) -> dict:
    """Place the order under review; returns the Checkout Session the shop opened for it,
    whose `url` the browser is sent on to."""
    stripe = shop["stripe"]
    opened = len(stripe.sessions)
    total = review_totals(page)["Total"]
    page.get_by_role("button", name=f"Place order and pay ${total:,.2f}").click()
    deadline = time.monotonic() + 10
    while len(stripe.sessions) == opened:
        assert time.monotonic() < deadline, "the shop opened no Checkout Session"
        time.sleep(0.1)
    session = list(stripe.sessions.values())[-1]
    assert Decimal(session["amount_total"]) / 100 == total
    return session


def test_placing_an_order_by_card_leads_on_to_stripes_page(shop, page):
    review_order_paying_by_card(page, shop, email="straight.to.stripe@example.com")
    session = place_order_by_card(page, shop)
    expect(page).to_have_url(session["url"])


def test_a_card_payment_turns_the_return_page_to_paid_in_place(shop, page, screenshot):
    stripe = shop["stripe"]
    asked_before = len(stripe.session_requests())
    review_order_paying_by_card(page, shop, email="card.buyer@example.com")
    session = place_order_by_card(page, shop)
    expect(page).to_have_url(session["url"])
    expect(page.locator("h1")).to_have_text(re.compile(r"^Pay "))

    # The shop asked for one Checkout Session, and sent the shopper to the page it names.
    asked = stripe.session_requests()[asked_before:]
    assert len(asked) == 1
    params, headers = asked[0].params, asked[0].headers
    number = params["metadata[order]"]
    assert session["metadata"] == {"order": number}
    assert params["client_reference_id"] == number
    assert params["payment_intent_data[metadata][order]"] == number
    assert params["customer_email"] == "card.buyer@example.com"
    cents = session["amount_total"]
    lines = sum(key.startswith("line_items[") and key.endswith("][quantity]") for key in params)
    assert lines >= 2  # the item, and the tax on it
    assert {params[f"line_items[{i}][price_data][currency]"] for i in range(lines)} == {"usd"}
    assert sum(
        int(params[f"line_items[{i}][price_data][unit_amount]"])
        * int(params[f"line_items[{i}][quantity]"]) for i in range(lines)
    ) == cents
    assert headers["idempotency-key"].startswith("attempt-")
    assert headers["authorization"] == f"Bearer {stripe.secret_key}"
    total = Decimal(cents) / 100

    # Back at the shop, the return page waits for Stripe, asking again every few seconds.
    page.get_by_role("link", name="Pay", exact=True).click()
    expect(page).to_have_url(
        f"{shop['url']}/payments/{number}/return/?session_id={session['id']}"
    )
    expect(page.locator("h1")).to_have_text(f"Order {number}")
    status = page.locator("#payment-status")
    expect(status).to_contain_text("Confirming your payment")
    with page.expect_response(lambda r: f"/payments/{number}/status/" in r.url) as poll:
        pass
    assert poll.value.status == 204  # nothing new yet: nothing swapped
    expect(status).to_contain_text("Confirming your payment")
    assert order_state(shop, number)["status"] == "awaiting_payment"
    screenshot(page, "payment-confirming")

    # Stripe reports the payment; the page turns to paid without a reload, and stops asking.
    mark_document(page)
    body = session_completed(number=number, session_id=session["id"], cents=cents)
    secret = shop["stripe_webhook_secret"]

    def settled(response) -> bool:  # htmx stops polling on 286
        return f"/payments/{number}/status/" in response.url and response.status == 286

    with page.expect_response(settled, timeout=5000):
        assert post_webhook(shop, body, sign(body, secret)) == (200, "OK")
    expect(status).to_contain_text(f"Paid. Thank you! We have your payment of ${total:,.2f}",
                                   timeout=5000)
    assert still_same_document(page)
    expect(status).not_to_have_attribute("aria-busy", "true")
    polls = []
    page.on("request", lambda r: polls.append(r.url) if "/status/" in r.url else None)
    page.wait_for_timeout(2500)  # longer than the page's polling interval
    assert polls == []
    assert_no_axe_violations(page)
    screenshot(page, "payment-paid")

    paid = order_state(shop, number)
    assert paid["status"] == "paid"
    assert not paid["needs_review"]
    assert [p[:3] for p in paid["payments"]] == [
        ["attempt", "succeeded", f"{total:.2f}"], ["capture", "succeeded", f"{total:.2f}"],
    ]
    assert paid["events"] == ["placed", "paid"]

    # Stripe delivers the same event again: received, and nothing more happens.
    assert post_webhook(shop, body, sign(body, secret)) == (200, "Already received.")
    assert order_state(shop, number) == paid

    status.get_by_role("link", name="See the order").click()
    expect(page.locator(".order-status .status")).to_have_text("Paid")
    expect(page.locator(".timeline li").filter(has_text="Payment received")).to_have_count(1)


def test_a_webhook_with_a_bad_signature_pays_nothing(shop, page):
    review_order_paying_by_card(page, shop, email="forged@example.com")
    session = place_order_by_card(page, shop)
    expect(page).to_have_url(session["url"])
    number = session["metadata"]["order"]
    before = order_state(shop, number)
    body = session_completed(number=number, session_id=session["id"],
                             cents=session["amount_total"])

    assert post_webhook(shop, body, sign(body, "whsec_not_the_shops")) == (400, "Bad signature.")
    secret = shop["stripe_webhook_secret"]
    assert post_webhook(shop, body + b" ", sign(body, secret)) == (400, "Bad signature.")
    assert post_webhook(shop, body, "") == (400, "Bad signature.")
    assert order_state(shop, number) == before
    assert before["status"] == "awaiting_payment"
    assert before["webhooks"] == []
