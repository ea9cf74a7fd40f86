"""What shoppers see of sellers: who sells a product (once there is more than the store),
the shop facet and the shops a search finds, and each shop's own page."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from shop.caching import bump_catalogue_version
from shop.models import Product, Seller, SellerBranch
from shop.selectors import sellers
from tests.factories import (
    CategoryFactory,
    ProductFactory,
    ProductImageFactory,
    UserFactory,
    VariantFactory,
)

pytestmark = pytest.mark.django_db
LISTING = reverse("shop:product-list")


def make_shop(name: str, slug: str, status=Seller.Status.APPROVED, **values) -> Seller:
    return Seller.objects.create(
        name=name, slug=slug, contact_email=f"{slug}@example.com", status=status, **values
    )


def shop_url(slug: str) -> str:
    return reverse("shop:seller-detail", args=[slug])


def names(response) -> list[str]:
    return sorted(p.name for p in response.context["listing"].page.object_list)


@pytest.fixture
def store() -> Seller:
    return Seller.objects.get(is_store=True)


@pytest.fixture
def mugs():
    """The store's mugs and a tee, all in Kitchen; the tee is featured."""
    kitchen = CategoryFactory(name="Kitchen", slug="kitchen")
    for name, size, price in [("Blue Mug", "S", "12.00"), ("Tall Mug", "L", "15.00")]:
        VariantFactory(product=ProductFactory(name=name, category=kitchen), size=size,
                       price=Decimal(price))
    tee = ProductFactory(name="Cotton Tee", slug="cotton-tee", category=kitchen,
                         is_featured=True)
    VariantFactory(product=tee, size="M")
    return kitchen


@pytest.fixture
def pottery(mugs) -> Seller:
    """A second approved shop, Hilltop Pottery, selling three mugs in Kitchen."""
    shop = make_shop(
        "Hilltop Pottery", "hilltop-pottery",
        description="Thrown by hand in the hills.",
        return_policy="Return within 30 days, unused.",
        links="https://hilltop.example/\njavascript:alert(1)\nhttps://social.example/hilltop",
    )
    SellerBranch.objects.create(seller=shop, name="Workshop", address="1 Kiln Lane\nHilltown",
                                latitude=Decimal("51.50735"), longitude=Decimal("-0.12776"))
    for name, size, price in [("Stoneware Mug", "S", "18.00"), ("Glazed Mug", "L", "25.00"),
                              ("Speckled Mug", "L", "30.00")]:
        product = ProductFactory(name=name, category=mugs, seller=shop, is_featured=True)
        VariantFactory(product=product, size=size, price=Decimal(price))
    return shop


# --- who sells it ------------------------------------------------------------------------------


def test_with_only_the_store_nothing_says_who_sells(client, mugs):
    Seller.objects.create(name="Waiting Shop", slug="waiting", contact_email="w@example.com")
    tee = Product.objects.get(name="Cotton Tee")
    for url in [LISTING, tee.get_absolute_url(), "/"]:
        page = client.get(url).text
        assert "Sold by" not in page
        assert "Save this shop" not in page
    assert 'name="shop"' not in client.get(LISTING).text


def test_cards_say_who_sells_once_another_shop_is_approved(client, pottery, store):
    page = client.get(LISTING).text
    assert (f'Sold by <a href="{shop_url("hilltop-pottery")}">Hilltop Pottery</a>') in page
    assert f'Sold by <a href="{shop_url(store.slug)}">{store.name}</a>' in page
    home = client.get("/").text
    assert f'Sold by <a href="{shop_url("hilltop-pottery")}">Hilltop Pottery</a>' in home


def test_the_product_page_says_who_sells_it_and_its_related_cards_too(client, pottery, store):
    mug = Product.objects.get(name="Glazed Mug")
    page = client.get(mug.get_absolute_url()).text
    assert (f'<p class="sold-by">Sold by <a href="{shop_url("hilltop-pottery")}">'
            "Hilltop Pottery</a></p>") in page
    rows = client.get(reverse("recommendations:product", args=[mug.slug]),
                      headers={"HX-Request": "true", "HX-Target": "recommendations"}).text
    assert f'Sold by <a href="{shop_url(store.slug)}">{store.name}</a>' in rows  # another mug


# --- the shop facet ----------------------------------------------------------------------------


def test_the_shop_facet_counts_each_shops_products_under_the_other_filters(client, pottery):
    listing = client.get(LISTING, {"size": "L"}).context["listing"]
    counts = {facet.label: facet.count for facet in listing.shops}
    assert counts == {"Hilltop Pottery": 2, Seller.objects.get(is_store=True).name: 1}
    assert listing.many_shops
    page = client.get(LISTING, {"size": "L"}).text
    assert "<legend>Shop</legend>" in page
    assert 'Hilltop Pottery <span class="count">2</span>' in page


def test_the_shop_facet_leaves_out_shops_that_are_not_approved(client, pottery):
    waiting = make_shop("Waiting Shop", "waiting", status=Seller.Status.PENDING)
    VariantFactory(product=ProductFactory(seller=waiting, name="Waiting Mug"))
    listing = client.get(LISTING).context["listing"]
    assert "waiting" not in {facet.value for facet in listing.shops}


def test_choosing_a_shop_lists_only_its_products(client, pottery):
    response = client.get(LISTING, {"shop": "hilltop-pottery", "sort": "price"})
    assert names(response) == ["Glazed Mug", "Speckled Mug", "Stoneware Mug"]
    assert response.context["filters"].shop == "hilltop-pottery"
    assert 'value="hilltop-pottery" checked' in response.text
    # Other facets count within the shop.
    sizes = {facet.value: facet.count for facet in response.context["listing"].sizes}
    assert sizes == {"S": 1, "L": 2}


@pytest.mark.parametrize("slug", ["no-such-shop", "waiting", "x" * 500, "<b>shop</b>"])
def test_a_shop_that_is_not_open_is_ignored_with_a_note(client, pottery, slug):
    make_shop("Waiting Shop", "waiting", status=Seller.Status.PENDING)
    response = client.get(LISTING, {"shop": slug})
    assert response.status_code == 200
    assert len(response.context["listing"].page) == 6
    assert response.context["filters"].shop == ""
    assert "so products from every shop are shown" in response.text
    assert "<b>shop</b>" not in response.text


# --- search finds shops ------------------------------------------------------------------------


def test_a_search_finds_shops_by_name_above_the_products(client, pottery):
    make_shop("Pottery Barnyard", "pottery-barnyard", status=Seller.Status.SUSPENDED)
    response = client.get(LISTING, {"q": "pottery"})
    assert [s.name for s in response.context["listing"].matching_shops] == ["Hilltop Pottery"]
    page = response.text
    assert "Shops matching “pottery”" in page
    assert f'<a href="{shop_url("hilltop-pottery")}">Hilltop Pottery</a>' in page
    assert page.index("Shops matching") < page.index('id="product-grid"')


def test_a_search_names_five_shops_at_most(client, pottery):
    for i in range(6):
        make_shop(f"Mug Maker {i}", f"mug-maker-{i}")
    response = client.get(LISTING, {"q": "mug maker"})
    assert len(response.context["listing"].matching_shops) == 5


def test_a_search_names_no_shop_while_the_store_is_the_only_one(client, mugs, store):
    response = client.get(LISTING, {"q": store.name})
    assert response.context["listing"].matching_shops == []
    assert "Shops matching" not in response.text


# --- the shop's page ---------------------------------------------------------------------------


def test_the_shop_page_shows_who_the_shop_is(client, pottery):
    Seller.objects.filter(pk=pottery.pk).update(rating_average=Decimal("4.50"), rating_count=2)
    page = client.get(shop_url("hilltop-pottery")).text
    assert "<h1>Hilltop Pottery</h1>" in page
    assert "Thrown by hand in the hills." in page
    assert "Return within 30 days, unused." in page
    assert '<a href="https://hilltop.example/" rel="nofollow noopener noreferrer">' in page
    assert "javascript:" not in page
    assert "1 Kiln Lane<br>Hilltown" in page
    assert "Coordinates: 51.50735, -0.12776." in page
    assert ('href="https://www.openstreetmap.org/?mlat=51.50735&amp;mlon=-0.12776'
            '#map=17/51.50735/-0.12776"') in page
    # A link, no embedded map: the only scripts are the shop's own.
    assert "<iframe" not in page
    scripts = re.findall(r'<script[^>]* src="([^"]+)"', page)
    assert scripts and all(src.startswith("/static/") for src in scripts)
    assert "4.5" in page and "from 2 shop reviews" in page


def test_a_branch_on_the_map_has_plain_coordinates():
    branch = sellers.Branch("Depot", "2 Quay", Decimal("10.00000"), Decimal("-0.50000"))
    assert branch.map_url == "https://www.openstreetmap.org/?mlat=10&mlon=-0.5#map=17/10/-0.5"
    assert sellers.Branch("Shed", "3 Lane", None, None).map_url == ""


def test_the_shop_page_lists_its_products_only(client, pottery):
    response = client.get(shop_url("hilltop-pottery"))
    assert names(response) == ["Glazed Mug", "Speckled Mug", "Stoneware Mug"]
    assert "Sold by" not in response.text  # every product here is the shop's
    assert '<label for="shop-search">Search Hilltop Pottery</label>' in response.text
    assert f'action="{shop_url("hilltop-pottery")}"' in response.text


def test_the_shop_pages_search_filters_and_sort_stay_in_the_shop(client, pottery):
    url = shop_url("hilltop-pottery")
    assert names(client.get(url, {"q": "mug"})) == ["Glazed Mug", "Speckled Mug",
                                                    "Stoneware Mug"]
    response = client.get(url, {"size": "L", "sort": "-price", "shop": "store"})
    assert [p.name for p in response.context["listing"].page] == ["Speckled Mug", "Glazed Mug"]
    assert {f.value: f.count for f in response.context["listing"].sizes} == {"S": 1, "L": 2}
    assert response.context["filters"].active_count == 1  # the size; the shop is the page's


def test_the_shop_page_answers_htmx_with_its_listing(client, pottery):
    response = client.get(shop_url("hilltop-pottery"), {"q": "glazed"},
                          headers={"HX-Request": "true", "HX-Target": "listing"})
    text = response.text
    assert "<title>Results for “glazed” · Hilltop Pottery" in text
    assert 'id="listing"' in text and "<h1>" not in text
    assert names(response) == ["Glazed Mug"]


@pytest.mark.parametrize(
    "status", [Seller.Status.PENDING, Seller.Status.REJECTED, Seller.Status.SUSPENDED]
)
def test_a_shop_that_is_not_approved_has_no_page(client, status):
    make_shop("Closed Shop", "closed-shop", status=status)
    assert client.get(shop_url("closed-shop")).status_code == 404


def test_an_unknown_shop_has_no_page(client):
    assert client.get(shop_url("nobody")).status_code == 404


def test_the_stores_own_page_lists_the_stores_products(client, pottery, store):
    response = client.get(shop_url(store.slug))
    assert response.status_code == 200
    assert names(response) == ["Blue Mug", "Cotton Tee", "Tall Mug"]


def test_a_suspended_shops_products_vanish(client, pottery):
    client.get(LISTING)
    client.get(shop_url("hilltop-pottery"))
    Seller.objects.filter(pk=pottery.pk).update(status=Seller.Status.SUSPENDED)
    Product.objects.filter(seller=pottery).update(seller_listed=False)
    bump_catalogue_version()
    response = client.get(LISTING)
    assert names(response) == ["Blue Mug", "Cotton Tee", "Tall Mug"]
    assert not response.context["listing"].many_shops
    assert "Sold by" not in response.text
    assert client.get(shop_url("hilltop-pottery")).status_code == 404


# --- query counts with two shops ---------------------------------------------------------------


def _catalogue(seller: Seller, products: int) -> None:
    category = CategoryFactory(slug="all-things")
    for i in range(products):
        product = ProductFactory(category=category, name=f"Thing {i}",
                                 seller=seller if i % 2 else Seller.objects.get(is_store=True))
        ProductImageFactory(product=product)
        VariantFactory(product=product, size="S0", color="Blue")


@pytest.mark.parametrize("products", [3, 40])
def test_a_search_with_two_shops_adds_one_query_for_the_shops_it_names(
    client, django_assert_max_num_queries, products
):
    _catalogue(make_shop("Thing Makers", "thing-makers"), products)
    params = {"q": "thing", "size": "S0", "color": "Blue", "in_stock": "1", "sort": "price"}
    # As pinned in test_listing (7), and the approved shops whose names have the words.
    with django_assert_max_num_queries(8) as captured:
        response = client.get(LISTING, params)
    assert len(captured.captured_queries) == 8
    assert [s.name for s in response.context["listing"].matching_shops] == ["Thing Makers"]
    assert response.context["listing"].total == products


def test_a_listing_with_two_shops_needs_no_query_more(client, django_assert_max_num_queries):
    _catalogue(make_shop("Thing Makers", "thing-makers"), 30)
    # the offers in force, categories, count, page, category facets, size, colour and shops
    with django_assert_max_num_queries(6) as captured:
        response = client.get(LISTING, {"shop": "thing-makers", "page": "1"})
    assert len(captured.captured_queries) == 6
    assert response.context["listing"].total == 15
    with django_assert_max_num_queries(0):
        client.get(LISTING, {"shop": "thing-makers", "page": "1"})


def test_the_product_page_with_two_shops_needs_no_query_more(
    client, django_assert_max_num_queries
):
    _catalogue(make_shop("Thing Makers", "thing-makers"), 8)
    thing = Product.objects.get(name="Thing 1")
    # As pinned in test_detail: the offers in force, product (with its seller and the number
    # of shops), variants, images, reviews.
    with django_assert_max_num_queries(5) as captured:
        response = client.get(thing.get_absolute_url())
    assert len(captured.captured_queries) == 5
    assert "Sold by" in response.text


def test_signed_in_the_product_page_adds_one_query_with_two_shops(
    client, django_assert_max_num_queries
):
    makers = make_shop("Thing Makers", "thing-makers", status=Seller.Status.PENDING)
    _catalogue(makers, 8)
    Product.objects.filter(seller=makers).update(seller_listed=False)
    thing = Product.objects.get(name="Thing 2")  # the store's
    client.force_login(UserFactory())
    client.get(thing.get_absolute_url())  # the customers' page, rendered once and kept
    with django_assert_max_num_queries(9) as one_shop:  # as pinned in test_detail
        assert "Save this shop" not in client.get(thing.get_absolute_url()).text
    Seller.objects.filter(pk=makers.pk).update(status=Seller.Status.APPROVED)
    Product.objects.filter(seller=makers).update(seller_listed=True)
    bump_catalogue_version()  # as approving the shop does
    with django_assert_max_num_queries(10) as rendered_again:
        client.get(thing.get_absolute_url())
    with django_assert_max_num_queries(9) as two_shops:
        response = client.get(thing.get_absolute_url())
    # Whether the customer saved the product's shop, filled in the kept page: the shops
    # they saved are read once (with the page rendered again) and kept for them.
    assert [q for q in rendered_again.captured_queries if "shop_savedseller" in q["sql"]]
    assert len(two_shops.captured_queries) == len(one_shop.captured_queries)
    assert 'id="seller-save-1"' in response.text


def test_the_home_page_with_two_shops_needs_no_query_more(client, django_assert_max_num_queries):
    _catalogue(make_shop("Thing Makers", "thing-makers"), 10)
    Product.objects.update(is_featured=True)
    bump_catalogue_version()
    with django_assert_max_num_queries(4):  # as pinned in test_pages
        page = client.get("/").text
    assert "Sold by" in page


def test_the_shop_page_query_count_is_fixed(client, django_assert_max_num_queries):
    _catalogue(make_shop("Thing Makers", "thing-makers"), 40)
    url = shop_url("thing-makers")
    # the offers in force, the shop, its branches, its reviews, categories, count, page,
    # category facets, size and colour facets
    with django_assert_max_num_queries(9) as captured:
        response = client.get(url, {"sort": "price"})
    assert len(captured.captured_queries) == 9
    assert response.context["listing"].total == 20
    with django_assert_max_num_queries(0):
        client.get(url, {"sort": "price"})
