"""Search: stemmed, ranked words with a close-spelling fallback, alike on SQLite (FTS5) and on
PostgreSQL (tsvector and trigrams). Every test but the few about one database's indexes runs
on both: SQLite under `make test`, PostgreSQL when DATABASE_URL is set."""

import importlib
import uuid
from types import SimpleNamespace

import pytest
from django.db import connection
from django.urls import reverse
from django.utils.html import escape

from shop.models import Product
from shop.selectors import search, spellings
from tests.factories import CategoryFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db
URL = reverse("shop:product-list")
CLOSE_SPELLINGS = "No product has those exact words. Showing results for close spellings of"


@pytest.fixture
def catalogue():
    clothing = CategoryFactory(name="Clothing", slug="clothing")
    home = CategoryFactory(name="Home", slug="home")
    for name, description, category in [
        ("Waxed Canvas Jacket", "A field jacket that shrugs off rain.", clothing),
        ("Merino Wool Sweater", "Soft, warm and light; pairs well with any jacket.", clothing),
        ("Linen Shirt", "Breathes on hot days.", clothing),
        ("Jackets Care Kit", "Wax and a brush to keep them waterproof.", clothing),
        ("Stoneware Mug", "Holds a generous coffee; glazed deep blue.", home),
        ("Blue Enamel Mug", "Light enough for the trail.", home),
    ]:
        VariantFactory(product=ProductFactory(name=name, description=description,
                                              category=category))


def names(response) -> list[str]:
    return [p.name for p in response.context["listing"].page.object_list]


def results(client, q: str) -> list[str]:
    return names(client.get(URL, {"q": q}))


@pytest.mark.parametrize(("q", "found"), [
    # In the name and the description, in the name, in the description only.
    ("jacket", ["Waxed Canvas Jacket", "Jackets Care Kit", "Merino Wool Sweater"]),
    ("Jackets", ["Waxed Canvas Jacket", "Jackets Care Kit", "Merino Wool Sweater"]),
    ("blue mug", ["Blue Enamel Mug", "Stoneware Mug"]),
    ("wool sweater", ["Merino Wool Sweater"]),  # every word must be there
])
def test_words_are_stemmed_and_the_name_ranks_above_the_description(client, catalogue, q, found):
    response = client.get(URL, {"q": q})
    assert names(response) == found
    assert not response.context["filters"].fuzzy
    assert CLOSE_SPELLINGS not in response.text


def test_a_typo_finds_close_spellings_and_says_so(client, catalogue):
    response = client.get(URL, {"q": "jaket"})
    assert response.context["filters"].fuzzy
    assert names(response) == ["Waxed Canvas Jacket"]
    assert f"{CLOSE_SPELLINGS} “jaket”." in response.text
    assert results(client, "sweeter") == ["Merino Wool Sweater"]


def test_close_spellings_rank_by_how_close_they_are(client, catalogue):
    VariantFactory(product=ProductFactory(name="Jacked Boots"))
    # pg_trgm's similarity of their closest word to "jackett": 2/3, 3/5, 1/2
    assert results(client, "jackett") == [
        "Waxed Canvas Jacket", "Jackets Care Kit", "Jacked Boots",
    ]


@pytest.mark.parametrize(("q", "found"), [
    ("merinoo sweeter", ["Merino Wool Sweater"]),  # a close word for each word
    ("jaket sweeter", []),  # no name has both
    ("the jaket", ["Waxed Canvas Jacket"]),  # stop words are no words
    ("jaket -wool", ["Waxed Canvas Jacket"]),  # words left out are not looked for
    ('"canvass jaket"', ["Waxed Canvas Jacket"]),
    ("mugg", ["Blue Enamel Mug", "Stoneware Mug"]),
    ("jaket xl", ["Waxed Canvas Jacket"]),  # two letters are too few to spell close
    ("jak", []),  # "jacket": 3/9
    ("wol", ["Merino Wool Sweater"]),  # 1/2, without three letters in a row in common
])
def test_a_typo_needs_a_close_spelling_of_each_word(client, catalogue, q, found):
    response = client.get(URL, {"q": q})
    assert response.context["filters"].fuzzy
    assert names(response) == found


def test_a_close_spelling_is_a_whole_word_of_the_name(client, catalogue):
    VariantFactory(product=ProductFactory(name="Travel_Mugs Set"))  # an underscore parts words
    VariantFactory(product=ProductFactory(name="Mugwort Tea"))  # "mugwort" is not close
    assert results(client, "mugss") == ["Travel_Mugs Set", "Blue Enamel Mug", "Stoneware Mug"]
    VariantFactory(product=ProductFactory(name="Tank Top"))
    assert results(client, "tooooop") == ["Tank Top"]  # 3/7, no three letters in a row
    VariantFactory(product=ProductFactory(name="Pen in Blue"))
    assert results(client, "ink") == []  # "in": 2/5, but two letters are no spelling of a word


@pytest.mark.parametrize("q", ["jackett", "merinoo sweeter", "mugss", "stonewar mugg"])
def test_close_spellings_rank_as_the_closeness_of_their_words(catalogue, q):
    """PostgreSQL ranks names by matching them against the close words it read first; its
    ranks are what `closeness` gives each name, as SQLite computes them."""
    ProductFactory(name="Jacked Boots")
    ProductFactory(name="Travel_Mugs Set")
    found = search.by_relevance(search.matching(Product.objects.all(), q, fuzzy=True), q,
                                fuzzy=True)
    ranks = dict(found.values_list("name", "rank"))
    expected = {
        name: spellings.closeness(q, name)
        for name in Product.objects.values_list("name", flat=True)
        if spellings.closeness(q, name)
    }
    assert ranks == pytest.approx(expected)
    assert ranks


def test_a_typo_ranked_by_closeness_stays_within_the_query_bound(
    client, catalogue, django_assert_max_num_queries
):
    # As a search's page (the offers in force, categories, words match anything?, the
    # matches, the page, the category counts, the size and colour counts), and on PostgreSQL
    # how close the catalogue's words are to the search's, read once to rank the page.
    expected = 7 + (connection.vendor == "postgresql")
    with django_assert_max_num_queries(expected) as captured:
        response = client.get(URL, {"q": "jackett"})
    assert names(response) == ["Waxed Canvas Jacket", "Jackets Care Kit"]
    assert len(captured.captured_queries) == expected


def test_filters_that_leave_nothing_do_not_turn_a_search_into_guesses(client, catalogue):
    response = client.get(URL, {"q": "jacket", "max_price": "1"})
    assert response.context["listing"].total == 0
    assert not response.context["filters"].fuzzy
    assert response.context["listing"].suggestions is None
    assert "No products matched “jacket” with these filters." in response.text


def test_a_misspelled_search_stays_within_the_query_bound(
    client, catalogue, django_assert_max_num_queries
):
    with django_assert_max_num_queries(7):
        response = client.get(URL, {"q": "jaket", "size": "M", "sort": "price"})
    assert response.context["filters"].fuzzy


def test_exact_matches_are_not_padded_with_lookalikes(client, catalogue):
    VariantFactory(product=ProductFactory(name="Cotton Cable Sweater", description="Knitted."))
    VariantFactory(product=ProductFactory(name="Wool Coat", description="Long and warm."))
    response = client.get(URL, {"q": "coat"})
    assert names(response) == ["Wool Coat"]
    assert not response.context["filters"].fuzzy


@pytest.mark.parametrize(("q", "found"), [
    ("jacket -wax", ["Merino Wool Sweater"]),  # "Waxed" is "wax" stemmed
    ("jacket -wool", ["Jackets Care Kit", "Waxed Canvas Jacket"]),
    ("-jacket or mug", ["Blue Enamel Mug", "Linen Shirt", "Stoneware Mug"]),
    ("shirt or mug", ["Blue Enamel Mug", "Linen Shirt", "Stoneware Mug"]),
    ('"deep blue"', ["Stoneware Mug"]),
    ("the jacket for a rain", ["Waxed Canvas Jacket"]),  # stop words are no words
])
def test_websearch_syntax_is_honoured(client, catalogue, q, found):
    assert sorted(results(client, q)) == sorted(found)


def test_words_only_left_out_find_everything_without_them(client, catalogue):
    response = client.get(URL, {"q": "-wool"})
    # Nothing ranks above anything else, so by name.
    assert names(response) == [
        "Blue Enamel Mug", "Jackets Care Kit", "Linen Shirt", "Stoneware Mug",
        "Waxed Canvas Jacket",
    ]
    assert not response.context["filters"].fuzzy
    assert CLOSE_SPELLINGS not in response.text


def test_leaving_out_every_product_is_no_reason_to_guess_at_spellings(client, catalogue):
    response = client.get(URL, {"q": "-jacket -mug -shirt"})
    assert response.context["listing"].total == 0
    assert not response.context["filters"].fuzzy
    assert response.context["listing"].suggestions is None
    assert "No products matched “-jacket -mug -shirt”." in response.text


def test_a_hyphenated_word_is_searched_whole(client, catalogue):
    VariantFactory(product=ProductFactory(name="Cotton T-Shirt", description="Crew neck."))
    # "t" is a stop word, but not inside "t-shirt": the Linen Shirt is no T-shirt.
    assert results(client, "t-shirt") == ["Cotton T-Shirt"]
    assert results(client, "T-Shirts") == ["Cotton T-Shirt"]
    assert sorted(results(client, "shirt -t-shirt")) == ["Linen Shirt"]
    assert sorted(results(client, "shirt")) == ["Cotton T-Shirt", "Linen Shirt"]


def test_a_search_that_matches_nothing_suggests_spellings_and_categories(client, catalogue):
    response = client.get(URL, {"q": "stonwere"})
    listing = response.context["listing"]
    assert listing.total == 0
    assert listing.suggestions.words == ["stoneware"]
    assert [(n.category.name, n.count) for n in listing.suggestions.categories] == [
        ("Clothing", 4), ("Home", 2),
    ]
    assert "No products matched “stonwere”." in response.text
    assert 'href="?q=stoneware"' in response.text
    assert '<a href="/products/?category=clothing"' in response.text
    # The sidebar of zero counts gives way to the suggestions.
    assert 'name="category"' not in response.text
    assert results(client, "stoneware") == ["Stoneware Mug"]  # the suggestion finds something


def test_suggestions_are_the_closest_words_however_many_names_look_alike(db):
    # More names share letters with the query ("ton") than are read for suggestions, and
    # come first by name; the closest is still among those read.
    category = CategoryFactory()
    Product.objects.bulk_create(
        Product(name=f"Baton {n:03}", slug=f"baton-{n}", category=category) for n in range(250)
    )
    ProductFactory(name="Stoneware Mug", category=category)
    assert spellings.close_words("stonwere") == ["stoneware"]


def test_words_nothing_resembles_still_get_the_categories(client, catalogue):
    response = client.get(URL, {"q": "zeppelin"})
    suggestions = response.context["listing"].suggestions
    assert suggestions.words == []
    assert [n.category.name for n in suggestions.categories] == ["Clothing", "Home"]
    assert "No products matched “zeppelin”." in response.text


def test_inactive_products_are_never_found(client, catalogue):
    Product.objects.filter(name="Waxed Canvas Jacket").update(is_active=False)
    assert results(client, "jacket") == ["Jackets Care Kit", "Merino Wool Sweater"]
    assert "Waxed Canvas Jacket" not in results(client, "jaket")


def test_the_index_follows_every_kind_of_write(client, catalogue):
    """On SQLite triggers keep the FTS5 tables in step; on PostgreSQL, the words of the
    names (0025)."""
    Product.objects.filter(name="Linen Shirt").update(name="Linen Parka")  # no save()
    mug = Product.objects.get(name="Stoneware Mug")
    mug.description = "Holds a generous tea."
    mug.save()
    Product.objects.filter(name="Blue Enamel Mug").delete()
    category = CategoryFactory()
    Product.objects.bulk_create([Product(name="Rain Poncho", slug="poncho", category=category)])
    VariantFactory(product=Product.objects.get(slug="poncho"))
    assert results(client, "parka") == ["Linen Parka"]
    assert results(client, "shirt") == []
    assert results(client, "tea") == ["Stoneware Mug"]
    assert results(client, "coffee") == []
    assert results(client, "enamel") == []
    assert results(client, "ponchos") == ["Rain Poncho"]
    # and close spellings of the new names
    assert results(client, "parkka") == ["Linen Parka"]
    assert results(client, "ponchoo") == ["Rain Poncho"]
    assert results(client, "shirtt") == []


def test_products_there_before_the_search_tables_are_indexed_by_the_migration(catalogue):
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's indexes are built by CREATE INDEX")
    migration = importlib.import_module("shop.migrations.0009_product_search")
    with connection.cursor() as cursor:
        editor = SimpleNamespace(connection=connection, execute=cursor.execute)
        migration.uninstall(None, editor)
        ProductFactory(name="Harbour Smock")  # no index, no trigger
        migration.install(None, editor)
    assert [p.name for p in search.matching(Product.objects.all(), "smocks")] == ["Harbour Smock"]
    ProductFactory(name="Harbour Cap")  # and the triggers are back
    assert search.matching(Product.objects.all(), "cap").count() == 1


def test_the_search_tables_and_triggers_are_in_place_after_every_migration(db):
    """SQLite drops a table's triggers when a migration rebuilds the table: a later
    migration that rebuilds shop_product must install the search again (see 0009)."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("SELECT type, name FROM sqlite_master WHERE name LIKE 'shop_product_%'")
        found = set(cursor.fetchall())
    assert {
        ("table", "shop_product_words"), ("table", "shop_product_letters"),
        ("trigger", "shop_product_search_insert"), ("trigger", "shop_product_search_update"),
        ("trigger", "shop_product_search_delete"),
    } <= found


def test_search_uses_the_gin_indexes(postgres):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'shop_product'"
        )
        indexes = dict(cursor.fetchall())
    assert "USING gin (search_document)" in indexes["product_search_document"]
    assert "gin_trgm_ops" in indexes["product_name_trigram"]


def test_the_gin_index_answers_the_search_query(postgres, catalogue):
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")  # a five-row table would be scanned anyway
    plan = search.matching(Product.objects.all(), "jacket").explain()
    assert "product_search_document" in plan


@pytest.mark.parametrize(("text", "name", "closeness"), [
    ("jaket", "Waxed Canvas Jacket", 4 / 9),
    ("jackett", "Jackets Care Kit", 3 / 5),
    ("sweeter wol", "Merino Wool Sweater", 5 / 11 + 1 / 2),
    ("sweeter jaket", "Merino Wool Sweater", 0.0),  # no word close to "jaket"
    ("mugg", "Stoneware_Mug", 1 / 2),
    ("-mug mugg mugg", "Blue Enamel Mug", 1 / 2),
    ("jaket", "", 0.0),
    ("an of", "An Of", 0.0),  # no word to look for
])
def test_closeness_sums_the_closest_word_to_each(text, name, closeness):
    assert spellings.closeness(text, name) == round(closeness, spellings.PLACES)


def test_closeness_agrees_with_pg_trgm_similarity(postgres):
    with connection.cursor() as cursor:
        for wanted, word in [("jaket", "jacket"), ("sweeter", "sweater"), ("mugg", "mug"),
                             ("wooll", "wool"), ("merinoo", "merino"), ("écruu", "écru")]:
            cursor.execute("SELECT similarity(%s, %s)", [wanted, word])
            similarity = cursor.fetchone()[0]
            assert spellings.closeness(wanted, word) == pytest.approx(similarity, abs=1e-6), (
                wanted, word,
            )


def test_a_typo_reads_the_close_words_then_the_names_by_their_indexes(postgres, catalogue):
    with connection.cursor() as cursor:
        # Tables this small would be read whole, or through their primary key.
        cursor.execute("SET enable_seqscan = off; SET enable_indexscan = off;"
                       " SET enable_indexonlyscan = off")
    plan = search.matching(Product.objects.all(), "jaket", fuzzy=True).explain()
    assert "shop_name_word_trigram" in plan
    assert "product_name_trigram" in plan


NAME_WORDS = importlib.import_module("shop.migrations.0025_name_words")


def test_names_there_before_their_words_were_kept_are_found_by_a_typo(postgres, client):
    with connection.cursor() as cursor:
        editor = SimpleNamespace(connection=connection, execute=cursor.execute)
        NAME_WORDS.uninstall(None, editor)
        VariantFactory(product=ProductFactory(name="Harbour Smock"))  # no table, no trigger
        NAME_WORDS.install(None, editor)
    assert results(client, "smockk") == ["Harbour Smock"]
    VariantFactory(product=ProductFactory(name="Harbour Cap"))  # and the triggers are back
    assert results(client, "harbor") == ["Harbour Cap", "Harbour Smock"]


SIMILAR = [
    # strict_word_similarity as pg_trgm gives it; an underscore parts words, as for pg_trgm.
    ("jaket", "Waxed Canvas Jacket", 4 / 9),
    ("sweeter", "Merino Wool Sweater", 5 / 11),
    ("canvas jacket", "Waxed Canvas Jacket", 1.0),
    ("jackett", "Jacked Boots", 1 / 2),
    ("stonwere", "Stoneware Mug", 5 / 14),
    ("wool_coat", "Wool Coat", 1.0),
    ("mug", "Stoneware_Mug", 1.0),
    ("Blue  MUG!", "blue enamel mug", 9 / 16),
    ("jaket", "", 0.0),
]


@pytest.mark.parametrize(("text", "name", "similarity"), SIMILAR)
def test_similarity_is_pg_trgm_strict_word_similarity(text, name, similarity):
    assert spellings.word_similarity(text, name) == pytest.approx(similarity)


def test_similarity_agrees_with_pg_trgm_itself(postgres):
    with connection.cursor() as cursor:
        for text, name, _ in SIMILAR:
            cursor.execute("SELECT strict_word_similarity(%s, %s)", [text, name])
            assert spellings.word_similarity(text, name) == pytest.approx(cursor.fetchone()[0]), (
                text, name,
            )


@pytest.mark.parametrize(
    "q", ["!!! & | ''", "a:*", "<script>alert(1)</script>", "-", '"', "NEAR(a b)", "x OR", "*"]
)
def test_odd_input_is_searched_safely_and_shown_escaped(client, catalogue, q):
    response = client.get(URL, {"q": q})
    assert response.status_code == 200
    assert f"Results for “{escape(q)}”" in response.text
    assert "<script>alert(1)</script>" not in response.text


def test_suggestions_add_two_queries(client, catalogue, django_assert_max_num_queries):
    # the offers in force, categories, words match anything?, the matches (an empty page, and
    # the category counts of no match, need no query of their own), size and colour counts,
    # then the close words and the top categories
    with django_assert_max_num_queries(7) as captured:
        response = client.get(URL, {"q": "stonwere"})
    assert response.context["listing"].suggestions
    assert len(captured.captured_queries) == 7


def test_suggestions_under_other_filters_add_one_query_more(
    client, catalogue, django_assert_max_num_queries
):
    # As without filters, and whether close spellings would match under the filters.
    with django_assert_max_num_queries(8) as captured:
        response = client.get(URL, {"q": "stonwere", "in_stock": "on", "min_price": "1"})
    assert response.context["listing"].suggestions
    assert len(captured.captured_queries) == 8


TRIGRAM_COST = importlib.import_module("shop.migrations.0022_trigram_similarity_cost")


def similarity_costs() -> dict[str, float]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT proname, procost FROM pg_proc WHERE proname = ANY(%s)",
                       [list(TRIGRAM_COST.FUNCTIONS)])
        return dict(cursor.fetchall())


def test_pg_trgm_is_told_what_scoring_a_name_by_strict_word_similarity_costs(postgres):
    """Left at pg_trgm's cost of 1, a typo's search at 200,000 products, when it matched
    names by strict word similarity (`%>>`, until 0025), scored names in turn (170 ms)
    rather than asking the trigram index (11 ms): see migration 0022."""
    assert similarity_costs() == dict.fromkeys(TRIGRAM_COST.FUNCTIONS, 100)


def test_a_role_that_may_not_alter_pg_trgm_migrates_all_the_same(postgres):
    role = f"shop_test_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")
        cursor.execute(f"SET ROLE {role}")
        try:
            editor = SimpleNamespace(connection=connection, execute=cursor.execute)
            TRIGRAM_COST.untold(None, editor)  # refused, and said so: no error
        finally:
            cursor.execute("RESET ROLE")
    assert similarity_costs() == dict.fromkeys(TRIGRAM_COST.FUNCTIONS, TRIGRAM_COST.COST)
