"""Product search: ranked full-text search on PostgreSQL, with a typo-forgiving fallback, and
a plain substring match on SQLite so the demo runs with no database server."""

from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    TrigramStrictWordSimilarity,
)
from django.db import connection
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from shop.models import Product
from shop.models.catalogue import search_vector


def forgives_typos() -> bool:
    return connection.vendor == "postgresql"


def _query(text: str) -> SearchQuery:
    return SearchQuery(text, config="english", search_type="websearch")


def matching(products: QuerySet[Product], text: str, *, fuzzy: bool = False) -> QuerySet[Product]:
    """Products whose name or description matches `text`.

    On PostgreSQL: the words, stemmed, against the weighted document (its GIN index); or, when
    `fuzzy`, a word of the name close to the text letter by letter (`%>>`, strict word
    similarity over the trigram GIN index; the threshold is set on the connection).
    """
    if forgives_typos():
        if fuzzy:
            return products.filter(name__trigram_strict_word_similar=text)
        return products.alias(document=search_vector()).filter(document=_query(text))
    condition = Q()
    for word in text.split():
        condition &= Q(name__icontains=word) | Q(description__icontains=word)
    return products.filter(condition)


def by_relevance(
    products: QuerySet[Product], text: str, *, fuzzy: bool = False
) -> QuerySet[Product]:
    """Best match first: words in the name over words in the description; close spellings
    by how close they are."""
    if forgives_typos():
        if fuzzy:
            rank = TrigramStrictWordSimilarity(text, "name")
        else:
            rank = SearchRank(search_vector(), _query(text))
        return products.annotate(rank=rank).order_by("-rank", "name", "pk")
    in_name = Q()
    for word in text.split():
        in_name &= Q(name__icontains=word)
    return products.annotate(
        rank=Case(When(in_name, then=Value(1)), default=Value(0), output_field=IntegerField())
    ).order_by("-rank", "name", "pk")
