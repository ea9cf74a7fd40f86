from decimal import Decimal

import pytest
from django.core.cache import cache, caches
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from shop import caching
from shop.models import CartLine
from shop.services import inventory, wishlist
from tests.accounts import make_account
from tests.conftest import DEAD_REDIS, cache_calls
from tests.factories import (
    ProductFactory,
    UserFactory,
    VariantFactory,
)
from tests.shop.buying import ADDRESS, pay, place, standard_shipping

pytestmark = pytest.mark.django_db
LISTING = reverse("shop:product-list")


@pytest.fixture
def tee(tee):
    """The tee (tests/shop/conftest.py) and two more shirts beside it."""
    for i in range(2):
        VariantFactory(product=ProductFactory(name=f"Linen Shirt {i}", category=tee.category))
    return tee


class TaggedClient(Client):
    """A visitor with a session whose addresses carry a campaign's tag, which no page reads:
    their pages are rendered for each request, never kept whole (shop.shared_pages), from
    the cached reads this module is about."""

    def get(self, path, data=None, **extra):
        return super().get(path, {**(data or {}), "utm_source": "mail"}, **extra)


@pytest.fixture
def shopper():
    client = TaggedClient()
    client.session  # noqa: B018 - makes the session, and gives the client its cookie
    return client


def queries_for(django_assert_max_num_queries, client, url, params=None, *, bound=10):
    with django_assert_max_num_queries(bound) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_a_repeated_listing_runs_no_queries(client, tee, django_assert_max_num_queries):
    params = {"category": "shirts", "size": "M", "sort": "price"}
    assert queries_for(django_assert_max_num_queries, client, LISTING, params) >= 5
    assert queries_for(django_assert_max_num_queries, client, LISTING, params) == 0


def test_the_cached_listing_pages_like_the_fresh_one(shopper, tee, settings):
    settings.PRODUCTS_PER_PAGE = 2
    fresh = shopper.get(LISTING, {"category": "shirts", "sort": "name", "page": "2"})
    cached = shopper.get(LISTING, {"category": "shirts", "sort": "name", "page": "2"})
    for response in (fresh, cached):
        page = response.context["listing"].page
        assert [p.name for p in page] == ["Linen Shirt 1"]
        assert (page.number, page.paginator.num_pages, page.has_previous()) == (2, 2, True)
        assert response.context["listing"].total == 3


def test_listings_with_other_filters_are_cached_apart(client, tee):
    client.get(LISTING, {"category": "shirts"})
    response = client.get(LISTING, {"category": "shirts", "q": "linen"})
    assert sorted(p.name for p in response.context["listing"].page) == [
        "Linen Shirt 0", "Linen Shirt 1",
    ]


def test_an_unknown_category_is_still_not_found_from_the_cache(client, tee):
    client.get(LISTING)
    assert client.get(LISTING, {"category": "nothing"}).status_code == 404


def test_a_repeated_product_page_reads_only_its_reviews(
    shopper, tee, django_assert_max_num_queries
):
    # The offers in force, the product, its variants and images; its reviews.
    assert queries_for(django_assert_max_num_queries, shopper, tee.get_absolute_url()) == 5
    assert queries_for(django_assert_max_num_queries, shopper, tee.get_absolute_url()) == 1


def test_each_cached_read_is_one_round_trip_to_the_cache(shopper, tee, monkeypatch):
    shopper.get(LISTING)
    shopper.get(tee.get_absolute_url())
    asked = cache_calls(monkeypatch)
    shopper.get(LISTING)  # the session; the categories, the listing and the offers in force
    shopper.get(tee.get_absolute_url())  # the session; the product and the offers
    assert asked == ["get", "get_many", "get_many", "get_many", "get", "get_many", "get_many"]


def test_a_customers_kept_page_is_one_round_trip_after_their_session(client, tee, monkeypatch):
    customer = make_account("grace@example.com")
    wishlist.set_saved(user=customer, product=tee, saved=True)
    client.force_login(customer)
    for url in (LISTING, tee.get_absolute_url()):
        client.get(url), client.get(url)
    asked = cache_calls(monkeypatch)

    listing = client.get(LISTING).text
    product = client.get(tee.get_absolute_url()).text

    # The session with the user and their two-factor; the page with their saved ids (and on
    # the product's page whether they reviewed it), read ahead together.
    assert asked == ["get_many", "get_many"] * 2
    assert 'aria-pressed="true"' in listing and 'aria-pressed="true"' in product


def test_what_is_read_ahead_answers_only_reads_of_those_keys(tee, monkeypatch):
    customer = UserFactory()
    caching.remember_customer(customer.pk, "saved-products", lambda: frozenset({tee.pk}))
    caching.remember("page", ("/",), lambda: "the page")
    page = caching.entry_keys("page", ("/",))
    asked = cache_calls(monkeypatch)
    with caching.read_ahead([*page, *caching.customer_keys(customer.pk, "saved-products")]):
        assert caching.remember("page", ("/",), lambda: "not this") == "the page"
        assert caching.remember_customer(
            customer.pk, "saved-products", lambda: frozenset()) == frozenset({tee.pk})
        assert asked == ["get_many"]
        # Not read ahead: asked of the cache, a miss, worked out.
        assert caching.remember("page", ("/other",), lambda: "another") == "another"
    assert caching.remember("page", ("/",), lambda: "not this") == "the page"
    assert caching.remember("page", ("/other",), lambda: "not this") == "another"


def test_a_repeated_home_page_runs_no_queries(client, tee, django_assert_max_num_queries):
    # The offers in force (the shared page is kept for them), the categories, the featured
    # products and their images.
    assert queries_for(django_assert_max_num_queries, client, "/") == 4
    assert queries_for(django_assert_max_num_queries, client, "/") == 0


def test_a_price_saved_shows_on_the_next_pages(client, tee, django_capture_on_commit_callbacks):
    client.get(LISTING)
    client.get(tee.get_absolute_url())
    variant = tee.variants.get()
    with django_capture_on_commit_callbacks(execute=True):
        variant.price = Decimal("17.50")
        variant.save()
    [card] = [p for p in client.get(LISTING).context["listing"].page if p.pk == tee.pk]
    assert card.price == Decimal("17.50")
    assert client.get(tee.get_absolute_url()).context["choice"].lowest_price == Decimal("17.50")


def test_a_category_renamed_shows_on_the_next_listing(client, tee):
    client.get(LISTING)
    tee.category.name = "Tops"
    tee.category.save()
    tree = client.get(LISTING).context["listing"].categories
    assert [node.category.name for node in tree] == ["Tops"]


def test_reserved_stock_shows_on_the_next_pages(client, tee, django_capture_on_commit_callbacks):
    assert client.get(tee.get_absolute_url()).context["choice"].status == "Only 3 left."
    client.get(LISTING, {"in_stock": "1"})
    with django_capture_on_commit_callbacks(execute=True):
        inventory.reserve_stock(quantities={tee.variants.get().pk: 3})
    page = client.get(tee.get_absolute_url(), {"size": "M"})
    assert page.context["choice"].status == "Out of stock."
    listed = [p.name for p in client.get(LISTING, {"in_stock": "1"}).context["listing"].page]
    assert "Cotton Tee" not in listed


def test_stock_that_stays_on_sale_drops_its_products_page_and_nothing_else(
    client, tee, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    """During a sale every order moves stock: while the tee stays in stock, its page shows
    the new count and the listings and the other products' pages stay cached."""
    other = ProductFactory(name="Wool Scarf", slug="wool-scarf", category=tee.category)
    VariantFactory(product=other, on_hand=4)
    client.get(tee.get_absolute_url())
    client.get(other.get_absolute_url())
    client.get(LISTING, {"in_stock": "1"})
    with django_capture_on_commit_callbacks(execute=True):
        inventory.reserve_stock(quantities={tee.variants.get().pk: 2})

    page = client.get(tee.get_absolute_url(), {"size": "M"})
    assert page.context["choice"].status == "Only 1 left."
    assert queries_for(django_assert_max_num_queries, client, LISTING, {"in_stock": "1"}) == 0
    assert queries_for(django_assert_max_num_queries, client, other.get_absolute_url()) == 0


def test_stock_that_sells_out_drops_the_listings_too(
    client, tee, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    client.get(LISTING, {"in_stock": "1"})
    with django_capture_on_commit_callbacks(execute=True):
        inventory.reserve_stock(quantities={tee.variants.get().pk: 3})
    assert queries_for(django_assert_max_num_queries, client, LISTING, {"in_stock": "1"}) > 0
    client.get(LISTING, {"in_stock": "1"})
    with django_capture_on_commit_callbacks(execute=True):  # back on sale
        inventory.release_stock(quantities={tee.variants.get().pk: 1})
    listed = [p.name for p in client.get(LISTING, {"in_stock": "1"}).context["listing"].page]
    assert "Cotton Tee" in listed


def test_a_product_bump_the_cache_misses_falls_back_to_the_catalogues(tee, monkeypatch):
    """Its retry bumps the catalogue's version, which covers the product too."""
    retried = []
    monkeypatch.setattr(caching, "_bump", lambda key=caching.VERSION_KEY: False)
    monkeypatch.setattr(caching, "_retry_bump_later", lambda attempt: retried.append(attempt))
    caching.bump_products(["cotton-tee"])
    assert retried == [1]


def test_a_new_review_shows_its_rating_on_the_next_pages(
    client, tee, django_capture_on_commit_callbacks
):
    client.get(LISTING, {"sort": "rating"})
    client.get(tee.get_absolute_url())
    client.force_login(UserFactory())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("shop:review-submit", args=[tee.slug]),
                    {"rating": "4", "title": "Soft", "body": "Washes well."})
    listed = client.get(LISTING, {"sort": "rating"}).context["listing"].page
    assert (listed[0].name, listed[0].rating_average) == ("Cotton Tee", Decimal("4.00"))
    assert client.get(tee.get_absolute_url()).context["product"].rating_count == 1


def test_a_lost_version_starts_afresh_rather_than_at_an_old_number(tee):
    caching.bump_catalogue_version()
    before = caching.catalogue_version()
    cache.delete(caching.VERSION_KEY)
    caching.bump_catalogue_version()
    assert caching.catalogue_version() not in (None, before)


def test_warm_cache_fills_what_the_first_shoppers_read(
    client, tee, capsys, django_assert_max_num_queries
):
    call_command("warm_cache")
    out = capsys.readouterr().out
    assert "Warmed the offers, the home page" in out
    assert "Warmed the listing of Shirts." in out
    assert "Warmed the page of Cotton Tee." in out
    assert "Done in" in out
    assert queries_for(django_assert_max_num_queries, client, "/") == 0
    assert queries_for(django_assert_max_num_queries, client, LISTING, {"category": "shirts"}) == 0
    assert queries_for(django_assert_max_num_queries, client, tee.get_absolute_url()) == 1


def test_pages_still_answer_with_redis_down(client, tee, settings):
    settings.CACHES = DEAD_REDIS
    for url in ["/", LISTING, f"{LISTING}?category=shirts", tee.get_absolute_url(),
                reverse("shop:cart")]:
        assert client.get(url).status_code == 200, url
    assert caching.catalogue_version() is None
    # And it still takes orders.
    client.post(reverse("shop:cart-add"), {"variant": "TEE-M", "quantity": 1})
    assert client.get(reverse("shop:checkout")).status_code == 200
    client.post(reverse("shop:checkout"), {"email": "ada@example.com", **ADDRESS,
                                           "shipping_method": standard_shipping().pk,
                                           "payment_provider": "test"})
    placed = client.post(reverse("shop:checkout-review"))
    assert placed.status_code == 302 and "/payments/" in placed["Location"]


def test_a_customers_pages_still_answer_with_redis_down(client, tee, settings):
    """Their kept pages, saved ids and reviewed products are read from the database."""
    settings.CACHES = DEAD_REDIS
    customer = make_account("grace@example.com")
    order = place((tee.variants.get(), 1), email=customer.email, user=customer)
    pay(order)
    wishlist.set_saved(user=customer, product=tee, saved=True)
    client.force_login(customer)

    for url in ["/", LISTING, tee.get_absolute_url(), reverse("shop:cart"),
                reverse("shop:order-list"), order.get_absolute_url(),
                reverse("shop:address-list")]:
        for _ in range(2):  # nothing kept, nothing served from what was not kept
            assert client.get(url).status_code == 200, url
    assert order.number in client.get(reverse("shop:order-list")).text
    assert 'aria-pressed="true"' in client.get(tee.get_absolute_url()).text


def test_saving_anything_else_leaves_the_catalogue_cached(client, tee):
    version = caching.catalogue_version()
    client.post(reverse("shop:cart-add"), {"variant": "TEE-M", "quantity": 1})  # a session, a cart
    assert CartLine.objects.filter(variant__sku="TEE-M").exists()  # they were saved
    assert caching.catalogue_version() == version


@pytest.fixture
def cache_not_answering(monkeypatch):
    """The cache as django-redis leaves it when Redis does not answer: incr gives None."""
    monkeypatch.setattr(caches["default"], "incr", lambda *args, **kwargs: None)


def bump_retries() -> list[tuple[int, object]]:
    rows = DBTaskResult.objects.filter(task_path=caching.bump_when_reachable.module_path)
    return [(row.args_kwargs["kwargs"]["attempt"], row.run_after) for row in rows]


def test_a_bump_the_cache_misses_is_left_to_a_task(
    tee, settings, cache_not_answering, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    variant = tee.variants.get()
    with django_capture_on_commit_callbacks(execute=True) as after_commit:
        variant.price = Decimal("17.50")
        variant.save()
        assert [attempt for attempt, _ in bump_retries()] == [1]  # stored with the change
    assert len(after_commit) == 1
    assert [attempt for attempt, _ in bump_retries()] == [1, 1]  # and after its commit


def test_the_task_tries_again_while_the_cache_misses_and_then_gives_up(
    tee, settings, cache_not_answering
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    before = timezone.now()
    assert caching.bump_when_reachable.call(attempt=1) is False
    [(attempt, run_after)] = bump_retries()
    assert attempt == 2
    assert run_after >= before + caching.RETRY_EVERY
    last = caching.RETRY_FOR // caching.RETRY_EVERY
    assert caching.bump_when_reachable.call(attempt=last) is False
    assert len(bump_retries()) == 1  # no more: what was cached before has expired by now


def test_the_task_bumps_once_the_cache_answers(tee):
    before = caching.catalogue_version()
    assert caching.bump_when_reachable.call(attempt=3) is True
    assert caching.catalogue_version() != before


def test_a_backend_that_cannot_wait_is_not_asked_to_retry(tee, settings):
    settings.CACHES = DEAD_REDIS  # tests run tasks at once (the ImmediateBackend)
    variant = tee.variants.get()
    variant.price = Decimal("17.50")
    variant.save()
    assert bump_retries() == []
