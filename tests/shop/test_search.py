"""Search: ranked full-text with typo tolerance on PostgreSQL; a plain match on SQLite."""

import pytest
from django.db import connection
from django.urls import reverse
from django.utils.html import escape

from shop.models import Product
from shop.selectors import search
from tests.factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db
URL = reverse("shop:product-list")


@pytest.fixture
def catalogue():
    for name, description in [
        ("Waxed Canvas Jacket", "A field jacket that shrugs off rain."),
        ("Merino Wool Sweater", "Soft, warm and light; pairs well with any jacket."),
        ("Linen Shirt", "Breathes on hot days."),
        ("Jackets Care Kit", "Wax and a brush to keep jackets waterproof."),
        ("Stoneware Mug", "Holds a generous coffee."),
    ]:
        VariantFactory(product=ProductFactory(name=name, description=description))


def names(response) -> list[str]:
    return [p.name for p in response.context["listing"].page.object_list]


def results(client, q: str) -> list[str]:
    return names(client.get(URL, {"q": q}))


def test_every_word_must_match(client, catalogue):
    assert results(client, "wool sweater") == ["Merino Wool Sweater"]


def test_name_matches_rank_above_description_matches(client, catalogue):
    found = results(client, "jacket")
    assert set(found[:2]) == {"Waxed Canvas Jacket", "Jackets Care Kit"}
    assert found[2:] == ["Merino Wool Sweater"]  # only its description says jacket


def test_stemming_finds_plurals(client, catalogue, postgres):
    assert set(results(client, "jackets")) == {
        "Waxed Canvas Jacket", "Jackets Care Kit", "Merino Wool Sweater",
    }


def test_typos_are_forgiven_when_nothing_matches_exactly(client, catalogue, postgres):
    response = client.get(URL, {"q": "jaket"})
    assert response.context["filters"].fuzzy
    assert names(response)[0] == "Waxed Canvas Jacket"
    assert "these are spelled alike" in response.text
    assert results(client, "sweeter") == ["Merino Wool Sweater"]


def test_filters_that_leave_nothing_do_not_turn_a_search_into_guesses(client, catalogue, postgres):
    response = client.get(URL, {"q": "jacket", "max_price": "1"})
    assert response.context["listing"].total == 0
    assert not response.context["filters"].fuzzy
    assert "No products matched “jacket” with these filters." in response.text


def test_a_misspelled_search_stays_within_the_query_bound(
    client, catalogue, postgres, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        response = client.get(URL, {"q": "jaket", "size": "M", "sort": "price"})
    assert response.context["filters"].fuzzy


def test_exact_matches_are_not_padded_with_lookalikes(client, catalogue, postgres):
    VariantFactory(product=ProductFactory(name="Cotton Cable Sweater", description="Knitted."))
    VariantFactory(product=ProductFactory(name="Wool Coat", description="Long and warm."))
    response = client.get(URL, {"q": "coat"})
    assert names(response) == ["Wool Coat"]
    assert not response.context["filters"].fuzzy


def test_websearch_operators_are_honoured(client, catalogue, postgres):
    assert "Jackets Care Kit" not in results(client, "jacket -wax")


def test_words_nothing_resembles_say_nothing_matched(client, catalogue, postgres):
    response = client.get(URL, {"q": "laptop"})
    assert response.context["listing"].total == 0
    assert "No products matched “laptop”." in response.text


def test_without_postgres_a_typo_finds_nothing_and_says_so(client, catalogue):
    if search.forgives_typos():
        pytest.skip("PostgreSQL forgives typos")
    assert "No products matched “jaket”." in client.get(URL, {"q": "jaket"}).text


def test_search_uses_the_gin_indexes(postgres):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'shop_product'"
        )
        indexes = dict(cursor.fetchall())
    assert "USING gin" in indexes["product_search_vector"]
    assert "to_tsvector" in indexes["product_search_vector"]
    assert "gin_trgm_ops" in indexes["product_name_trigram"]


def test_the_gin_index_answers_the_search_query(postgres, catalogue):
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")  # a five-row table would be scanned anyway
    plan = search.matching(Product.objects.all(), "jacket").explain()
    assert "product_search_vector" in plan


@pytest.mark.parametrize("q", ["!!! & | ''", "a:*", "<script>alert(1)</script>", "-"])
def test_odd_input_is_searched_safely_and_shown_escaped(client, catalogue, q):
    response = client.get(URL, {"q": q})
    assert response.status_code == 200
    assert f"Results for “{escape(q)}”" in response.text
    assert "<script>alert(1)</script>" not in response.text
