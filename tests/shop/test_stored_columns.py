"""What the database keeps on each product for the listings (0021): its cheapest and dearest
variant's price on both databases, its search document on PostgreSQL; and the listing that
counts up to a cap and sorts by those prices. Each test fails if the stored values drift
from the rows they come from."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Max, Min
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench import catalogue as bench_catalogue
from shop.models import Product, Variant
from shop.models.catalogue import search_vector
from shop.selectors import facets, search
from shop.selectors import listing as listing_selectors
from shop.selectors.listing import ListingFilters, product_listing
from tests.factories import CategoryFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db
URL = reverse("shop:product-list")


def prices_out_of_step() -> list[tuple]:
    """Products whose stored prices are not their variants' cheapest and dearest."""
    worked_out = Product.objects.annotate(lowest=Min("variants__price"),
                                          highest=Max("variants__price"))
    return [
        (p.slug, p.lowest_price, p.highest_price, p.lowest, p.highest)
        for p in worked_out
        if (p.lowest_price, p.highest_price) != (p.lowest, p.highest)
    ]


def stored(product: Product) -> tuple:
    product.refresh_from_db()
    return product.lowest_price, product.highest_price


@pytest.fixture
def priced():
    """A product at 20 and 30."""
    product = ProductFactory()
    VariantFactory(product=product, size="S", price=Decimal("20.00"))
    VariantFactory(product=product, size="M", price=Decimal("30.00"))
    return product


def test_a_new_product_has_no_prices_until_it_has_variants():
    product = ProductFactory()
    assert stored(product) == (None, None)
    VariantFactory(product=product, price=Decimal("12.50"))
    assert stored(product) == (Decimal("12.50"), Decimal("12.50"))


def test_a_repriced_variant_moves_the_products_prices(priced):
    variant = priced.variants.get(size="S")
    variant.price = Decimal("45.00")
    variant.save()
    assert stored(priced) == (Decimal("30.00"), Decimal("45.00"))


def test_prices_changed_in_bulk_move_every_products_prices(priced):
    other = VariantFactory(price=Decimal("5.00")).product
    Variant.objects.update(price=Decimal("9.00"))
    assert stored(priced) == stored(other) == (Decimal("9.00"), Decimal("9.00"))


def test_variants_made_in_bulk_set_the_prices(priced):
    Variant.objects.bulk_create([
        Variant(product=priced, sku="BULK-1", size="L", price=Decimal("3.00")),
        Variant(product=priced, sku="BULK-2", size="XL", price=Decimal("99.00")),
    ])
    assert stored(priced) == (Decimal("3.00"), Decimal("99.00"))


def test_a_deleted_variant_leaves_the_others_prices(priced):
    priced.variants.get(size="S").delete()
    assert stored(priced) == (Decimal("30.00"), Decimal("30.00"))
    priced.variants.all().delete()
    assert stored(priced) == (None, None)


def test_a_variant_moved_to_another_product_moves_both_products_prices(priced):
    other = ProductFactory()
    Variant.objects.filter(product=priced, size="M").update(product=other)
    assert stored(priced) == (Decimal("20.00"), Decimal("20.00"))
    assert stored(other) == (Decimal("30.00"), Decimal("30.00"))


def test_a_change_of_stock_leaves_the_prices(priced):
    Variant.objects.filter(product=priced).update(on_hand=0, reserved=0)
    assert stored(priced) == (Decimal("20.00"), Decimal("30.00"))
    assert prices_out_of_step() == []


def test_a_product_saved_with_prices_read_before_a_change_keeps_the_new_ones(priced):
    read_before = Product.objects.get(pk=priced.pk)
    Variant.objects.filter(product=priced, size="S").update(price=Decimal("5.00"))
    read_before.name = "Renamed"
    read_before.save()
    assert stored(priced) == (Decimal("5.00"), Decimal("30.00"))
    assert prices_out_of_step() == []


def test_prices_written_by_hand_are_put_right(priced):
    Product.objects.filter(pk=priced.pk).update(lowest_price=1, highest_price=None)
    assert stored(priced) == (Decimal("20.00"), Decimal("30.00"))


def test_a_deleted_product_takes_its_variants_with_it(priced):
    priced.delete()
    assert not Variant.objects.exists()
    assert prices_out_of_step() == []


def test_the_demo_catalogue_is_loaded_with_its_prices_in_step():
    call_command("load_demo", stdout=StringIO())
    assert Product.objects.filter(lowest_price__isnull=False).exists()
    assert prices_out_of_step() == []


def test_the_benchmarks_copied_catalogue_has_its_prices_in_step(postgres, monkeypatch):
    monkeypatch.setattr(bench_catalogue, "PRODUCTS_PER_AISLE", 5)
    bench_catalogue.seed_catalogue(160)
    assert prices_out_of_step() == []
    assert documents_out_of_step() == []


# --- the search document (PostgreSQL) ---------------------------------------------------------


def documents_out_of_step() -> list[str]:
    """Products whose stored search document is not the one their name and description make."""
    return [
        slug for slug, kept, made in Product.objects.annotate(made=search_vector())
        .values_list("slug", "search_document", "made")
        if kept != made
    ]


def test_the_search_document_follows_the_name_and_description(postgres):
    product = ProductFactory(name="Waxed Jacket", description="Shrugs off rain.")
    assert documents_out_of_step() == []
    Product.objects.filter(pk=product.pk).update(name="Tweed Cap")
    product.refresh_from_db()
    product.description = "Keeps the sun off."
    product.save()
    assert documents_out_of_step() == []
    found = search.matching(Product.objects.all(), "tweed")
    assert list(found) == [product]
    assert not search.matching(Product.objects.all(), "jacket").exists()


# --- the listing past its cap -------------------------------------------------------------------


@pytest.fixture
def counted(monkeypatch):
    """A listing that counts up to 5, and its facets among 4."""
    monkeypatch.setattr(listing_selectors, "COUNTED", 5)
    monkeypatch.setattr(facets, "FACETED", 4)


@pytest.fixture
def many(settings):
    """Nine shirts in M at prices out of step with their ids; odd ones also in L, dearer."""
    settings.PRODUCTS_PER_PAGE = 2
    shirts = CategoryFactory(slug="shirts")
    products = []
    for i, price in enumerate([50, 20, 70, 10, 90, 30, 80, 40, 60]):
        product = ProductFactory(name=f"Shirt {i}", category=shirts)
        VariantFactory(product=product, size="M", color="Red", price=Decimal(price))
        if i % 2:
            VariantFactory(product=product, size="L", color="Blue", price=Decimal(price + 100))
        products.append(product)
    return products


def by_price(products, *, size: str = "", descending: bool = False) -> list[str]:
    """Names in the listing's order by price, worked out here from the variants."""
    def price(product):
        return min(v.price for v in product.variants.all() if not size or v.size == size)
    ordered = sorted(products, key=lambda p: (price(p), p.name))
    if descending:
        ordered = sorted(ordered, key=price, reverse=True)
    return [p.name for p in ordered]


def pages(filters: ListingFilters, count: int) -> list[str]:
    return [p.name for n in range(1, count + 1)
            for p in product_listing(filters, page_number=n).page.object_list]


@pytest.mark.parametrize("sort", ["price", "-price"])
@pytest.mark.parametrize("size", ["", "L"])
def test_past_the_cap_pages_by_price_are_in_the_listings_order(counted, many, sort, size):
    products = [p for p in many if not size or p.variants.filter(size=size).exists()]
    filters = ListingFilters(sort=sort, size=(size,) if size else ())
    expected = by_price(products, size=size, descending=sort == "-price")
    assert pages(filters, 2) == expected[:4]


def test_a_price_change_moves_the_product_past_the_cap(counted, many):
    Variant.objects.filter(product=many[4]).update(price=Decimal("1.00"))
    assert pages(ListingFilters(sort="price"), 1) == ["Shirt 4", "Shirt 3"]
    assert pages(ListingFilters(sort="-price"), 1) == ["Shirt 6", "Shirt 2"]


def test_a_hidden_product_leaves_the_listing_past_the_cap(counted, many):
    Product.objects.filter(pk=many[3].pk).update(is_active=False)
    Product.objects.filter(pk=many[1].pk).update(seller_listed=False)
    assert pages(ListingFilters(sort="price"), 1) == ["Shirt 5", "Shirt 7"]


def test_a_new_cheapest_product_leads_the_listing_past_the_cap(counted, many):
    newest = ProductFactory(name="Shirt new", category=many[0].category)
    VariantFactory(product=newest, price=Decimal("2.00"))
    assert pages(ListingFilters(sort="price"), 1) == ["Shirt new", "Shirt 3"]


def test_a_deleted_product_leaves_the_listing_past_the_cap(counted, many):
    many[3].delete()
    assert pages(ListingFilters(sort="price"), 1) == ["Shirt 1", "Shirt 5"]


@pytest.mark.parametrize("narrowed", [{"category": "shirts"}, {"q": "shirt"}])
def test_past_the_cap_a_page_by_price_lists_only_the_matches(counted, many, narrowed):
    hat = ProductFactory(name="Hat", category=CategoryFactory(slug="hats"))
    VariantFactory(product=hat, size="M", price=Decimal("1.00"))
    filters = ListingFilters(sort="price", size=("M",), **narrowed)
    assert pages(filters, 2) == by_price(many, size="M")[:4]


def test_past_the_cap_a_page_by_price_reads_each_products_own_variants(postgres, counted, many):
    """The page's few products are checked one by one through the variants' product index:
    however PostgreSQL misjudges how few they are, it cannot hash every matching variant."""
    with CaptureQueriesContext(connection) as queries:
        product_listing(ListingFilters(category="shirts", sort="price", size=("M",)))
    page_query = next(q["sql"] for q in queries if '"lowest_price" <=' in q["sql"])
    with connection.cursor() as cursor:
        cursor.execute("SET enable_nestloop = off")  # as for a page misjudged to be large
        cursor.execute("SET enable_mergejoin = off")
        cursor.execute(f"EXPLAIN {page_query}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Semi Join" not in plan


def test_sold_out_variants_do_not_price_an_in_stock_listing(counted, many):
    Variant.objects.filter(size="M", product__in=many[1::2]).update(on_hand=0)
    filters = ListingFilters(sort="price", in_stock=True)
    # Odd shirts are left with L only (100 dearer), so the even ones come first.
    assert pages(filters, 2) == ["Shirt 0", "Shirt 8", "Shirt 2", "Shirt 6"]


def test_past_the_cap_the_page_says_over_and_the_facets_show_no_counts(client, counted, many):
    response = client.get(URL, {"category": "shirts"})
    listing = response.context["listing"]
    assert (listing.total, listing.total_capped) == (5, True)
    assert "Over 5 products" in response.text
    assert not listing.category_counts_exact
    assert [(f.value, f.exact) for f in listing.sizes] == [("M", False), ("L", False)]
    size_facet = response.text.split('id="size-1"')[1].split("</label>")[0]
    assert 'class="count"' not in size_facet


def test_a_facet_drawn_from_the_first_matches_still_filters(client, counted, many):
    listing = client.get(URL, {"category": "shirts"}).context["listing"]
    for facet in listing.sizes + listing.colors:
        option = "size" if facet in listing.sizes else "color"
        filtered = client.get(URL, {"category": "shirts", option: facet.value})
        assert filtered.context["listing"].total > 0


def test_under_the_cap_the_counts_are_exact(client, many):
    listing = client.get(URL, {"category": "shirts", "size": "L"}).context["listing"]
    assert (listing.total, listing.total_capped) == (4, False)
    assert {f.value: (f.count, f.exact) for f in listing.sizes} == {
        "M": (9, True), "L": (4, True)
    }
    assert listing.category_counts_exact
    assert "4 products" in client.get(URL, {"category": "shirts", "size": "L"}).text


def test_a_facet_whose_own_choice_lists_more_than_the_cap_is_not_exact(client, monkeypatch, many):
    monkeypatch.setattr(facets, "FACETED", 6)
    listing = client.get(URL, {"category": "shirts", "size": "L"}).context["listing"]
    assert (listing.total, listing.total_capped) == (4, False)
    # The sizes count under every filter but the size: nine shirts, more than six.
    assert all(not facet.exact for facet in listing.sizes)
    assert all(facet.exact for facet in listing.colors)


def test_the_triggers_are_installed():
    if connection.vendor == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    else:
        query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
    with connection.cursor() as cursor:
        cursor.execute(query)
        names = {row[0] for row in cursor.fetchall()}
    assert {"shop_variant_prices_insert", "shop_variant_prices_update",
            "shop_variant_prices_delete", "shop_product_prices_kept"} <= names
    if connection.vendor == "postgresql":
        assert "shop_product_search_document" in names
