"""Writing the recommendation tables: `rebuild` from all the data (a periodic task and
`manage.py rebuild_recommendations`), `rescore_product` for one changed product.

The rows shown read these tables through a cache entry named by GENERATION_KEY: each write
here names a new generation once it commits, so rows read before it are not shown again."""

import time
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction

from recommendations import history, scoring
from recommendations.models import ProductLink, ProductScore
from shop.models import Product

GENERATION_KEY = "recommendations:generation"
BATCH = 2000


@dataclass(frozen=True)
class Rebuilt:
    products: int
    baskets: int
    bought_links: int
    similar_links: int


def rebuild() -> Rebuilt:
    """Recompute every product's "also bought" and "similar" links and every product's
    sales and trending figures, and replace the tables with them in one transaction."""
    counted = _Counted(history.baskets())
    bought = scoring.co_purchase(basket.products for basket in counted)
    documents = history.documents()
    similar = scoring.similar(documents)
    scores = history.sales_and_interest()
    links = [*_rows(bought, ProductLink.Source.BOUGHT),
             *_rows(similar, ProductLink.Source.SIMILAR)]
    existing = set(Product.objects.values_list("pk", flat=True))
    with transaction.atomic():
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


def rescore_product(product_id: int) -> None:
    """Work out again which products are like this one (and where it now ranks among
    theirs), after it changed; a product no longer listed loses its links."""
    documents = history.documents()
    with transaction.atomic():
        ProductLink.objects.filter(source=ProductLink.Source.SIMILAR, other_id=product_id).delete()
        ProductLink.objects.filter(source=ProductLink.Source.SIMILAR,
                                   product_id=product_id).delete()
        if product_id in documents and len(documents) > 1:
            _link_alike(product_id, documents)
        transaction.on_commit(new_generation)


def _link_alike(product_id: int, documents: dict[int, str]) -> None:
    ids = list(documents)
    vectors = scoring.vectorise(documents[pk] for pk in ids)
    row = ids.index(product_id)
    scores = (vectors[row] @ vectors.T).toarray().ravel()
    scores[row] = 0
    alike = [(ids[i], float(scores[i])) for i in scores.argsort(kind="stable")[::-1]
             if scores[i] > 0][:scoring.TOP]
    ProductLink.objects.bulk_create(_rows({product_id: alike}, ProductLink.Source.SIMILAR))
    # Likeness goes both ways: the product joins each of those products' own lists, which
    # keep their best scoring.TOP.
    ProductLink.objects.bulk_create(
        [ProductLink(product_id=other, other_id=product_id, score=score,
                     source=ProductLink.Source.SIMILAR) for other, score in alike]
    )
    for other, _ in alike:
        keep = (ProductLink.objects.filter(product_id=other, source=ProductLink.Source.SIMILAR)
                .order_by("-score", "other_id").values("pk")[:scoring.TOP])
        ProductLink.objects.filter(product_id=other, source=ProductLink.Source.SIMILAR).exclude(
            pk__in=list(keep.values_list("pk", flat=True))
        ).delete()


def new_generation() -> None:
    cache.set(GENERATION_KEY, time.time_ns(), timeout=None)


def _rows(links: scoring.Links, source: str) -> list[ProductLink]:
    return [ProductLink(product_id=product, other_id=other, score=score, source=source)
            for product, others in links.items() for other, score in others]


class _Counted:
    """Iterates over `items` once, counting them."""

    def __init__(self, items):
        self._items, self.count = items, 0

    def __iter__(self):
        for item in self._items:
            self.count += 1
            yield item
