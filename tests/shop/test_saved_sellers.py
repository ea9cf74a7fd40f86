"""Saving a shop: "Save this shop" on a product's page (once there is more than the store)
and on the shop's own page, and the saved shops on the wishlist."""

import pytest
from django.urls import reverse

from shop.models import SavedSeller, Seller
from shop.services import wishlist as wishlist_services
from tests.factories import (
    ProductFactory,
    ProductImageFactory,
    UserFactory,
    VariantFactory,
    WishlistItemFactory,
)

pytestmark = pytest.mark.django_db
WISHLIST = reverse("shop:wishlist")
HTMX = {"HX-Request": "true"}


@pytest.fixture
def customer(client):
    user = UserFactory()
    client.force_login(user)
    return user


@pytest.fixture
def pottery() -> Seller:
    return Seller.objects.create(name="Hilltop Pottery", slug="hilltop-pottery",
                                 contact_email="pots@example.com", status=Seller.Status.APPROVED)


@pytest.fixture
def mug(pottery):
    product = ProductFactory(name="Glazed Mug", slug="glazed-mug", seller=pottery)
    VariantFactory(product=product)
    return product


def save(client, seller, saved="1", headers=None, next_url=""):
    return client.post(reverse("shop:seller-save", args=[seller.pk]),
                       {"saved": saved, "next": next_url}, headers=headers or {})


def test_a_guest_is_asked_to_sign_in_to_save_a_shop(client, pottery):
    page = client.get(pottery.get_absolute_url()).text
    assert (f'href="{reverse("account_login")}?next=/shops/hilltop-pottery/">Save this shop'
            in page)
    response = save(client, pottery)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert save(client, pottery, headers=HTMX)["HX-Redirect"].startswith(
        reverse("account_login")
    )
    assert not SavedSeller.objects.exists()


def test_saving_and_forgetting_a_shop_goes_back_where_it_was_pressed(client, customer, mug):
    pottery = mug.seller
    response = save(client, pottery, next_url=mug.get_absolute_url())
    assert response.status_code == 302 and response["Location"] == mug.get_absolute_url()
    assert SavedSeller.objects.filter(user=customer, seller=pottery).exists()
    save(client, pottery)  # pressed twice before the page caught up: still saved
    assert SavedSeller.objects.filter(user=customer).count() == 1
    save(client, pottery, saved="0")
    assert not SavedSeller.objects.filter(user=customer).exists()


def test_the_toggle_answers_htmx_with_the_button_pressed(client, customer, pottery):
    response = save(client, pottery, headers=HTMX)
    text = response.text.strip()
    assert text.startswith(f'<button type="submit" id="seller-save-{pottery.pk}"')
    assert 'aria-pressed="true"' in text and 'value="0"' in text
    assert "Saved the shop “Hilltop Pottery” to your wishlist." in text
    assert "HX-Request" in response["Vary"]


def test_the_shop_page_shows_the_shop_saved(client, customer, pottery):
    wishlist_services.set_shop_saved(user=customer, seller=pottery, saved=True)
    page = client.get(pottery.get_absolute_url()).text
    assert f'id="seller-save-{pottery.pk}"' in page
    assert 'value="0" aria-pressed="true"' in page


def test_a_shop_that_is_not_open_cannot_be_saved(client, customer, pottery):
    Seller.objects.filter(pk=pottery.pk).update(status=Seller.Status.SUSPENDED)
    assert save(client, pottery).status_code == 404
    assert not SavedSeller.objects.exists()


def test_the_product_page_offers_to_save_its_shop_once_there_are_two(client, customer, mug):
    page = client.get(mug.get_absolute_url()).text
    assert f'action="{reverse("shop:seller-save", args=[mug.seller.pk])}"' in page
    Seller.objects.filter(pk=mug.seller.pk).update(status=Seller.Status.SUSPENDED)
    store_product = ProductFactory(name="Plain Plate")
    VariantFactory(product=store_product)
    assert "Save this shop" not in client.get(store_product.get_absolute_url()).text


def test_the_wishlist_lists_saved_shops(client, customer, pottery):
    closed = Seller.objects.create(name="Closed Shop", slug="closed", contact_email="c@example.com",
                                   status=Seller.Status.SUSPENDED)
    for seller in (pottery, closed):
        SavedSeller.objects.create(user=customer, seller=seller)
    WishlistItemFactory(user=customer, product=VariantFactory().product)
    page = client.get(WISHLIST).text
    assert '<h2 id="saved-shops-heading">Saved shops</h2>' in page
    assert f'<a href="{pottery.get_absolute_url()}">Hilltop Pottery</a>' in page
    assert "Closed Shop" not in page


def test_a_wishlist_of_shops_only_says_no_products_are_saved(client, customer, pottery):
    SavedSeller.objects.create(user=customer, seller=pottery)
    page = client.get(WISHLIST).text
    assert "No products saved yet." in page and "Hilltop Pottery" in page


def test_no_saved_shops_no_section(client, customer):
    WishlistItemFactory(user=customer, product=VariantFactory().product)
    assert "Saved shops" not in client.get(WISHLIST).text


def test_removing_a_shop_from_the_wishlist_page(client, customer, pottery):
    SavedSeller.objects.create(user=customer, seller=pottery)
    url = reverse("shop:saved-shop-remove", args=[pottery.pk])
    response = client.post(url, headers={**HTMX, "HX-Target": "saved-shops"})
    assert response.text.lstrip().startswith('<section id="saved-shops"')
    assert "Removed the shop “Hilltop Pottery” from your wishlist." in response.text
    assert not SavedSeller.objects.exists()
    SavedSeller.objects.create(user=customer, seller=pottery)
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == WISHLIST


@pytest.mark.parametrize("count", [1, 15])
def test_saved_shops_add_one_query_to_the_wishlist_page(
    client, customer, django_assert_max_num_queries, count
):
    for i in range(count):
        product = ProductFactory()
        ProductImageFactory(product=product)
        VariantFactory(product=product)
        WishlistItemFactory(user=customer, product=product)
        seller = Seller.objects.create(name=f"Shop {i}", slug=f"shop-{i}",
                                       contact_email=f"s{i}@example.com", status="approved")
        SavedSeller.objects.create(user=customer, seller=seller)
    # test_wishlist's four (session, user, saved products, their variants), and the shops.
    with django_assert_max_num_queries(5):
        response = client.get(WISHLIST)
    assert len(response.context["shops"]) == count
