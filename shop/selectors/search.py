"""Product search, alike on both databases: the words, stemmed, against the product's name
and description, the name weighing more; when no product has them, names with a word spelled
close to each of them (shop.selectors.spellings: a typo still finds something). The query is
read as PostgreSQL's websearch reads it (shop.selectors.search_text).

PostgreSQL answers from the weighted tsvector each product stores (`search_document`, kept by a
trigger, 0021) with its GIN index; SQLite, the embedded default, from an FTS5 table of words
stemmed by the porter tokenizer that triggers keep in step with the products (0009).
"""

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, FloatField, Func, Q, QuerySet, Value
from django.db.models.expressions import Expression, RawSQL

from shop.models import Product
from shop.selectors import spellings
from shop.selectors.search_text import alternatives_of, words_query


def _on_postgres() -> bool:
    return connection.vendor == "postgresql"


def matching(products: QuerySet[Product], text: str, *, fuzzy: bool = False) -> QuerySet[Product]:
    """Products whose name or description has the words of `text`, or, when `fuzzy`, whose
    name has a word spelled close to each of them."""
    if fuzzy:
        return spellings.spelled_like(products, text)
    if _on_postgres():
        return products.filter(search_document=_query(text))
    condition = Q()
    if words := words_query(text):
        condition |= Q(pk__in=_having(words))
    for wanted, unwanted in alternatives_of(text):
        if unwanted and not wanted:  # FTS5 cannot ask for "everything without this" itself
            condition |= ~Q(pk__in=_having(" OR ".join(unwanted)))
    return products.filter(condition) if condition else products.none()


def only_excludes(text: str) -> bool:
    """Whether the query only leaves words out (`-wool`): close spellings of those words
    would find just what it leaves out."""
    alternatives = alternatives_of(text)
    return any(unwanted for _, unwanted in alternatives) and not any(
        wanted for wanted, _ in alternatives
    )


def by_relevance(
    products: QuerySet[Product], text: str, *, fuzzy: bool = False
) -> QuerySet[Product]:
    """Best match first: words in the name over words in the description; close spellings
    by how close they are."""
    if fuzzy:
        rank = spellings.closeness_rank(text)
    elif _on_postgres():
        # The stored document: parsing 6,600 matches' descriptions again to rank them cost
        # most of a search at 200,000 products (bench/scale.py).
        rank = SearchRank(F("search_document"), _query(text))
    else:
        rank = _words_rank(text)
    return products.annotate(rank=rank).order_by("-rank", "name", "pk")


def _query(text: str) -> SearchQuery:
    return SearchQuery(text, config="english", search_type="websearch")


def _having(words: str) -> RawSQL:
    """The products whose words match an FTS5 query (SQLite)."""
    return RawSQL("SELECT rowid FROM shop_product_words WHERE shop_product_words MATCH %s", [words])


def _words_rank(text: str) -> Expression:
    """How well a product's words match (SQLite): bm25 over the FTS5 table, the name
    weighing ten times the description; negated, so that more is better; 0 for a product the
    query scores nothing (`-wool`)."""
    words = words_query(text)
    return _WordsRank(words, F("pk")) if words else Value(0.0)


class _WordsRank(Func):
    """The full-text query runs once per statement, not once per product: its scores are
    materialized (and indexed by SQLite on the fly), then each row looks up its own."""

    template = (
        "COALESCE((WITH scores AS MATERIALIZED ("
        "SELECT rowid AS id, -rank AS score FROM shop_product_words"
        " WHERE shop_product_words MATCH %%s AND rank MATCH 'bm25(10.0, 1.0)'"
        ") SELECT score FROM scores WHERE id = %(expressions)s), 0.0)"
    )
    output_field = FloatField()

    def __init__(self, words: str, product: Expression):
        super().__init__(product)
        self.words = words

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = super().as_sql(compiler, connection, **extra_context)
        return sql, (self.words, *params)
