"""Rate limits: each limited endpoint answers 429 with Retry-After once its limit is spent,
per address and per account, with a readable page or, for HTMX, a notice the page shows."""

import json
import re
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.urls import reverse
from django_ratelimit import core

from security import ratelimits
from tests.accounts import PASSWORD, make_account, sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# method, path, query, the per-address allowance, and the window in seconds.
LIMITED = [
    pytest.param("post", "/accounts/login/", {}, 10, 60, id="sign-in"),
    pytest.param("post", "/accounts/2fa/verify/", {}, 10, 60, id="2fa-verify"),
    pytest.param("post", "/accounts/signup/", {}, 20, 3600, id="sign-up"),
    pytest.param("post", "/accounts/password/reset/", {}, 20, 3600, id="password-reset"),
    pytest.param("post", "/privacy/", {}, 20, 3600, id="guest-privacy"),
    pytest.param("get", "/products/", {"q": "jacket"}, 60, 60, id="search"),
    pytest.param("post", "/cart/add/", {}, 30, 60, id="cart-add"),
    pytest.param("post", "/checkout/", {}, 10, 60, id="checkout"),
    pytest.param("post", "/checkout/review/", {}, 10, 60, id="checkout-review"),
    pytest.param("post", "/webhooks/stripe/", {}, 600, 60, id="webhooks"),
    pytest.param("post", "/accounts/2fa/disable/", {}, 10, 60, id="2fa-disable"),
    pytest.param("post", "/csp-report/", {}, 30, 60, id="csp-report"),
    pytest.param("head", "/products/", {"q": "jacket"}, 60, 60, id="search-head"),
]


def spend(method: str, path: str, query: dict, times: int, **meta) -> None:
    """Count `times` requests as the test client would send them (same address), each
    within the limit, without running the views."""
    factory = getattr(RequestFactory(), method)
    for _ in range(times):
        request = factory(path, query, **meta)
        request.user = AnonymousUser()
        assert ratelimits.check_request(request) is None


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """django-ratelimit's clock, held still (a window must not end mid-test) and moved by
    hand."""
    now = SimpleNamespace(value=1_700_000_000.0)
    monkeypatch.setattr(core, "time", SimpleNamespace(time=lambda: now.value))
    return now


@pytest.mark.parametrize(("method", "path", "query", "allowed", "window"), LIMITED)
def test_a_limited_endpoint_answers_429_with_retry_after(client, method, path, query, allowed,
                                                          window):
    spend(method, path, query, allowed)
    response = getattr(client, method)(path, query)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= window


def test_the_last_request_within_the_limit_is_served(client):
    spend("post", "/checkout/", {}, 9)
    assert client.post("/checkout/").status_code != 429
    assert client.post("/checkout/").status_code == 429


def test_retry_after_is_the_time_until_the_window_ends(client, clock):
    spend("post", "/cart/add/", {}, 30)
    retry_after = int(client.post("/cart/add/")["Retry-After"])
    clock.value += retry_after - 1
    assert client.post("/cart/add/").status_code == 429
    clock.value += 1
    assert client.post("/cart/add/").status_code != 429


def test_the_listing_without_a_search_is_not_limited(client):
    spend("get", "/products/", {"q": "jacket"}, 60)
    assert client.get("/products/", {"sort": "price"}).status_code == 200


def test_another_address_has_its_own_allowance(client):
    spend("post", "/checkout/", {}, 10)
    assert client.post("/checkout/", REMOTE_ADDR="198.51.100.9").status_code != 429


def test_the_page_says_what_happened_and_when_to_try_again(client):
    spend("get", "/products/", {"q": "jacket"}, 60)
    response = client.get("/products/", {"q": "jacket"})
    wait = ratelimits.wait_text(int(response["Retry-After"]))
    assert "<html" in response.text  # the whole page, in the shop's layout
    assert "a lot of searches from your connection" in response.text
    assert f"Please try again in {wait}." in response.text


def test_strangers_typing_an_email_everywhere_do_not_keep_its_owner_out(client):
    make_account("grace@example.com")
    for n in range(30):
        response = client.post(reverse("account_login"),
                               {"login": "Grace@Example.com", "password": "not it at all"},
                               REMOTE_ADDR=f"198.51.100.{n + 1}")
        assert response.status_code == 200
    response = sign_in(client, "grace@example.com", PASSWORD, ip="203.0.113.50")
    assert response.status_code == 302


def test_a_signed_in_customer_is_limited_across_addresses(client):
    client.force_login(UserFactory())
    for n in range(30):
        response = client.post(reverse("shop:cart-add"), REMOTE_ADDR=f"198.51.100.{n + 1}")
        assert response.status_code != 429
    response = client.post(reverse("shop:cart-add"), REMOTE_ADDR="203.0.113.50")
    assert response.status_code == 429


def test_an_htmx_request_gets_the_notice_in_the_message_area(client):
    spend("post", "/cart/add/", {}, 30)
    response = client.post(reverse("shop:cart-add"), HTTP_HX_REQUEST="true",
                           HTTP_HX_TARGET="cart-notice")
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert response["HX-Retarget"] == "#messages"
    assert response["HX-Reswap"].startswith("innerHTML")
    assert "<html" not in response.text
    assert "Too many additions to the cart in a short time." in response.text


def test_an_htmx_search_over_the_limit_leaves_the_address_bar_alone(client):
    spend("get", "/products/", {"q": "jacket"}, 60)
    response = client.get("/products/", {"q": "jacket"}, HTTP_HX_REQUEST="true",
                          HTTP_HX_TARGET="listing")
    assert response.status_code == 429
    assert response["HX-Push-Url"] == "false"


def test_every_page_has_the_message_area_the_notice_goes_to(client):
    assert 'id="messages"' in client.get(reverse("shop:home")).text


def _handling(config: dict, status: int) -> dict:
    # As htmx 2 picks it: the first entry whose code pattern matches the status.
    return next(entry for entry in config["responseHandling"]
                if re.search(entry["code"], str(status)))


def test_htmx_is_configured_to_swap_a_429_and_nothing_else_new(client):
    page = client.get(reverse("shop:home")).text
    meta = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", page)
    config = json.loads(meta.group(1))
    assert _handling(config, 429)["swap"] is True
    assert _handling(config, 200)["swap"] is True
    assert _handling(config, 204)["swap"] is False
    for status in (400, 403, 404, 422, 500):
        assert _handling(config, status) == {"code": "[45]..", "swap": False, "error": True}


def test_switched_off_nothing_is_limited(client, settings):
    settings.RATELIMIT_ENABLE = False
    spend("post", "/checkout/", {}, 50)
    assert client.post("/checkout/").status_code != 429


@pytest.mark.parametrize(("seconds", "text"), [
    (1, "1 second"), (45, "45 seconds"), (60, "1 minute"), (61, "2 minutes"),
    (3600, "1 hour"), (3601, "2 hours"),
])
def test_the_wait_is_said_as_a_person_would(seconds, text):
    assert ratelimits.wait_text(seconds) == text


def test_the_429_page_pins_its_queries(client, django_assert_max_num_queries):
    client.force_login(UserFactory())
    spend("get", "/products/", {"q": "jacket"}, 60)
    with django_assert_max_num_queries(2):  # the session and its user
        assert client.get("/products/", {"q": "jacket"}).status_code == 429
