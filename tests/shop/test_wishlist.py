import json
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from django.urls import reverse

from shop.errors import OutOfStock
from shop.models import Cart, WishlistItem
from shop.services import wishlist as wishlist_services
from tests.factories import (
    CategoryFactory,
    ProductFactory,
    ProductImageFactory,
    UserFactory,
    VariantFactory,
    WishlistItemFactory,
)

pytestmark = pytest.mark.django_db

WISHLIST = reverse("shop:wishlist")
LISTING = reverse("shop:product-list")


@pytest.fixture
def customer(client):
    user = UserFactory()
    client.force_login(user)
    return user


@pytest.fixture
def tee():
    product = ProductFactory(name="Cotton Tee", slug="cotton-tee")
    VariantFactory(product=product, sku="TEE-S", size="S", color="Red", on_hand=0)
    VariantFactory(product=product, sku="TEE-M", size="M", color="Red", on_hand=3)
    VariantFactory(product=product, sku="TEE-L", size="L", color="Red", on_hand=2, reserved=2)
    return product


def pressed(page: str, product) -> str:
    """The aria-pressed of the product's heart on the page."""
    button = page.split(f'id="wishlist-toggle-{product.pk}"')[1].split(">")[0]
    return button.split('aria-pressed="')[1].split('"')[0]


def toggle(client, product, headers=None, **data):
    return client.post(reverse("shop:wishlist-toggle", args=[product.pk]), data,
                       headers=headers or {})


HTMX = {"HX-Request": "true", "HX-Target": "wishlist-toggle-{}"}


def htmx_for(product) -> dict:
    return {**HTMX, "HX-Target": HTMX["HX-Target"].format(product.pk)}


class Forms(HTMLParser):
    """The page's forms by id, the ids of forms opened inside another form, and for each
    button with a form attribute, the form it names."""

    def __init__(self, text: str):
        super().__init__()
        self.depth, self.ids, self.nested, self.buttons = 0, [], [], {}
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            if self.depth:
                self.nested.append(attrs.get("id"))
            self.depth += 1
            self.ids.append(attrs.get("id"))
        elif tag == "button" and "form" in attrs:
            self.buttons[attrs["id"]] = attrs["form"]

    def handle_endtag(self, tag):
        if tag == "form":
            self.depth -= 1


# --- the heart --------------------------------------------------------------------------------

def test_saving_by_htmx_answers_with_the_pressed_button_only(client, customer, tee):
    response = toggle(client, tee, headers=htmx_for(tee), saved="1", next="/products/")
    assert response.status_code == 200
    html = response.text.strip()
    assert html.startswith(f'<button type="submit" id="wishlist-toggle-{tee.pk}"')
    assert html.endswith("</button>")
    assert 'aria-pressed="true"' in html and 'value="0"' in html
    assert "Save Cotton Tee to wishlist" in html  # the label stays; aria-pressed says saved
    assert "data-announce>Saved “Cotton Tee” to your wishlist." in html
    assert WishlistItem.objects.filter(user=customer, product=tee).exists()


def test_removing_by_htmx_answers_with_the_unpressed_button(client, customer, tee):
    WishlistItemFactory(user=customer, product=tee)
    html = toggle(client, tee, headers=htmx_for(tee), saved="0").text
    assert 'aria-pressed="false"' in html and 'value="1"' in html
    assert "Save Cotton Tee to wishlist" in html
    assert not WishlistItem.objects.filter(user=customer, product=tee).exists()


def test_pressing_save_twice_keeps_it_saved(client, customer, tee):
    toggle(client, tee, headers=htmx_for(tee), saved="1")
    toggle(client, tee, headers=htmx_for(tee), saved="1")
    assert WishlistItem.objects.filter(user=customer, product=tee).count() == 1


def test_without_a_wanted_state_the_button_toggles(client, customer, tee):
    toggle(client, tee)
    assert WishlistItem.objects.filter(user=customer, product=tee).exists()
    toggle(client, tee)
    assert not WishlistItem.objects.filter(user=customer, product=tee).exists()


def test_a_plain_post_goes_back_to_the_page_with_a_message(client, customer, tee):
    response = toggle(client, tee, saved="1", next="/products/?sort=name")
    assert response.status_code == 302
    assert response["Location"] == "/products/?sort=name"
    assert "Saved “Cotton Tee” to your wishlist." in client.get(WISHLIST).text


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/products/", "", "javascript:alert(1)"]
)
def test_a_next_address_off_the_site_goes_to_the_product_instead(
    client, customer, tee, next_url
):
    response = toggle(client, tee, saved="1", next=next_url)
    assert response["Location"] == tee.get_absolute_url()


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in_and_back(client, tee):
    response = toggle(client, tee, saved="1", next="/products/?sort=name")
    assert response.status_code == 302
    assert response["Location"] == (
        f"{reverse('account_login')}?next={quote('/products/?sort=name', safe='/')}"
    )
    assert not WishlistItem.objects.exists()


def test_a_visitor_pressing_by_htmx_is_redirected_to_sign_in(client, tee):
    response = toggle(client, tee, headers=htmx_for(tee), next=tee.get_absolute_url())
    assert response["HX-Redirect"] == f"{reverse('account_login')}?next=/products/cotton-tee/"
    assert not WishlistItem.objects.exists()


def test_an_inactive_product_cannot_be_saved(client, customer, tee):
    tee.is_active = False
    tee.save()
    assert toggle(client, tee, saved="1").status_code == 404
    assert not WishlistItem.objects.exists()


def test_the_toggle_takes_only_posts(client, customer, tee):
    assert client.get(reverse("shop:wishlist-toggle", args=[tee.pk])).status_code == 405


# --- hearts on the listing and product pages --------------------------------------------------

def test_a_visitors_heart_on_the_listing_links_to_sign_in_and_back(client, tee):
    page = client.get(LISTING, {"sort": "name"}).text
    back = quote("/products/?sort=name", safe="/")
    assert f'href="{reverse("account_login")}?next={back}"' in page
    assert "Save Cotton Tee to wishlist" in page
    assert f'id="wishlist-form-{tee.pk}"' not in page


def test_listing_hearts_submit_forms_outside_the_filters_form(client, customer, tee):
    other = ProductFactory(name="Linen Shirt")
    VariantFactory(product=other)
    WishlistItemFactory(user=customer, product=tee)
    page = client.get(LISTING).text
    forms = Forms(page)
    assert forms.nested == []  # forms cannot nest: the browser would drop the inner ones
    assert forms.buttons == {
        f"wishlist-toggle-{tee.pk}": f"wishlist-form-{tee.pk}",
        f"wishlist-toggle-{other.pk}": f"wishlist-form-{other.pk}",
    }
    assert set(forms.buttons.values()) <= set(forms.ids)
    # The buttons sit on the cards, inside the filters form; their forms come after it.
    filters = page.split('<form id="filters"')[1].split("</form>")[0]
    assert f'id="wishlist-toggle-{tee.pk}"' in filters
    assert f'id="wishlist-form-{tee.pk}"' not in filters


def test_the_listing_shows_which_products_are_saved(client, customer, tee):
    other = ProductFactory(name="Linen Shirt")
    VariantFactory(product=other)
    WishlistItemFactory(user=customer, product=tee)
    page = client.get(LISTING).text
    button = page.split(f'id="wishlist-toggle-{tee.pk}"')[1].split(">")[0]
    assert 'aria-pressed="true"' in button
    button = page.split(f'id="wishlist-toggle-{other.pk}"')[1].split(">")[0]
    assert 'aria-pressed="false"' in button


def test_the_listing_fragment_keeps_the_hearts_forms(client, customer, tee):
    headers = {"HX-Request": "true", "HX-Target": "listing"}
    fragment = client.get(LISTING, {"sort": "name"}, headers=headers).text
    assert f'id="wishlist-form-{tee.pk}"' in fragment
    assert 'name="next" value="/products/?sort=name"' in fragment


def test_the_product_page_heart_is_in_its_own_form(client, customer, tee):
    page = client.get(tee.get_absolute_url()).text
    forms = Forms(page)
    assert forms.nested == []
    assert forms.buttons[f"wishlist-toggle-{tee.pk}"] == f"wishlist-form-{tee.pk}"
    form = page.split(f'<form id="wishlist-form-{tee.pk}"')[1].split("</form>")[0]
    assert f'action="{reverse("shop:wishlist-toggle", args=[tee.pk])}"' in form
    assert f'id="wishlist-toggle-{tee.pk}"' in form
    assert 'name="wide" value="1"' in form  # the answer keeps the button's words showing


def test_recommended_products_carry_hearts_too(client, customer, tee):
    related = ProductFactory(name="Cotton Vest", category=tee.category)
    VariantFactory(product=related)
    WishlistItemFactory(user=customer, product=related)
    page = client.get(tee.get_absolute_url()).text
    page += client.get(reverse("recommendations:product", args=[tee.slug]),
                       headers={"HX-Request": "true", "HX-Target": "recommendations"}).text
    assert pressed(page, related) == "true"
    assert pressed(page, tee) == "false"


@pytest.mark.parametrize("products", [3, 30])
def test_a_signed_in_listing_adds_only_the_wishlist_query(
    client, django_assert_max_num_queries, products
):
    category = CategoryFactory(slug="things")
    for i in range(products):
        product = ProductFactory(category=category, name=f"Thing {i}")
        ProductImageFactory(product=product)
        VariantFactory(product=product)
    params = {"q": "thing", "sort": "price"}
    with django_assert_max_num_queries(7) as anonymous:
        client.get(LISTING, params)
    anonymous_queries = len(anonymous.captured_queries)  # before the next request clears them
    user = UserFactory()
    for product in category.products.all()[:2]:
        WishlistItemFactory(user=user, product=product)
    client.force_login(user)
    # The listing's own (see test_listing) come from the cache the second time; so do the
    # session and the user (security.users). The customers' page is rendered once and
    # kept for every customer (shop.shared_pages); the customer's saved ids are read once
    # and kept for them until they save or drop one (shop.selectors.wishlist.saved_by).
    listing_queries = 7
    client.get(LISTING, params)
    with django_assert_max_num_queries(0):
        response = client.get(LISTING, params)
    assert anonymous_queries == listing_queries
    assert response.text.count('aria-pressed="true"') == 2

    WishlistItemFactory(user=user, product=category.products.order_by("pk").last())
    with django_assert_max_num_queries(1) as saved_again:
        response = client.get(LISTING, params)

    assert [q for q in saved_again.captured_queries if "shop_wishlistitem" in q["sql"]]
    assert response.text.count('aria-pressed="true"') == 3


# --- the wishlist page ------------------------------------------------------------------------

def test_the_wishlist_needs_a_signed_in_customer(client):
    response = client.get(WISHLIST)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={WISHLIST}"


def test_the_wishlist_lists_the_customers_saved_products_newest_first(client, customer, tee):
    older = ProductFactory(name="Wool Socks")
    VariantFactory(product=older)
    WishlistItemFactory(user=customer, product=older)
    WishlistItemFactory(user=customer, product=tee)
    WishlistItemFactory(product=ProductFactory(name="Someone Else's Hat"))
    hidden = ProductFactory(name="Retired Scarf", is_active=False)
    WishlistItemFactory(user=customer, product=hidden)
    response = client.get(WISHLIST)
    assert [p.name for p in response.context["products"]] == ["Cotton Tee", "Wool Socks"]
    assert "Someone Else" not in response.text and "Retired Scarf" not in response.text


def test_each_saved_product_offers_only_its_variants_in_stock(client, customer, tee):
    WishlistItemFactory(user=customer, product=tee)
    page = client.get(WISHLIST).text
    select = page.split(f'<select id="variant-{tee.pk}" name="variant">')[1].split("</select>")[0]
    medium = tee.variants.get(sku="TEE-M")
    assert f'value="{medium.pk}"' in select
    assert "M / Red · $20.00 (only 3 left)" in select
    assert select.count("<option") == 1  # S is sold out, L all reserved
    assert f'<label for="variant-{tee.pk}">Size and colour' in page


def test_a_product_sold_out_everywhere_says_so_instead_of_offering_to_move(
    client, customer
):
    sold_out = VariantFactory(on_hand=0).product
    WishlistItemFactory(user=customer, product=sold_out)
    page = client.get(WISHLIST).text
    assert "Out of stock in every size and colour." in page
    assert reverse("shop:wishlist-move", args=[sold_out.pk]) not in page


def test_an_empty_wishlist_says_how_to_fill_it(client, customer):
    assert "Nothing saved yet." in client.get(WISHLIST).text


def move(client, product, variant, headers=None):
    return client.post(reverse("shop:wishlist-move", args=[product.pk]),
                       {"variant": variant.pk}, headers=headers or {})


def test_moving_to_the_cart_adds_one_and_takes_it_off_the_wishlist(client, customer, tee):
    WishlistItemFactory(user=customer, product=tee)
    medium = tee.variants.get(sku="TEE-M")
    response = move(client, tee, medium)
    assert response.status_code == 302 and response["Location"] == WISHLIST
    assert [(line.variant, line.quantity) for line in customer.cart.lines.all()] == [(medium, 1)]
    assert not WishlistItem.objects.filter(user=customer).exists()
    assert client.session["cart_count"] == 1
    assert "Moved “Cotton Tee (M / Red)” to your cart." in client.get(WISHLIST).text


def test_moving_by_htmx_answers_with_the_list_and_tells_the_cart(client, customer, tee):
    WishlistItemFactory(user=customer, product=tee)
    headers = {"HX-Request": "true", "HX-Target": "wishlist-items"}
    response = move(client, tee, tee.variants.get(sku="TEE-M"), headers=headers)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="wishlist-items"')
    assert "Moved “Cotton Tee (M / Red)” to your cart." in response.text
    assert json.loads(response["HX-Trigger"]) == {"cart-changed": {"count": 1}}


def test_a_variant_sold_out_since_stays_on_the_wishlist_with_a_message(client, customer, tee):
    WishlistItemFactory(user=customer, product=tee)
    headers = {"HX-Request": "true", "HX-Target": "wishlist-items"}
    response = move(client, tee, tee.variants.get(sku="TEE-S"), headers=headers)
    assert response.status_code == 200
    assert "“Cotton Tee (S / Red)” is sold out. It stays on your wishlist." in response.text
    assert "HX-Trigger" not in response
    assert WishlistItem.objects.filter(user=customer, product=tee).exists()
    assert not Cart.objects.filter(user=customer, lines__isnull=False).exists()


def test_a_variant_of_another_product_is_not_moved(client, customer, tee):
    WishlistItemFactory(user=customer, product=tee)
    stranger = VariantFactory(on_hand=5)
    response = move(client, tee, stranger)
    assert response.status_code == 302
    assert WishlistItem.objects.filter(user=customer, product=tee).exists()
    assert not Cart.objects.filter(user=customer, lines__isnull=False).exists()
    assert "Choose a size and colour of “Cotton Tee” first." in client.get(WISHLIST).text


def test_removing_from_the_wishlist_page(client, customer, tee):
    WishlistItemFactory(user=customer, product=tee)
    headers = {"HX-Request": "true", "HX-Target": "wishlist-items"}
    response = client.post(reverse("shop:wishlist-remove", args=[tee.pk]), headers=headers)
    assert "Removed “Cotton Tee” from your wishlist." in response.text
    assert "Nothing saved yet." in response.text
    assert not WishlistItem.objects.exists()


def test_move_to_cart_leaves_everything_as_it_was_when_out_of_stock(customer, tee):
    WishlistItemFactory(user=customer, product=tee)
    cart, _ = Cart.objects.get_or_create(user=customer)
    with pytest.raises(OutOfStock, match="sold out"):
        wishlist_services.move_to_cart(
            user=customer, cart=cart, variant=tee.variants.get(sku="TEE-S")
        )
    assert WishlistItem.objects.filter(user=customer, product=tee).exists()
    assert not cart.lines.exists()


@pytest.mark.parametrize("count", [1, 15])
def test_the_wishlist_page_query_count_is_fixed(
    client, customer, django_assert_max_num_queries, count
):
    for _ in range(count):
        product = ProductFactory()
        ProductImageFactory(product=product)
        for size in ("S", "M", "L"):
            VariantFactory(product=product, size=size)
        WishlistItemFactory(user=customer, product=product)
    with django_assert_max_num_queries(4):  # session, user, saved products, their variants
        response = client.get(WISHLIST)
    assert len(response.context["products"]) == count


def test_the_account_menu_links_to_the_wishlist_when_signed_in(client, customer):
    assert f'href="{WISHLIST}"' in client.get("/").text


def test_featured_cards_on_home_carry_hearts_for_one_more_query(
    client, customer, django_assert_max_num_queries
):
    category = CategoryFactory()
    for _ in range(6):
        VariantFactory(product=ProductFactory(category=category, is_featured=True))
    saved = ProductFactory(name="Saved Lamp", category=category, is_featured=True)
    VariantFactory(product=saved)
    WishlistItemFactory(user=customer, product=saved)
    # session, user, categories, their counts, featured products, which of them are saved
    # (asked by the view rendering the customers' page, and again filling it for this one)
    with django_assert_max_num_queries(7):
        page = client.get("/").text
    assert pressed(page, saved) == "true"
    assert page.count('class="wishlist-toggle"') == 7
