"""Reviews of shops: a customer who bought from a shop writes their one review of it, or
rewrites it; the shop's cached rating is recounted in the same transaction."""

from django.db import transaction
from django.db.models import Count, Sum

from shop import caching
from shop.errors import ShopError
from shop.models import OrderLine, Seller, SellerReview, User
from shop.services.reviews import mean_rating


def has_bought_from(*, user: User, seller: Seller) -> bool:
    """A paid order of theirs held a line of the shop's."""
    return OrderLine.objects.filter(order__user=user, order__paid_at__isnull=False,
                                    seller=seller).exists()


@transaction.atomic
def submit(*, seller: Seller, user: User, rating: int, body: str) -> SellerReview:
    """Raises ShopError for someone who has not bought from the shop: only verified buyers
    review shops. The shop's row is locked, so reviews at once are counted in turn."""
    if not has_bought_from(user=user, seller=seller):
        raise ShopError(f"Only customers who have bought from {seller.name} can review it.")
    Seller.objects.select_for_update().filter(pk=seller.pk).values_list("pk").get()
    review, _ = SellerReview.objects.update_or_create(
        seller=seller, user=user, defaults={"rating": rating, "body": body}
    )
    totals = SellerReview.objects.filter(seller=seller).aggregate(stars=Sum("rating"),
                                                                  count=Count("pk"))
    seller.rating_average, seller.rating_count = mean_rating(totals["stars"], totals["count"])
    Seller.objects.filter(pk=seller.pk).update(rating_average=seller.rating_average,
                                               rating_count=seller.rating_count)
    caching.bump_catalogue_version()  # the shop page shows its rating and reviews
    return review
