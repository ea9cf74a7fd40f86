"""Reviews: a customer writes their one review of a product, or rewrites it; the product's
cached rating is recounted in the same transaction."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Count, Sum

from shop import caching
from shop.models import OrderLine, Product, Review, User
from shop.models.orders import PURCHASED


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
    count = totals["count"]
    average = (
        (Decimal(totals["stars"]) / count).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if count
        else None
    )
    Product.objects.filter(pk=product_id).update(rating_average=average, rating_count=count)
    caching.bump_catalogue_version()  # cards and listings show the rating
    return average, count


def _has_bought(*, user: User, product: Product) -> bool:
    return OrderLine.objects.filter(
        order__user=user, order__status__in=PURCHASED, variant__product=product
    ).exists()
