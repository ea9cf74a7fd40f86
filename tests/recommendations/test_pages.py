"""The rows as shoppers get them: fragments the product, cart and home pages load after
themselves, and pages of their own behind a plain link; the pages they belong to keep their
queries and stay shared."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from recommendations import recent, services
from shop.shared_pages import VISITOR, audience
from tests.conftest import empty_cache
from tests.factories import CategoryFactory, UserFactory
from tests.recommendations.made import paid_order, product

pytestmark = pytest.mark.django_db
FRAGMENT = {"HX-Request": "true", "HX-Target": "recommendations"}


@pytest.fixture
def shelf():
    footwear, kitchen = CategoryFactory(name="Footwear"), CategoryFactory(name="Kitchen")
    made = {
        "boots": product("Leather Chelsea Boots", footwear, price="180.00"),
        "socks": product("Wool Hiking Socks", footwear, price="15.00"),
        "laces": product("Waxed Boot Laces", footwear, price="6.00"),
        "mug": product("Stoneware Mug", kitchen, price="18.00"),
        "bowl": product("Stoneware Bowl", kitchen, price="22.00"),
    }
    for n in range(3):
        paid_order(f"walker{n}@example.com", made["boots"], made["socks"])
        paid_order(f"cook{n}@example.com", made["mug"], made["bowl"])
    services.rebuild()
    return made


def beside(item):
    return reverse("recommendations:product", args=[item.slug])


def test_the_product_page_asks_for_its_rows_after_itself(client, shelf):
    page = client.get(shelf["boots"].get_absolute_url()).text
    assert f'hx-get="{beside(shelf["boots"])}" hx-trigger="load"' in page
    assert f'<a href="{beside(shelf["boots"])}" rel="nofollow">' in page  # without JavaScript
    assert "Customers also bought" not in page


def test_the_fragment_holds_the_rows_and_nothing_else(client, shelf):
    response = client.get(beside(shelf["boots"]), headers=FRAGMENT)
    text = response.text
    assert text.lstrip().startswith('<div id="recommendations"')
    assert "<html" not in text
    assert "Customers also bought" in text and "Wool Hiking Socks" in text
    assert "Leather Chelsea Boots" not in text
    assert "private" in response["Cache-Control"]


def test_without_javascript_the_rows_are_a_page_of_their_own(client, shelf):
    text = client.get(beside(shelf["boots"])).text
    assert "<h1>More like Leather Chelsea Boots</h1>" in text
    assert "Wool Hiking Socks" in text
    assert f'href="{shelf["boots"].get_absolute_url()}">Back' in text


def test_recently_viewed_follows_the_visitor_without_a_session(client, shelf):
    for item in ("mug", "laces"):
        client.get(beside(shelf[item]), headers=FRAGMENT)
        shelf[item].variants.update(on_hand=0)  # sold out: in no other row
    empty_cache()
    response = client.get(beside(shelf["boots"]), headers=FRAGMENT)
    assert "sessionid" not in response.cookies
    row = response.text.split('id="row-recent"')[1]
    assert row.index("Waxed Boot Laces") < row.index("Stoneware Mug")  # latest first
    assert "Leather Chelsea Boots" not in row  # not the product it is beside
    home = client.get(reverse("recommendations:home"), headers=FRAGMENT).text
    recent_row = home.split('id="row-recent"')[1]
    assert recent_row.index("Waxed Boot Laces") < recent_row.index("Stoneware Mug")
    # The boots, a best seller, are shown once: not again under recently viewed.
    assert home.count('class="card-title">Leather Chelsea Boots<') == 1
    assert "Leather Chelsea Boots" not in recent_row


def test_a_visitor_with_only_recently_viewed_still_gets_the_shared_pages(client, shelf, rf):
    client.get(beside(shelf["mug"]), headers=FRAGMENT)
    request = rf.get("/")
    request.COOKIES = dict(client.cookies.items())
    request.user = AnonymousUser()
    assert recent.COOKIE in request.COOKIES
    assert audience(request) == VISITOR


def test_a_cookie_not_of_our_making_is_ignored(client, shelf):
    client.cookies[recent.COOKIE] = f"{shelf['mug'].pk}"  # unsigned
    text = client.get(beside(shelf["boots"]), headers=FRAGMENT).text
    assert "Recently viewed" not in text


def test_rows_of_a_product_that_is_not_listed_are_not_found(client, shelf):
    shelf["boots"].is_active = False
    shelf["boots"].save()
    assert client.get(beside(shelf["boots"]), headers=FRAGMENT).status_code == 404
    assert client.get(reverse("recommendations:product", args=["no-such-thing"])).status_code == 404


def test_the_rows_are_only_read(client, shelf):
    assert client.post(beside(shelf["boots"])).status_code == 405


def test_a_guest_sees_best_sellers_and_trending_a_customer_their_own(client, shelf):
    text = client.get(reverse("recommendations:home"), headers=FRAGMENT).text
    assert "Best sellers" in text and "Recommended for you" not in text
    customer = UserFactory()
    paid_order(customer.email, shelf["mug"], user=customer)
    client.force_login(customer)
    text = client.get(reverse("recommendations:home"), headers=FRAGMENT).text
    assert "Recommended for you" in text and "Best sellers" not in text
    row = text.split('id="row-for-you"')[1]
    assert "Stoneware Bowl" in row and "Stoneware Mug" not in row


def test_the_shared_home_page_shows_no_personal_row(client, shelf):
    page = client.get(reverse("shop:home")).text
    assert f'hx-get="{reverse("recommendations:home")}"' in page
    assert "Recommended for you" not in page and "Recently viewed" not in page


def test_the_cart_is_completed_with_what_goes_with_it(client, shelf):
    empty = client.get(reverse("recommendations:cart"), headers=FRAGMENT).text
    assert "Complete your order" not in empty
    client.post(reverse("shop:cart-add"), {"variant": shelf["boots"].variants.first().sku,
                                           "quantity": 1})
    cart_page = client.get(reverse("shop:cart")).text
    assert f'hx-get="{reverse("recommendations:cart")}"' in cart_page
    text = client.get(reverse("recommendations:cart"), headers=FRAGMENT).text
    row = text.split('id="row-complete"')[1]
    assert "Wool Hiking Socks" in row and "Leather Chelsea Boots" not in row
    assert 'hx-trigger="cart-changed from:body"' in text  # read again as the cart changes


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_product_fragment_queries_are_pinned(client, shelf, django_assert_num_queries,
                                                 signed_in):
    if signed_in:
        client.force_login(UserFactory())
    client.get(beside(shelf["mug"]), headers=FRAGMENT)  # now recently viewed
    shelf["mug"].variants.update(on_hand=0)  # sold out: in no other row, still recently viewed
    empty_cache()
    # The product (with its variants and images), its links, its category's best sellers,
    # the cards, the offers, the recently viewed cards; signed in, also the session, the
    # user, whether they have a second factor and which cards they saved.
    with django_assert_num_queries(12 if signed_in else 8):
        response = client.get(beside(shelf["boots"]), headers=FRAGMENT)
    assert "Stoneware Mug" in response.text.split('id="row-recent"')[1]
    # From the cache: all but the recently viewed cards (signed in: the session, the user
    # and which cards they saved are kept too).
    with django_assert_num_queries(1):
        client.get(beside(shelf["boots"]), headers=FRAGMENT)


def test_the_home_and_cart_fragment_queries_are_pinned(client, shelf, django_assert_num_queries):
    with django_assert_num_queries(4):  # best sellers, trending, cards, offers
        client.get(reverse("recommendations:home"), headers=FRAGMENT)
    with django_assert_num_queries(0):  # from the cache
        client.get(reverse("recommendations:home"), headers=FRAGMENT)
    customer = UserFactory()
    paid_order(customer.email, shelf["mug"], user=customer)
    client.force_login(customer)
    # The user, their purchases and wishlist, the links, best sellers, cards, which are saved.
    with django_assert_num_queries(7):
        client.get(reverse("recommendations:home"), headers=FRAGMENT)
    client.post(reverse("shop:cart-add"), {"variant": shelf["boots"].variants.first().sku,
                                           "quantity": 1})
    empty_cache()
    # The session, the user, their second factor, the cart's products, the links, their
    # categories, best sellers, theirs, cards, offers (the cache was emptied), which are saved.
    with django_assert_num_queries(11):
        client.get(reverse("recommendations:cart"), headers=FRAGMENT)


def test_signing_out_forgets_what_was_viewed(client, shelf):
    client.force_login(UserFactory())
    client.get(beside(shelf["mug"]), headers=FRAGMENT)
    assert client.cookies[recent.COOKIE].value
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    forgotten = response.cookies[recent.COOKIE]
    assert forgotten.value == "" and forgotten["max-age"] == 0
    text = client.get(reverse("recommendations:home"), headers=FRAGMENT).text
    assert "Recently viewed" not in text


def test_a_visitor_who_never_signed_in_keeps_the_cookie_on_other_pages(client, shelf):
    client.get(beside(shelf["mug"]), headers=FRAGMENT)
    response = client.get(reverse("shop:home"))
    assert recent.COOKIE not in response.cookies  # nothing deleted, nothing rewritten
