"""Pages shared by visitors without a session: rendered once, kept until the catalogue
changes, each response with its own CSP nonce and CSRF token."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from shop.models import CartLine

pytestmark = pytest.mark.django_db
LISTING = reverse("shop:product-list")
NONCE = re.compile(r'nonce="([^"]+)"')
CSRF = re.compile(r'"X-CSRFToken": "([^"]+)"')
# The values made for each response.
OWN_VALUES = re.compile(r'nonce="[^"]+"|"X-CSRFToken": "[^"]+"|csrfmiddlewaretoken" value="[^"]+"')


def visit(url: str, **headers):
    """A first visit: a new browser, without any cookie."""
    return Client(**headers).get(url)


def nonces(response) -> set[str]:
    return set(NONCE.findall(response.content.decode()))


@pytest.mark.parametrize("url", ["/", f"{LISTING}?category=shirts&size=M&sort=price",
                                 "/products/cotton-tee/"])
def test_a_page_seen_before_is_served_without_a_query(url, tee, django_assert_num_queries):
    first = visit(url)

    with django_assert_num_queries(0):
        again = visit(url)

    assert again.status_code == 200
    assert again.context is None  # nothing rendered
    assert OWN_VALUES.sub("", again.content.decode()) == OWN_VALUES.sub(
        "", first.content.decode()
    )


def test_each_response_has_its_own_nonce_named_in_its_policy(tee):
    visit("/")

    responses = [visit("/") for _ in range(2)]

    [first], [second] = (nonces(response) for response in responses)
    assert first != second
    for response, nonce in zip(responses, (first, second), strict=True):
        assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
        assert "shared-page" not in response.content.decode()


def test_the_token_in_a_shared_page_is_accepted_with_its_cookie(tee):
    visit("/products/cotton-tee/")
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/products/cotton-tee/")
    token = CSRF.search(page.content.decode()).group(1)

    added = browser.post(reverse("shop:cart-add"), {"variant": "TEE-M", "quantity": 1},
                         HTTP_X_CSRFTOKEN=token)

    assert added.status_code in (200, 302)
    assert CartLine.objects.get().quantity == 1


def test_a_visitor_with_a_session_gets_the_page_made_for_them(tee, client):
    visit("/")
    client.post(reverse("shop:cart-add"), {"variant": "TEE-M", "quantity": 1})

    response = client.get("/")

    assert response.context is not None
    assert 'aria-label="1 item"' in response.content.decode()


def test_a_price_saved_shows_on_the_next_shared_page(tee, django_capture_on_commit_callbacks):
    assert "$20.00" in visit("/products/cotton-tee/").content.decode()
    variant = tee.variants.get()
    with django_capture_on_commit_callbacks(execute=True):
        variant.price = Decimal("17.50")
        variant.save()

    page = visit("/products/cotton-tee/").content.decode()

    assert "$17.50" in page
    assert "$20.00" not in page


def test_a_fragment_is_kept_apart_from_its_whole_page(tee):
    url = f"{LISTING}?category=shirts"
    visit(url)

    fragment = visit(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="listing")
    whole = visit(url)

    assert not fragment.content.decode().lstrip().startswith("<!doctype")
    assert whole.content.decode().startswith("<!doctype")
    assert "HX-Request" in fragment["Vary"]


def test_shared_pages_vary_by_cookie(tee):
    visit("/")

    assert "Cookie" in visit("/")["Vary"]


def test_a_mark_typed_by_a_visitor_is_shown_escaped_and_never_filled(tee):
    url = f"{LISTING}?q=%3Cshared-page-nonce%3E"
    visit(url)

    response = visit(url)

    page = response.content.decode()
    [nonce] = nonces(response)
    assert "&lt;shared-page-nonce&gt;" in page
    assert page.count(nonce) == page.count('nonce="')  # only where a nonce belongs


def test_the_same_choice_in_another_order_is_one_kept_page(tee, django_assert_num_queries):
    visit(f"{LISTING}?category=shirts&size=M&sort=price")

    with django_assert_num_queries(0):
        again = visit(f"{LISTING}?sort=price&size=M&category=shirts")

    assert again.status_code == 200 and again.context is None


@pytest.mark.parametrize("url", ["/?utm_source=mail", f"{LISTING}?size=M&junk=1",
                                 "/products/cotton-tee/?page=2"])
def test_an_address_with_a_parameter_the_page_does_not_read_is_never_kept(url, tee):
    """Made-up parameters cannot fill the cache with copies of a page: such an address is
    rendered for its visitor each time, and keeps nothing, not even under its address
    without them."""
    responses = [visit(url) for _ in range(2)]

    assert all(response.status_code == 200 for response in responses)
    assert all(response.context is not None for response in responses)  # both rendered
    without = url.replace("utm_source=mail", "").replace("&junk=1", "").replace("?page=2", "")
    assert visit(without).context is not None  # rendered: nothing kept for it either
