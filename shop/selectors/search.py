"""Product search: ranked full-text search with typo tolerance on PostgreSQL, and a plain
substring match on SQLite so the demo runs with no database server."""

from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.db import connection
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from shop.models import Product
from shop.models.catalogue import search_vector


def _on_postgres() -> bool:
    return connection.vendor == "postgresql"


def _query(text: str) -> SearchQuery:
    return SearchQuery(text, config="english", search_type="websearch")


def matching(products: QuerySet[Product], text: str) -> QuerySet[Product]:
    """Products whose name or description matches `text`.

    On PostgreSQL: the words, stemmed (GIN index on the weighted document), or a name that
    is close to them letter by letter (`%>`, the trigram index), which forgives typos.
    """
    if _on_postgres():
        return products.alias(document=search_vector()).filter(
            Q(document=_query(text)) | Q(name__trigram_word_similar=text)
        )
    condition = Q()
    for word in text.split():
        condition &= Q(name__icontains=word) | Q(description__icontains=word)
    return products.filter(condition)


def by_relevance(products: QuerySet[Product], text: str) -> QuerySet[Product]:
    """Best match first: words in the name over words in the description, then closeness."""
    if _on_postgres():
        return products.annotate(
            rank=SearchRank(search_vector(), _query(text))
            + TrigramWordSimilarity(text, "name")
        ).order_by("-rank", "name", "pk")
    in_name = Q()
    for word in text.split():
        in_name &= Q(name__icontains=word)
    return products.annotate(
        rank=Case(When(in_name, then=Value(1)), default=Value(0), output_field=IntegerField())
    ).order_by("-rank", "name", "pk")


