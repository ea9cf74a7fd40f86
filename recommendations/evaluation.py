"""Measuring the recommendations on the shop's own history (`manage.py
evaluate_recommendations`).

Each customer (an email, so a guest's orders count too) with two or more paid orders has
their last one held out. The tables are learnt from every other paid order, and each source
recommends ten products to each such customer from their earlier orders, as it would on the
site, fill-up included and what they bought excluded (but for what they bought more than
once). Beside them, the baseline: the best sellers they have not bought, the strongest
recommendation that knows nothing of them. For each source:

- hit rate at k: the share of customers with at least one of the k in their held-out order;
- mean reciprocal rank: the average of 1 / the place of the first such product (0 if none);
- coverage: the share of the catalogue recommended to anyone.
"""

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from recommendations import scoring
from recommendations.history import Basket

K = 10
BASELINE = "Best sellers (baseline)"


@dataclass(frozen=True)
class SourceScore:
    source: str
    hit_rate: float
    reciprocal_rank: float
    coverage: float


@dataclass(frozen=True)
class Evaluation:
    customers: int  # held out
    buyers: int  # with a paid order
    catalogue: int
    scores: list[SourceScore]

    def score(self, source: str) -> SourceScore:
        return next(score for score in self.scores if score.source == source)

    def lift(self, source: str) -> float | None:
        """How many times the baseline's hit rate `source`'s is (None: the baseline hit
        nothing)."""
        baseline = self.score(BASELINE).hit_rate
        return self.score(source).hit_rate / baseline if baseline else None


Recommender = Callable[[Counter[int]], list[int]]


def evaluate(baskets: Iterable[Basket], documents: Mapping[int, str], *, k: int = K) -> Evaluation:
    """Hold out, learn, recommend and score (see the module)."""
    orders = list(baskets)
    by_customer: defaultdict[str, list[Basket]] = defaultdict(list)
    for basket in orders:
        by_customer[basket.customer].append(basket)
    held = {customer: max(bought, key=lambda basket: (basket.paid_at, basket.order_id))
            for customer, bought in by_customer.items() if len(bought) > 1}
    held_out = {basket.order_id for basket in held.values()}
    training = [basket for basket in orders if basket.order_id not in held_out]
    bought = scoring.co_purchase(basket.products for basket in training)
    similar = scoring.similar(documents)
    counts = Counter(product for basket in training for product in basket.products)
    popular = sorted(counts, key=lambda product: (-counts[product], product))

    def excluded(purchases: Counter[int]) -> set[int]:
        return {product for product, orders in purchases.items() if orders < 2}

    sources: dict[str, Recommender] = {
        "Customers also bought": lambda purchases: scoring.chain(
            scoring.linked(purchases, bought), scoring.linked(purchases, similar), popular,
            exclude=excluded(purchases), limit=k),
        "Similar products": lambda purchases: scoring.chain(
            scoring.linked(purchases, similar), popular, exclude=excluded(purchases), limit=k),
        "Recommended for you": lambda purchases: scoring.for_you(
            purchases, [], bought, similar, popular, limit=k),
        BASELINE: lambda purchases: scoring.chain(popular, exclude=excluded(purchases),
                                                  limit=k),
    }
    hits: Counter[str] = Counter()
    reciprocal: defaultdict[str, float] = defaultdict(float)
    shown: defaultdict[str, set[int]] = defaultdict(set)
    for customer, test in held.items():
        purchases = Counter(product for basket in by_customer[customer]
                            if basket.order_id != test.order_id for product in basket.products)
        for name, recommend in sources.items():
            row = recommend(purchases)
            shown[name].update(row)
            place = next((n for n, product in enumerate(row, 1) if product in test.products), 0)
            if place:
                hits[name] += 1
                reciprocal[name] += 1 / place
    customers, catalogue = len(held), len(documents)
    return Evaluation(customers, len(by_customer), catalogue, [
        SourceScore(name, hits[name] / customers if customers else 0.0,
                    reciprocal[name] / customers if customers else 0.0,
                    len(shown[name]) / catalogue if catalogue else 0.0)
        for name in sources
    ])
