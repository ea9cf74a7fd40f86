"""Reviews: a customer writes their one review of a product, or rewrites it; the product's
cached rating is recounted in the same transaction. Owns refresh_ratings too, the recount from
rows that every writer of reviews calls, one product or many at a time."""

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Count, Sum

from shop import caching
from shop.models import OrderLine, Product, Review, User
from shop.models.orders import PURCHASED

CENT = Decimal("0.01")
BATCH = 500


@transaction.atomic
def submit_review(*, product: Product, user: User, rating: int, title: str, body: str) -> Review:
    """Write the customer's review of `product`, or update the one they wrote before. It is
    marked a verified purchase when they have a paid order holding a variant of the product,
    as of now. The product row is locked, so reviews submitted at once are counted one after
    the other; `product` carries the new average and count afterwards."""
    Product.objects.select_for_update().filter(pk=product.pk).values_list("pk").get()
    review, _ = Review.objects.update_or_create(
        product=product,
        user=user,
        defaults={
            "rating": rating,
            "title": title,
            "body": body,
            "is_verified": _has_bought(user=user, product=product),
        },
    )
    product.rating_average, product.rating_count = refresh_rating(product_id=product.pk)
    return review


@transaction.atomic
def refresh_rating(*, product_id: int) -> tuple[Decimal | None, int]:
    """Recount a product's cached average (two places, half up) and number of reviews from
    its reviews. Returns them."""
    totals = Review.objects.filter(product_id=product_id).aggregate(
        stars=Sum("rating"), count=Count("pk")
    )
    average, count = mean_rating(totals["stars"], totals["count"])
    Product.objects.filter(pk=product_id).update(rating_average=average, rating_count=count)
    caching.bump_catalogue_version()  # cards and listings show the rating
    return average, count


@transaction.atomic
def refresh_ratings(*, product_ids: Iterable[int]) -> int:
    """Recount the cached average and number of reviews of these products from their
    reviews, as refresh_rating does for one: two reads a batch of products, then updates of
    only those whose figures changed. Returns how many changed."""
    wanted = sorted(set(product_ids))
    batches = [wanted[i : i + BATCH] for i in range(0, len(wanted), BATCH)]
    changed = []
    for batch in batches:
        rows = Product.objects.filter(pk__in=batch).order_by("pk")
        totals = {
            row["product_id"]: row
            for row in Review.objects.filter(product__in=rows.values("pk"))
            .values("product_id")
            .annotate(stars=Sum("rating"), count=Count("pk"))
            .order_by()
        }
        for product in rows.only("pk", "rating_average", "rating_count"):
            row = totals.get(product.pk)
            figures = mean_rating(row["stars"], row["count"]) if row else (None, 0)
            if (product.rating_average, product.rating_count) != figures:
                product.rating_average, product.rating_count = figures
                changed.append(product)
    Product.objects.bulk_update(changed, ["rating_average", "rating_count"], batch_size=BATCH)
    caching.bump_catalogue_version()  # cards and listings show the rating
    return len(changed)


def mean_rating(stars: int | None, count: int) -> tuple[Decimal | None, int]:
    if not count:
        return None, 0
    return (Decimal(stars) / count).quantize(CENT, rounding=ROUND_HALF_UP), count


def _has_bought(*, user: User, product: Product) -> bool:
    return OrderLine.objects.filter(
        order__user=user, order__status__in=PURCHASED, variant__product=product
    ).exists()
