"""Pages shared by visitors without a session: rendered once, kept until the catalogue
changes, each response with its own CSP nonce and CSRF token."""

import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse

from shop.models import CartLine, User
from shop.shared_pages import CUSTOMER, VISITOR, SharedPage, audience
from tests.factories import (
    ProductFactory,
    ReviewFactory,
    UserFactory,
    VariantFactory,
    WishlistItemFactory,
)

pytestmark = pytest.mark.django_db
LISTING = reverse("shop:product-list")
NONCE = re.compile(r'nonce="([^"]+)"')
CSRF = re.compile(r'"X-CSRFToken": "([^"]+)"')
# The values made for each response.
OWN_VALUES = re.compile(r'nonce="[^"]+"|"X-CSRFToken": "[^"]+"|csrfmiddlewaretoken" value="[^"]+"')


def visit(url: str, **headers):
    """A first visit: a new browser, without any cookie."""
    return Client(**headers).get(url)


# What a kept page's response still renders: its holes.
HOLES = {"_account_nav.html", "_messages.html"}


def rendered(response) -> bool:
    """Whether the response rendered its page, not only the holes of a kept one."""
    return bool({template.name for template in response.templates} - HOLES)


def nonces(response) -> set[str]:
    return set(NONCE.findall(response.content.decode()))


@pytest.mark.parametrize("url", ["/", f"{LISTING}?category=shirts&size=M&sort=price",
                                 "/products/cotton-tee/"])
def test_a_page_seen_before_is_served_without_a_query(url, tee, django_assert_num_queries):
    first = visit(url)

    with django_assert_num_queries(0):
        again = visit(url)

    assert again.status_code == 200
    assert not rendered(again)
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


def test_a_visitor_with_a_cart_gets_the_kept_page_with_their_own_count(
    tee, client, django_assert_num_queries
):
    visit("/")
    client.post(reverse("shop:cart-add"), {"variant": "TEE-M", "quantity": 1})

    with django_assert_num_queries(0):  # the session is read from the cache
        response = client.get("/")

    assert not rendered(response)
    assert 'aria-label="1 item"' in response.text
    assert 'aria-label="0 items"' in visit("/").text


def test_a_message_is_shown_once_in_a_kept_page(tee, client):
    visit("/")
    client.post(reverse("shop:cart-add"), {"variant": "TEE-M", "quantity": 1})  # "Added…"

    first, again = client.get("/").text, client.get("/").text

    assert 'class="message' in first.split('id="messages"')[1].split("</div>")[0]
    assert 'class="message' not in again.split('id="messages"')[1].split("</div>")[0]


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

    assert again.status_code == 200 and not rendered(again)


@pytest.mark.parametrize("url", ["/?utm_source=mail", f"{LISTING}?size=M&junk=1",
                                 "/products/cotton-tee/?page=2"])
def test_an_address_with_a_parameter_the_page_does_not_read_is_never_kept(url, tee):
    """Made-up parameters cannot fill the cache with copies of a page: such an address is
    rendered for its visitor each time, and keeps nothing, not even under its address
    without them."""
    responses = [visit(url) for _ in range(2)]

    assert all(response.status_code == 200 for response in responses)
    assert all(rendered(response) for response in responses)
    without = url.replace("utm_source=mail", "").replace("&junk=1", "").replace("?page=2", "")
    assert rendered(visit(without))  # nothing kept for it either


# --- signed-in customers ------------------------------------------------------------------------

@pytest.fixture
def two_customers(tee):
    shirt = ProductFactory(name="Linen Shirt", slug="linen-shirt", category=tee.category)
    VariantFactory(product=shirt, sku="SHIRT-M", size="M")
    ada, bo = UserFactory(email="ada@example.com"), UserFactory(email="bo@example.com")
    WishlistItemFactory(user=ada, product=tee)
    WishlistItemFactory(user=bo, product=shirt)
    clients = {}
    for user in (ada, bo):
        clients[user.email] = Client()
        clients[user.email].force_login(user)
    return {"tee": tee, "shirt": shirt, "ada": clients["ada@example.com"],
            "bo": clients["bo@example.com"]}


def pressed(page: str, product) -> str:
    button = page.split(f'id="wishlist-toggle-{product.pk}"')[1].split(">")[0]
    return button.split('aria-pressed="')[1].split('"')[0]


@pytest.mark.parametrize("url", ["/", LISTING, "/products/cotton-tee/"])
def test_customers_share_a_kept_page_each_with_their_own_header_and_hearts(
    url, two_customers, django_assert_num_queries
):
    ada, bo, tee = two_customers["ada"], two_customers["bo"], two_customers["tee"]
    ada.get(url)

    # the user, which of the page's products are saved (the session is in the cache), and on
    # a product's page whether the customer reviewed it
    with django_assert_num_queries(3 if "cotton-tee" in url else 2):
        page = bo.get(url)

    assert not rendered(page)
    assert "bo@example.com" in page.text and "ada@example.com" not in page.text
    assert pressed(page.text, tee) == "false"
    ada_page = ada.get(url).text
    assert "ada@example.com" in ada_page and "bo@example.com" not in ada_page
    assert pressed(ada_page, tee) == "true"
    assert "shared-page" not in ada_page + page.text
    if url == LISTING:
        assert pressed(page.text, two_customers["shirt"]) == "true"
        assert pressed(ada_page, two_customers["shirt"]) == "false"


def test_a_kept_pages_sign_out_form_carries_the_customers_own_token(tee):
    """The account links are rendered once for a customer and kept; the sign-out form's
    token is filled in per response, and signs out with CSRF checks on."""
    ada = UserFactory(email="ada@example.com")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(ada)
    browser.get(LISTING), browser.get(LISTING)  # rendered, then kept

    page = browser.get(LISTING).text
    form = page.split('action="/accounts/logout/"')[1].split("</form>")[0]
    token = form.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]

    assert "shared-page" not in page
    assert browser.post("/accounts/logout/", {"csrfmiddlewaretoken": token}).status_code == 302
    assert "Sign in" in browser.get(LISTING).text


def test_a_visitor_and_a_customer_never_share_a_page(two_customers):
    two_customers["ada"].get(LISTING)

    page = visit(LISTING).text

    assert "Sign in" in page and "wishlist-form-" not in page


def test_the_customer_who_reviewed_a_product_gets_its_page_with_their_review(two_customers):
    ada, tee = two_customers["ada"], two_customers["tee"]
    ReviewFactory(product=tee, user=User.objects.get(email="ada@example.com"),
                  title="Soft and warm")
    two_customers["bo"].get(tee.get_absolute_url())

    page = ada.get(tee.get_absolute_url())

    assert rendered(page)
    assert "Update your review" in page.text
    assert "Update your review" not in two_customers["bo"].get(tee.get_absolute_url()).text


def test_whose_pages_a_request_is_given(rf):
    customer = UserFactory.build()
    request = rf.get("/")
    request.user = AnonymousUser()
    assert audience(request) == VISITOR
    request.user = customer
    assert audience(request) == CUSTOMER
    request.second_factor_pending = True  # only signing out, until the code is given
    assert audience(request) is None
    request = rf.post("/")
    request.user = AnonymousUser()
    assert audience(request) is None


def test_a_customer_who_reviews_a_product_gets_its_page_with_their_review_at_once(
    two_customers
):
    ada, tee = two_customers["ada"], two_customers["tee"]
    ada.get(tee.get_absolute_url())
    assert "Update your review" not in ada.get(tee.get_absolute_url()).text

    posted = ada.post(reverse("shop:review-submit", args=[tee.slug]),
                      {"rating": "5", "title": "Soft", "body": "Washed ten times."})

    assert posted.status_code == 302
    assert "Update your review" in ada.get(tee.get_absolute_url()).text
    assert "Update your review" not in two_customers["bo"].get(tee.get_absolute_url()).text


def test_a_page_kept_in_an_earlier_layout_is_not_served(tee, monkeypatch):
    monkeypatch.setattr("shop.shared_pages.PAGE_LAYOUT", 1)
    visit("/")
    assert not rendered(visit("/"))

    monkeypatch.setattr("shop.shared_pages.PAGE_LAYOUT", 2)

    assert rendered(visit("/"))


def test_a_page_without_a_form_gives_a_visitor_no_csrf_token(rf):
    page = SharedPage.of(b"<header><shared-page-nav></header><main>No form here.</main>", ())
    request = rf.get("/")
    request.user = AnonymousUser()
    request.session = {}

    content = page.response_for(request).content.decode()

    assert "Sign in" in content and "shared-page" not in content
    assert "CSRF_COOKIE" not in request.META  # no token made, so no CSRF cookie set
