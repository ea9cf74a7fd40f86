"""Search: ranked full-text with typo tolerance on PostgreSQL; a plain match on SQLite."""

import pytest
from django.db import connection
from django.urls import reverse

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


def results(client, q: str) -> list[str]:
    response = client.get(URL, {"q": q})
    return [p.name for p in response.context["listing"].page.object_list]


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


def test_typos_are_forgiven(client, catalogue, postgres):
    assert results(client, "jaket")[0] == "Waxed Canvas Jacket"
    assert results(client, "sweeter") == ["Merino Wool Sweater"]


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
    from shop.models import Product
    from shop.selectors import search

    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")  # a five-row table would be scanned anyway
    plan = search.matching(Product.objects.all(), "jacket").explain()
    assert "product_search_vector" in plan


@pytest.mark.parametrize("q", ["!!! & | ''", "a:*", "<script>alert(1)</script>", "-"])
def test_odd_input_is_searched_safely_and_shown_escaped(client, catalogue, q):
    response = client.get(URL, {"q": q})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text
