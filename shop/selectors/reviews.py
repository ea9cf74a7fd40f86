"""Reviews as a product page shows them: the newest few, and the reader's own."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.models import AnonymousUser
from django.db.models import Case, Value, When

from shop import caching
from shop.models import Product, Review, User

REVIEWS_SHOWN = 20


@dataclass(frozen=True)
class ProductReviews:
    shown: list[Review]  # newest first
    mine: Review | None  # the signed-in reader's own review, to update
    count: int
    average: Decimal | None

    @property
    def stars(self) -> int:
        """The average as whole stars, rounded half up."""
        if self.average is None:
            return 0
        return int(self.average.quantize(Decimal(1), rounding=ROUND_HALF_UP))

    @property
    def more(self) -> bool:
        """Whether there are reviews beyond those shown."""
        return self.count > len(self.shown)


def product_reviews(product: Product, *, user: User | AnonymousUser) -> ProductReviews:
    """The newest reviews with their authors and, for a signed-in reader, their own review
    wherever it falls in time: one query either way. The count and average are the ones
    cached on the product, which every writer of reviews recounts from the rows
    (shop.services.reviews), so they agree with the reviews listed."""
    reviews = Review.objects.filter(product=product).select_related("user")
    if not user.is_authenticated:
        shown = list(reviews.order_by("-created_at", "-pk")[:REVIEWS_SHOWN])
        mine = None
    else:
        # The reader's review sorts first, then the newest others: one row more than is
        # shown, so the newest REVIEWS_SHOWN are there whether or not theirs is among them.
        rows = list(
            reviews.annotate(is_mine=Case(When(user=user, then=Value(1)), default=Value(0)))
            .order_by("-is_mine", "-created_at", "-pk")[: REVIEWS_SHOWN + 1]
        )
        mine = rows[0] if rows and rows[0].is_mine else None
        newest = sorted(rows, key=lambda r: (r.created_at, r.pk), reverse=True)
        shown = newest[:REVIEWS_SHOWN]
    return ProductReviews(
        shown=shown,
        mine=mine,
        count=product.rating_count,
        average=product.rating_average,
    )


def customer_review(product: Product, user: User) -> Review | None:
    """The review this customer wrote of the product, if any."""
    return Review.objects.filter(product=product, user=user).first()


def reviewed_keys(user: User) -> list[str]:
    """The cache keys has_reviewed reads, for shop.caching.read_ahead."""
    return [*caching.customer_keys(user.pk, "reviewed"), caching.VERSION_KEY]


def has_reviewed(user: User, slug: str) -> bool:
    """Whether the customer has reviewed the product with this slug: the slugs of what they
    reviewed are kept a minute at most and dropped when the catalogue changes (a review
    recounts its product's rating, which bumps it; so does a new slug), and read again then
    in one query."""
    return slug in caching.remember_customer(
        user.pk, "reviewed",
        lambda: frozenset(Review.objects.filter(user=user).values_list("product__slug", flat=True)),
        with_catalogue=True,
    )
