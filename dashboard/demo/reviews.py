"""The reviews the demo history's customers write (see dashboard.demo.history).

Owns Purchases, which notes the delivered orders of customers with an account as the history
is made, and write_reviews, which turns some of them into reviews and recounts the products'
cached ratings from the rows. A review marked "verified purchase" always stands on a delivered
order of its author holding the product, placed before the review; a few others are written by
customers with no paid order of the product at all, and are not marked, as the shop's own
submit_review decides. Products nobody reviewed keep no rating.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from dashboard.demo import bulk
from dashboard.demo.people import DOMAIN
from shop.models import Order, OrderLine, Review
from shop.models.orders import PURCHASED
from shop.services import reviews as review_services

REVIEWED = 0.2  # of the products delivered to a customer with an account
UNVERIFIED = 0.08  # reviews by customers who never bought the product, for each verified one
DAYS_AFTER = (2, 30)  # how long after delivery a review is written
# A product's reviews scatter around its own mean, so some products rate better than others.
MEAN_RATINGS = (3.3, 4.8)
SPREAD = 0.9
TITLES = {
    5: ("Love it", "Worth every penny", "Exactly as described", "Better than I hoped",
        "My new favourite", "Buying another one"),
    4: ("Very good", "Nice quality", "Happy with it", "Good, with one small niggle",
        "Would recommend"),
    3: ("It's fine", "Okay for the price", "Mixed feelings", "Does the job"),
    2: ("Disappointed", "Not what I expected", "Looks better in the pictures"),
    1: ("Sent it back", "Would not buy again", "Poor quality"),
}
BODIES = {
    5: ("Arrived quickly and the quality is excellent. I have used it almost every day since.",
        "Well made, and it looks even better in person than in the pictures.",
        "Exactly what I was looking for, and the packaging was plastic-free too.", ""),
    4: ("Good quality and it arrived on time. Four stars only because the colour is a shade "
        "darker than the photos.",
        "Does everything I wanted and I would buy it again.",
        "Solid and well finished; delivery took a day longer than promised.", ""),
    3: ("Decent, but nothing special for the price.",
        "It is fine. The finish is a little rougher than I expected.", ""),
    2: ("The quality is not what I expected from the description.",
        "It looked different from the pictures and the stitching was uneven."),
    1: ("It came damaged and I had to return it. The refund was quick, at least.",
        "It fell apart after a couple of weeks."),
}


@dataclass(frozen=True)
class _Purchase:
    user_id: int
    product_id: int
    delivered_at: datetime


class Purchases:
    """The products delivered to customers with an account, as orders are made: each
    customer's first delivery of each product, in the order they were noted."""

    def __init__(self, product_of: dict[int, int]):
        self._product_of = product_of  # {variant pk: product pk}
        self._first: dict[tuple[int, int], _Purchase] = {}

    def note(self, order: Order, lines: list[OrderLine]) -> None:
        if order.user_id is None or order.status != Order.Status.DELIVERED:
            return  # a guest's, or not (or no longer) a purchase that was delivered
        for line in lines:
            key = (order.user_id, self._product_of[line.variant_id])
            if key not in self._first or order.delivered_at < self._first[key].delivered_at:
                self._first[key] = _Purchase(*key, order.delivered_at)

    @property
    def first(self) -> list[_Purchase]:
        return list(self._first.values())


def write_reviews(rng: random.Random, purchases: Purchases, *, horizon: datetime) -> int:
    """Reviews of some of `purchases`, written before `horizon`, and a few unverified ones;
    a customer's review already here (another seed's) is kept as it is. The reviewed products'
    cached ratings are then recounted from their rows. Returns how many reviews were added."""
    means: dict[int, float] = {}
    reviews = []
    for purchase in purchases.first:
        if rng.random() >= REVIEWED:
            continue
        written = purchase.delivered_at + timedelta(days=rng.uniform(*DAYS_AFTER))
        if written < horizon:
            reviews.append(_review(rng, means, purchase, written, verified=True))
    reviews += _unverified(rng, means, purchases, len(reviews), horizon)
    before = Review.objects.count()
    bulk.write_reviews(reviews)
    review_services.refresh_ratings(product_ids={review.product_id for review in reviews})
    return Review.objects.count() - before


def _unverified(rng: random.Random, means: dict[int, float], purchases: Purchases,
                verified: int, horizon: datetime) -> list[Review]:
    """Reviews by customers with an account who never bought the product (in any seed's
    history): a gift, or bought in a shop down the road."""
    first = purchases.first
    if not first:
        return []
    bought = set(
        OrderLine.objects.filter(
            order__user__email__endswith=f"@{DOMAIN}", order__status__in=PURCHASED
        ).values_list("order__user_id", "variant__product_id").distinct()
    )
    users = sorted({purchase.user_id for purchase in first})
    reviews = []
    for _ in range(round(verified * UNVERIFIED)):
        # A product someone reviewed, so that it sits among reviews of real purchases.
        someone = rng.choice(first)
        user_id = rng.choice(users)
        if (user_id, someone.product_id) in bought:
            continue
        written = someone.delivered_at + timedelta(days=rng.uniform(*DAYS_AFTER))
        if written < horizon:
            bought.add((user_id, someone.product_id))  # one review each
            purchase = _Purchase(user_id, someone.product_id, someone.delivered_at)
            reviews.append(_review(rng, means, purchase, written, verified=False))
    return reviews


def _review(rng: random.Random, means: dict[int, float], purchase: _Purchase,
            written: datetime, *, verified: bool) -> Review:
    if purchase.product_id not in means:
        means[purchase.product_id] = rng.uniform(*MEAN_RATINGS)
    rating = min(5, max(1, round(rng.gauss(means[purchase.product_id], SPREAD))))
    return Review(
        product_id=purchase.product_id, user_id=purchase.user_id, rating=rating,
        title=rng.choice(TITLES[rating]), body=rng.choice(BODIES[rating]),
        is_verified=verified, created_at=written, updated_at=written,
    )
