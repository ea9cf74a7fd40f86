"""What reviews and the ratings cached on products must agree on, wherever they were written."""

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, OuterRef, Sum

from shop.models import OrderLine, Product, Review
from shop.models.orders import PURCHASED


def ratings_unlike_their_rows() -> dict[str, tuple]:
    """Products whose cached (average, count) is not the aggregate of their review rows:
    {slug: (cached, counted)}; empty when every one agrees."""
    totals = Product.objects.annotate(stars=Sum("reviews__rating"), counted=Count("reviews"))
    wrong = {}
    for product in totals:
        counted = (
            (Decimal(product.stars) / product.counted).quantize(
                Decimal("0.01"), rounding=ROUND_HALF_UP
            )
            if product.counted else None,
            product.counted,
        )
        cached = (product.rating_average, product.rating_count)
        if cached != counted:
            wrong[product.slug] = (cached, counted)
    return wrong


def bought_before() -> Exists:
    """Whether the review's author had a paid order holding its product placed before it."""
    return Exists(OrderLine.objects.filter(
        order__user=OuterRef("user"), order__status__in=PURCHASED,
        order__created_at__lt=OuterRef("created_at"), variant__product=OuterRef("product"),
    ))


def verified_without_an_order() -> list[Review]:
    """Reviews marked "verified purchase" with no paid order of their author holding the
    product placed before the review."""
    return list(Review.objects.filter(is_verified=True).exclude(bought_before()))
