"""What the demo history's customers buy: each to their own taste, kept when they come back,
with goods bought together, so that their past foretells their next order better than
popularity does, while the whole catalogue still sells."""

import math
from collections import Counter, defaultdict
from datetime import date

import pytest
from django.contrib.sites.models import Site
from django.db import connection, transaction

from dashboard.demo.history import seed_order_history
from dashboard.demo.tastes import COMPLEMENTS, Offered, Shelves
from shop import demo
from shop.demo.data import KINDS
from shop.demo.sellers import load_demo_sellers
from shop.models import Order, Product, Variant

pytestmark = pytest.mark.django_db

UNTIL = date(2025, 12, 31)
ORDERS = 3000  # as `make run` seeds them


@pytest.fixture(scope="module")
def shop(django_db_setup, django_db_blocker):
    """The demo catalogue and its sellers with a year of history, loaded once for the module
    in a transaction rolled back after its last test."""
    with django_db_blocker.unblock(), transaction.atomic():
        # As tests/conftest.py does for each test: a test that committed may have emptied
        # the tables of the rows the migrations wrote (the shipping methods).
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents and not Site.objects.exists():
            connection.creation.deserialize_db_from_string(contents)
        demo.load_demo_catalogue(draw_images=False)
        load_demo_sellers()
        seed_order_history(orders=ORDERS, until=UNTIL)
        yield
        transaction.set_rollback(True)


def shelves() -> Shelves:
    """The shelves as the history saw them: how well each variant sold plays no part in
    tastes and companions."""
    on_sale = Variant.objects.filter(product__is_active=True, product__seller_listed=True)
    return Shelves([
        Offered(pk, product_id, name, aisle_id, department_id or aisle_id, colour, price, 1.0)
        for pk, product_id, name, aisle_id, department_id, colour, price in on_sale.values_list(
            "pk", "product_id", "product__name", "product__category_id",
            "product__category__parent_id", "color", "price")
    ], seed=1)


def paid_orders() -> dict[int, tuple[str, set[int]]]:
    """{order pk: (email, its products)} of the paid orders, in the order they were paid."""
    orders: dict[int, tuple[str, set[int]]] = {}
    lines = (Order.objects.filter(paid_at__isnull=False).order_by("paid_at", "pk")
             .values_list("pk", "email", "lines__variant__product_id"))
    for pk, email, product_id in lines:
        orders.setdefault(pk, (email, set()))[1].add(product_id)
    return orders


def test_a_customers_lines_fall_mostly_in_their_favourite_aisles(shop):
    tastes = shelves()
    aisle_of = dict(Product.objects.values_list("pk", "category_id"))
    lines = [(email, aisle_of[product]) for email, products in paid_orders().values()
             for product in products]
    aisle_share = Counter(aisle for _, aisle in lines)

    theirs = [aisle in tastes.taste(email).aisles for email, aisle in lines]
    # How often the lines would be in those aisles if customers had no taste of their own.
    by_chance = sum(aisle_share[aisle] for email, _ in lines
                    for aisle in tastes.taste(email).aisles) / len(lines) ** 2

    assert 0.6 < sum(theirs) / len(lines) < 0.9
    assert sum(theirs) / len(lines) > 5 * by_chance


def test_a_taste_is_drawn_once_and_differs_between_customers(shop):
    emails = sorted({email for email, _ in paid_orders().values()})
    once, again = shelves(), shelves()

    first = {email: once.taste(email) for email in emails}

    assert first == {email: again.taste(email) for email in reversed(emails)}
    assert len({taste.aisles[0] for taste in first.values()}) == 16
    assert len(set(first.values())) > 0.5 * len(first)
    assert {len(taste.aisles) for taste in first.values()} == {1, 2}
    assert {taste.band for taste in first.values()} == {0, 1, 2}


def test_companions_are_bought_together_far_above_chance(shop):
    tastes = shelves()
    orders = [products for _, products in paid_orders().values()]
    sold = Counter(product for products in orders for product in products)
    pairs = {(product, other) for product in sold for other in tastes.companions(product)}

    together = sum((product, other) in pairs for products in orders
                   for product in products for other in products)
    by_chance = sum(sold[product] * sold[other] for product, other in pairs) / len(orders)

    assert together > 0.25 * sum(len(products) > 1 for products in orders)
    assert together > 8 * by_chance


def test_companions_are_goods_bought_with_it_from_its_department(shop):
    tastes = shelves()
    on_sale = Product.objects.filter(is_active=True, seller_listed=True)
    products = {product.pk: product for product in on_sale.select_related("category")}

    def aisle(pk: int) -> str:
        return products[pk].category.slug

    mug = next(pk for pk, product in products.items() if product.slug == "stoneware-mug")
    assert {aisle(other) for other in tastes.companions(mug)} == {"home-kitchen"}
    assert not any(products[other].name.endswith("Mug") for other in tastes.companions(mug))
    for pk in products:
        if aisle(pk) == "women-dresses":
            companions = tastes.companions(pk)
            assert len(companions) == 3
            assert {aisle(other) for other in companions} <= {"women-shoes", "women-knitwear"}
    assert set(COMPLEMENTS) == set(KINDS)
    assert {kind for kinds in COMPLEMENTS.values() for kind in kinds} <= set(KINDS)


def test_the_whole_catalogue_still_sells_with_a_long_tail(shop):
    sold = Counter(product for _, products in paid_orders().values() for product in products)
    on_sale = Product.objects.filter(is_active=True, seller_listed=True).count()

    assert len(sold) > 0.95 * on_sale
    shares = sorted(sold.values(), reverse=True)
    assert shares[0] < 0.03 * sum(shares)
    assert sum(shares[:10]) < 0.25 * sum(shares)
    assert sum(shares[:10]) > 4 * sum(shares[-10:])


def test_what_a_customer_bought_foretells_their_next_order_better_than_popularity(shop):
    # Each returning customer's last paid order held out: ten products recommended from the
    # others by how often they were bought with the customer's earlier products (best
    # sellers after those), against the ten best sellers, both leaving out what the customer
    # bought already.
    orders = paid_orders()
    last = {email: pk for pk, (email, _) in orders.items()}
    mine: dict[str, set[int]] = defaultdict(set)
    sold: Counter[int] = Counter()
    together: dict[int, Counter[int]] = defaultdict(Counter)
    for pk, (email, products) in orders.items():
        if last[email] == pk:
            continue
        mine[email] |= products
        sold.update(products)
        for product in products:
            together[product].update(products - {product})
    best_sellers = [product for product, _ in sold.most_common()]
    popular = bought_along = 0
    held_out = [(email, pk) for email, pk in last.items() if mine[email]]
    for email, pk in held_out:
        bought, wanted = mine[email], orders[pk][1]
        unbought = [product for product in best_sellers if product not in bought]
        popular += bool(wanted & set(unbought[:10]))
        score: Counter[int] = Counter()
        for product in bought:
            for other, count in together[product].items():
                if other not in bought:
                    score[other] += count / math.sqrt(sold[product] * sold[other])
        along = [product for product, _ in score.most_common(10)]
        along += [product for product in unbought if product not in along][:10 - len(along)]
        bought_along += bool(wanted & set(along))

    assert len(held_out) > 250
    assert bought_along > 2 * popular
