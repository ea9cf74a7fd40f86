from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from shop.models import Product
from tests.factories import CategoryFactory, ProductFactory, ProductImageFactory, VariantFactory

pytestmark = pytest.mark.django_db
URL = reverse("shop:product-list")


def names(response) -> list[str]:
    return [p.name for p in response.context["listing"].page.object_list]


@pytest.fixture
def clothing():
    """Two categories under one parent; shirts in sizes and colours, at three prices."""
    parent = CategoryFactory(name="Clothing", slug="clothing")
    shirts = CategoryFactory(name="Shirts", slug="shirts", parent=parent)
    coats = CategoryFactory(name="Coats", slug="coats", parent=parent)
    other = CategoryFactory(name="Home", slug="home")
    for i, price in enumerate(["15.00", "25.00", "35.00"] * 10):
        product = ProductFactory(name=f"Shirt {i:02d}", category=shirts)
        VariantFactory(product=product, size="M", color="Red", price=Decimal(price))
        VariantFactory(product=product, size="L", color="Blue", price=Decimal(price) + 5,
                       on_hand=0 if i % 2 else 4)
    ProductFactory(name="Wool Coat", category=coats)
    VariantFactory(product=ProductFactory(name="Rain Coat", category=coats), size="L", price=90)
    VariantFactory(product=ProductFactory(name="Mug", category=other), size="", color="Red")
    return {"parent": parent, "shirts": shirts, "coats": coats}


def test_combined_filters_sort_and_page(client, clothing, settings):
    # Shirts in L and Blue, priced 20..35, in stock (L is sold out on odd-numbered shirts),
    # by price descending then name, second page of four.
    settings.PRODUCTS_PER_PAGE = 4
    response = client.get(URL, {
        "category": "clothing", "size": "L", "color": "Blue", "min_price": "20",
        "max_price": "35", "in_stock": "1", "sort": "-price", "page": "2",
    })
    assert response.status_code == 200
    listing = response.context["listing"]
    # Even shirts with L at 30: 04 10 16 22 28; at 20: 00 06 12 18 24. Page 2 is items 5-8.
    assert listing.total == 10
    assert names(response) == ["Shirt 28", "Shirt 00", "Shirt 06", "Shirt 12"]
    assert [p.price for p in listing.page.object_list] == [30, 20, 20, 20]
    assert all(p.in_stock for p in listing.page.object_list)


def test_a_price_on_one_side_lists_the_products_with_a_variant_on_that_side(client, clothing):
    # The shirts at 35 have an L at 40: dearer than 38, though their cheapest is not.
    dear = client.get(URL, {"category": "clothing", "min_price": "38", "sort": "name"})
    assert names(dear) == ["Rain Coat"] + [f"Shirt {i:02d}" for i in range(2, 30, 3)]
    assert {p.price for p in dear.context["listing"].page.object_list} == {40, 90}
    # The shirts at 15 have an M at 15: cheaper than 17, though their dearest is not.
    cheap = client.get(URL, {"category": "clothing", "max_price": "17", "sort": "name"})
    assert names(cheap) == [f"Shirt {i:02d}" for i in range(0, 30, 3)]
    # The wool coat has no variants, so no price: listed under no bound, nor without one.
    assert "Wool Coat" not in names(client.get(URL, {"category": "coats"}))


def test_a_price_on_one_side_finds_the_matches_without_reading_a_variant(client, clothing):
    with CaptureQueriesContext(connection) as queries:
        client.get(URL, {"category": "clothing", "min_price": "38.01"})
    found = [q["sql"] for q in queries
             if q["sql"].startswith('SELECT "shop_product"."id" AS "pk" FROM "shop_product"')]
    assert found
    assert not [sql for sql in found if "shop_variant" in sql]


def test_pages_hold_24_and_the_last_page_the_rest(client, clothing):
    first = client.get(URL, {"category": "shirts", "sort": "name"})
    second = client.get(URL, {"category": "shirts", "sort": "name", "page": "2"})
    assert names(first) == [f"Shirt {i:02d}" for i in range(24)]
    assert names(second) == [f"Shirt {i:02d}" for i in range(24, 30)]
    assert 'rel="next"' in first.text and 'rel="prev"' in second.text


def test_a_category_includes_its_descendants(client, clothing):
    response = client.get(URL, {"category": "clothing", "sort": "name"})
    assert response.context["listing"].total == 31  # 30 shirts and the coat with a variant
    assert "Rain Coat" in names(response)
    assert "Mug" not in names(response)


def test_products_without_variants_are_not_listed(client, clothing):
    response = client.get(URL, {"q": "wool"})
    assert names(response) == []


def test_facet_counts_ignore_their_own_filter(client, clothing):
    response = client.get(URL, {"category": "shirts", "size": "L"})
    listing = response.context["listing"]
    sizes = {f.value: (f.count, f.selected) for f in listing.sizes}
    assert sizes == {"M": (30, False), "L": (30, True)}
    colors = {f.value: f.count for f in listing.colors}
    assert colors == {"Blue": 30}  # only L variants count for colours once L is chosen
    tree = {node.category.slug: node.count for node in listing.categories}
    assert tree == {"clothing": 31, "home": 0}
    children = {c.category.slug: c.count for c in listing.categories[0].children}
    assert children == {"shirts": 30, "coats": 1}


@pytest.fixture
def sortable():
    """Four products whose every order differs: by price, name, age and rating."""
    category = CategoryFactory(slug="sortable")
    rows = [  # name, price, days old, rating
        ("Birch", "30.00", 3, "4.50"),
        ("Alder", "10.00", 1, None),
        ("Cedar", "20.00", 4, "4.90"),
        ("Dogwood", "40.00", 2, "3.10"),
    ]
    for name, price, days_old, rating in rows:
        product = ProductFactory(name=name, category=category, rating_average=rating)
        Product.objects.filter(pk=product.pk).update(
            created_at=timezone.now() - timedelta(days=days_old)
        )
        VariantFactory(product=product, price=Decimal(price))


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("price", ["Alder", "Cedar", "Birch", "Dogwood"]),
        ("-price", ["Dogwood", "Birch", "Cedar", "Alder"]),
        ("name", ["Alder", "Birch", "Cedar", "Dogwood"]),
        ("newest", ["Alder", "Dogwood", "Birch", "Cedar"]),
        ("", ["Alder", "Dogwood", "Birch", "Cedar"]),  # newest is the default without a search
        ("rating", ["Cedar", "Birch", "Dogwood", "Alder"]),  # unrated last
        ("bogus", ["Alder", "Dogwood", "Birch", "Cedar"]),
    ],
)
def test_sorts(client, sortable, sort, expected):
    assert names(client.get(URL, {"category": "sortable", "sort": sort})) == expected


def test_search_without_matches_says_so(client, clothing):
    response = client.get(URL, {"q": "zeppelin"})
    assert response.context["listing"].total == 0
    assert "No products matched “zeppelin”." in response.text


def test_bad_price_input_is_explained_and_ignored(client, clothing):
    response = client.get(URL, {"min_price": "cheap", "max_price": "10"})
    assert response.status_code == 200
    assert "Enter a number." in response.text
    assert response.context["filters"].min_price is None
    assert response.context["filters"].max_price == 10


def test_min_above_max_is_refused_whole_and_explained_beside_the_prices(client, clothing):
    everything = client.get(URL).context["listing"].total
    response = client.get(URL, {"min_price": "50", "max_price": "10"})
    filters = response.context["filters"]
    assert (filters.min_price, filters.max_price) == (None, None)
    assert response.context["listing"].total == everything  # not silently "from 50"
    price_filter = response.text.split('id="price-filter"')[1].split("</fieldset>")[0]
    assert "The min price is above the max price, so prices are not filtered." in price_filter
    assert 'aria-describedby="max-price-error"' in price_filter
    # Both values stay in their fields, for the shopper to correct.
    assert 'value="50"' in price_filter and 'value="10"' in price_filter
    assert "Prices not applied" in response.text


def test_a_bad_max_price_alone_leaves_the_min_applied_and_unmarked(client, clothing):
    response = client.get(URL, {"min_price": "50", "max_price": "abc"})
    assert response.context["filters"].min_price == 50
    price_filter = response.text.split('id="price-filter"')[1].split("</fieldset>")[0]
    min_box = price_filter.split('id="filter-min-price"')[1].split(">")[0]
    assert "aria-invalid" not in min_box
    assert "Prices not applied" not in response.text


@pytest.mark.parametrize("category", ["no-such-thing", "../etc", "Clothing!"])
def test_unknown_category_is_not_found(client, clothing, category):
    assert client.get(URL, {"category": category}).status_code == 404


@pytest.mark.parametrize(
    "params",
    [
        {"size": ["M"] * 50}, {"page": "abc"}, {"page": "99999"}, {"min_price": "-1"},
        {"size": "x" * 500},
    ],
)
def test_odd_input_never_fails(client, clothing, params):
    response = client.get(URL, params)
    assert response.status_code == 200


@pytest.mark.parametrize("params", [{"size": "\x00"}, {"color": "Red\x00"}, {"q": "\x00"}])
def test_input_the_database_cannot_take_is_refused(client, clothing, params):
    assert client.get(URL, params).status_code == 400


def test_a_page_past_the_end_shows_the_last_page(client, clothing):
    response = client.get(URL, {"category": "shirts", "page": "99999"})
    assert response.context["listing"].page.number == 2


def test_a_chosen_option_stays_on_screen_when_nothing_has_it(client, clothing):
    response = client.get(URL, {"category": "shirts", "size": "XXL"})
    assert response.context["listing"].total == 0
    sizes = {f.value: (f.count, f.selected) for f in response.context["listing"].sizes}
    assert sizes["XXL"] == (0, True)


def test_size_and_colour_must_hold_for_the_same_variant(client, clothing):
    # Shirts come in M/Red and L/Blue: M and Blue are both there, but never together.
    assert names(client.get(URL, {"category": "shirts", "size": "M", "color": "Blue"})) == []
    assert client.get(URL, {"category": "shirts", "size": "M", "color": "Red"}).context[
        "listing"
    ].total == 30


def test_a_long_search_is_cut_to_its_start_not_dropped(client, clothing):
    response = client.get(URL, {"q": "shirt " + "x" * 200})
    assert response.context["filters"].q == ("shirt " + "x" * 200)[:100]


def test_reserved_units_are_not_in_stock(client, clothing):
    product = ProductFactory(name="Last Shirt", category=clothing["shirts"])
    VariantFactory(product=product, size="S", on_hand=2, reserved=2)
    response = client.get(URL, {"category": "shirts", "size": "S"})
    assert [(p.name, p.in_stock) for p in response.context["listing"].page] == [
        ("Last Shirt", False)
    ]
    assert names(client.get(URL, {"category": "shirts", "size": "S", "in_stock": "1"})) == []


def test_inactive_products_are_not_listed(client, clothing):
    VariantFactory(product=ProductFactory(name="Hidden Shirt", category=clothing["shirts"],
                                          is_active=False))
    assert "Hidden Shirt" not in names(client.get(URL, {"category": "shirts", "sort": "name",
                                                        "page": "2"}))


def test_htmx_request_for_the_grid_gets_only_the_fragment(client, clothing):
    headers = {"HX-Request": "true", "HX-Target": "listing"}
    fragment = client.get(URL, {"category": "shirts", "q": ""}, headers=headers)
    assert '<div id="listing"' in fragment.text
    assert "<html" not in fragment.text
    assert fragment["HX-Push-Url"] == "/products/?category=shirts"
    assert "HX-Request" in fragment["Vary"]
    assert "<title>Shirts · " in fragment.text  # htmx sets the document title from it


def test_a_request_targeting_something_else_gets_the_whole_page(client, clothing):
    response = client.get(URL, headers={"HX-Request": "true", "HX-Target": "elsewhere"})
    assert response.text.lstrip().startswith("<!doctype html>")
    assert "HX-Push-Url" not in response


def test_plain_boosted_and_history_requests_get_the_whole_page(client, clothing):
    for headers in [
        {},
        {"HX-Request": "true", "HX-Boosted": "true", "HX-Target": "listing"},
        {"HX-Request": "true", "HX-History-Restore-Request": "true", "HX-Target": "listing"},
    ]:
        response = client.get(URL, headers=headers)
        assert response.text.lstrip().startswith("<!doctype html>"), headers
        assert 'id="listing"' in response.text
        assert "HX-Request" in response["Vary"]


def _catalogue(products: int, variants_each: int):
    category = CategoryFactory(slug="all-things")
    for i in range(products):
        product = ProductFactory(category=category, name=f"Thing {i}")
        ProductImageFactory(product=product)
        for v in range(variants_each):
            VariantFactory(product=product, size=f"S{v}", color="Red" if v % 2 else "Blue")


# the offers in force, categories, [words match anything?], count, page, category facets,
# size and colour facets
LISTING_QUERY_BOUND = 7


@pytest.mark.parametrize(
    ("products", "variants_each", "per_page"), [(3, 1, 24), (60, 6, 24), (60, 6, 48), (9, 2, 2)]
)
def test_listing_queries_do_not_grow(
    client, settings, django_assert_max_num_queries, products, variants_each, per_page
):
    settings.PRODUCTS_PER_PAGE = per_page
    _catalogue(products, variants_each)
    params = {"q": "thing", "size": "S0", "color": "Blue", "in_stock": "1", "sort": "price"}
    with django_assert_max_num_queries(LISTING_QUERY_BOUND) as captured:
        response = client.get(URL, params)
    # Asks whether any product has the words, before guessing at spellings.
    assert len(captured.captured_queries) == 7
    assert response.context["listing"].total == products
    assert len(response.context["listing"].page) == min(products, per_page)
    with django_assert_max_num_queries(LISTING_QUERY_BOUND):
        client.get(URL, {"page": "2"}, headers={"HX-Request": "true", "HX-Target": "listing"})
