"""Writing the recommendation tables: `rebuild` from all the data (a periodic task and
`manage.py rebuild_recommendations`), `rescore_product` for one changed product.

The rows shown read these tables through a cache entry named by GENERATION_KEY: each write
here names a new generation once it commits, so rows read before it are not shown again."""

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Min, Q

from core.db_routers import reading_from_replica
from recommendations import history, scoring
from recommendations.models import ProductLink, ProductScore
from shop.models import Product

GENERATION_KEY = "recommendations:generation"
LOCK_KEY = 7_340_020  # the advisory lock of the tables' writers (PostgreSQL)
BATCH = 2000


@dataclass(frozen=True)
class Rebuilt:
    products: int
    baskets: int
    bought_links: int
    similar_links: int


def rebuild() -> Rebuilt:
    """Recompute every product's "also bought" and "similar" links and every product's
    sales and trending figures, and replace the tables with them in one transaction. The
    history is read from the replica when there is one; which products still exist, from
    the primary in that transaction."""
    with reading_from_replica():
        counted = _Counted(history.baskets())
        bought = scoring.co_purchase(basket.products for basket in counted)
        documents = history.documents()
        similar = scoring.similar(documents)
        scores = history.sales_and_interest()
    links = [*_rows(bought, ProductLink.Source.BOUGHT),
             *_rows(similar, ProductLink.Source.SIMILAR)]
    with transaction.atomic():
        _take_the_tables()
        existing = set(Product.objects.values_list("pk", flat=True))
        ProductLink.objects.all().delete()
        ProductLink.objects.bulk_create(
            [link for link in links if link.product_id in existing and link.other_id in existing],
            batch_size=BATCH,
        )
        ProductScore.objects.all().delete()
        ProductScore.objects.bulk_create(
            [ProductScore(product_id=pk, sold=sold, trending=trending)
             for pk, (sold, trending) in scores.items() if pk in existing],
            batch_size=BATCH,
        )
        transaction.on_commit(new_generation)
    return Rebuilt(len(documents), counted.count, sum(map(len, bought.values())),
                   sum(map(len, similar.values())))


def rescore_product(*, product_id: int) -> None:
    """Work out again which products are like this one, after it changed: its own list,
    and its place in every other product's (it joins those where it now ranks among the
    best; a list it leaves is one short until the next rebuild). A product no longer listed
    loses its similar links; its bought-together ones wait for the rebuild, as the rows
    never show a product that is not listed."""
    documents = history.documents()
    with transaction.atomic():
        _take_the_tables()
        similar = ProductLink.objects.filter(source=ProductLink.Source.SIMILAR)
        similar.filter(Q(product_id=product_id) | Q(other_id=product_id)).delete()
        if product_id in documents:
            _link_alike(product_id, scoring.likeness(documents, product_id))
        transaction.on_commit(new_generation)


def _link_alike(product_id: int, scores: dict[int, float]) -> None:
    similar = ProductLink.objects.filter(source=ProductLink.Source.SIMILAR)
    ProductLink.objects.bulk_create(
        _rows({product_id: scoring.best(scores)}, ProductLink.Source.SIMILAR)
    )
    # Likeness goes both ways: the product joins each list that is short or whose weakest
    # it beats, and a full list then lets its weakest go.
    lists = {pk: (count, weakest) for pk, count, weakest in
             similar.filter(product_id__in=list(scores)).values_list("product_id")
             .annotate(count=Count("pk"), weakest=Min("score")).order_by()}
    joins = [other for other, score in scores.items()
             if other not in lists or lists[other][0] < scoring.TOP or score > lists[other][1]]
    ProductLink.objects.bulk_create(
        [ProductLink(product_id=other, other_id=product_id, score=scores[other],
                     source=ProductLink.Source.SIMILAR) for other in joins],
        batch_size=BATCH,
    )
    for other in joins:
        if other in lists and lists[other][0] >= scoring.TOP:
            weakest = similar.filter(product_id=other).order_by("score", "-other_id")
            similar.filter(pk__in=weakest.values("pk")[:1]).delete()


def _take_the_tables() -> None:
    """Wait for any other rebuild or rescore to commit, and keep them waiting until this
    transaction commits: two writers of the same lists would otherwise both insert a link
    (the unique constraint then fails one). SQLite lets one writer in at a time anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def new_generation() -> None:
    cache.set(GENERATION_KEY, time.time_ns(), timeout=None)


def _rows(links: scoring.Links, source: str) -> list[ProductLink]:
    """The links as rows of `source`."""
    return [ProductLink(product_id=product, other_id=other, score=score, source=source)
            for product, others in links.items() for other, score in others]


class _Counted[T]:
    """Iterates over `items` once, counting them."""

    def __init__(self, items: Iterable[T]) -> None:
        self._items, self.count = items, 0

    def __iter__(self) -> Iterator[T]:
        for item in self._items:
            self.count += 1
            yield item
