"""PostgreSQL going away under the shop: a real connection refused, then one that hangs, through
a proxy in front of the test database (tests.faults). Shoppers with a session, signed-in
customers, sign-in and webhooks get 503 with Retry-After and never a 500; nothing is reported
or counted per request; pages shared by visitors without a session keep being served from the
cache; the first request after the database is back is served.

These tests commit (the proxy's connections see only committed rows), so they keep to a file
of their own."""

import time
from collections import Counter

import pytest
from django.db import close_old_connections, connection
from django.test import Client
from django.urls import reverse

from monitoring import outage
from tests.accounts import make_account
from tests.conftest import need
from tests.factories import VariantFactory
from tests.faults import FaultyProxy
from tests.monitoring.test_outage import BROWSER, STRIPE_WEBHOOK_SECRET, watch
from tests.payments import stripe_signing

# serialized_rollback: the rows the migrations wrote (the site, shipping methods) come back
# afterwards, for the tests that follow.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def database(transactional_db):
    """The test database, reached through a FaultyProxy; the real address is put back (and
    the proxy's connection closed) before the database is emptied."""
    if connection.vendor != "postgresql":
        need("needs PostgreSQL: set DATABASE_URL")
    real = connection.settings_dict["HOST"], connection.settings_dict["PORT"]
    proxy = FaultyProxy(real[0] or "127.0.0.1", int(real[1] or 5432))
    connection.close()
    connection.settings_dict["HOST"], connection.settings_dict["PORT"] = "127.0.0.1", proxy.port
    try:
        yield proxy
    finally:
        proxy.close()
        connection.close()
        connection.settings_dict["HOST"], connection.settings_dict["PORT"] = real


@pytest.fixture
def watched(monkeypatch, caplog):
    yield from watch(monkeypatch, caplog)


@pytest.fixture
def shop(database, settings):
    """A product; a visitor with a cart (a session, not signed in); a signed-in customer; the
    home and listing pages already seen by a visitor without a session (so cached); Stripe's
    webhook on."""
    settings.PAYMENT_PROVIDERS = ["stripe", "test"]
    settings.STRIPE_SECRET_KEY = "sk_test_outage"
    settings.STRIPE_WEBHOOK_SECRET = STRIPE_WEBHOOK_SECRET
    VariantFactory(sku="TEE-M", product__name="Trail Lantern")
    shopper = Served()
    assert shopper.post(reverse("shop:cart-add"), {"variant": "TEE-M", "quantity": 1}
                        ).status_code in (200, 302)
    customer = Served()
    customer.force_login(make_account("pat@example.com"))
    for page in SHARED:
        assert anonymous().get(page).status_code == 200
    return {"shopper": shopper, "customer": customer}


SHARED = ["/", "/products/"]


class Served(Client):
    """A client whose requests are served as gunicorn serves them, where at each request's
    start and end Django closes a connection that failed (request_started, request_finished);
    the test client leaves that out, to keep a test's transaction open."""

    def __init__(self, **defaults):
        super().__init__(raise_request_exception=False, **defaults)

    def request(self, **request):
        close_old_connections()
        try:
            return super().request(**request)
        finally:
            close_old_connections()


def anonymous() -> Client:
    """A browser without cookies."""
    return Served(headers={"User-Agent": BROWSER})


def post_webhook(client: Client):
    body = stripe_signing.body("payment_intent.succeeded")
    return client.post("/webhooks/stripe/", data=body, content_type="application/json",
                       HTTP_STRIPE_SIGNATURE=stripe_signing.sign(body, STRIPE_WEBHOOK_SECRET))


def needing_the_database(shop) -> list[tuple[str, object]]:
    """A mixed burst of what people and providers do that needs the database: (what, call)."""
    shopper, customer = shop["shopper"], shop["customer"]
    burst = []
    for who, client in [("shopper", shopper), ("customer", customer)]:
        burst += [
            (f"{who} GET /cart/", lambda c=client: c.get("/cart/")),
            (f"{who} GET /checkout/", lambda c=client: c.get("/checkout/")),
            (f"{who} GET /products/?q=lantern",
             lambda c=client: c.get("/products/?q=lantern")),
            (f"{who} POST add to cart", lambda c=client: c.post(
                reverse("shop:cart-add"), {"variant": "TEE-M", "quantity": 1})),
        ]
    burst += [
        ("customer GET /orders/", lambda: customer.get("/orders/")),
        ("customer GET /products/ (htmx)", lambda: customer.get(
            "/products/?q=lamp", headers={"HX-Request": "true", "HX-Target": "product-results"})),
        ("anonymous GET /products/?q=uncached", lambda: anonymous().get("/products/?q=tent")),
        ("anonymous POST sign-in", lambda: anonymous().post(
            reverse("account_login"), {"login": "pat@example.com", "password": "wrong-12345"})),
        ("Stripe POST webhook", lambda: post_webhook(Served())),
    ]
    return burst


def answer(burst) -> dict[str, object]:
    return {what: call() for what, call in burst}


def test_a_refusing_database_is_a_503_for_every_page_that_needs_it(shop, database, watched):
    database.down()
    statuses = Counter()
    for _ in range(3):
        answers = answer(needing_the_database(shop))
        statuses.update(response.status_code for response in answers.values())
        assert {what: r.status_code for what, r in answers.items() if r.status_code != 503} == {}
        assert all(r["Retry-After"] == str(outage.RETRY_AFTER_SECONDS) for r in answers.values())
    print(f"\nRefused: {statuses[500]} answered 500, {statuses[503]} answered 503")
    watched.assert_quiet()  # one log line for them all


def test_shared_pages_are_served_from_the_cache_while_it_is_down(shop, database, watched):
    database.down()
    for page in SHARED:
        response = anonymous().get(page)
        assert response.status_code == 200, page
    assert "Trail Lantern" in anonymous().get("/products/").content.decode()


def test_the_first_request_after_the_database_is_back_is_served(shop, database, watched):
    database.down()
    assert shop["shopper"].get("/cart/").status_code == 503
    assert shop["customer"].get("/orders/").status_code == 503
    database.up()
    assert shop["shopper"].get("/cart/").status_code == 200
    assert shop["customer"].get("/orders/").status_code == 200
    assert post_webhook(Served()).status_code == 200


def test_a_hanging_database_is_a_503_after_the_connect_timeout(shop, database, watched):
    database.hang()
    burst = needing_the_database(shop)
    burst = [burst[0], *(item for item in burst if item[0].startswith(("customer GET /orders",
                                                                        "Stripe")))]
    started = time.monotonic()
    answers = answer(burst)
    took = time.monotonic() - started
    print(f"\nHanging: {Counter(r.status_code for r in answers.values())} in {took:.1f} s")
    assert {what: r.status_code for what, r in answers.items() if r.status_code != 503} == {}
    assert took < len(burst) * 5  # connect_timeout is 2 s: each waits it out once
    started = time.monotonic()
    assert anonymous().get("/products/").status_code == 200
    assert time.monotonic() - started < 1  # a shared page does not wait for the database
    watched.assert_quiet()
    database.up()
    assert shop["shopper"].get("/cart/").status_code == 200
