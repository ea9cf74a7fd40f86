"""Many buyers (and reviewers) at once on PostgreSQL, each on its own connection: no unit is
sold twice, no discount code is used more often than it may be, no review goes uncounted.

Every test that commits lives in this file: such a test empties the database when it ends,
and the rows the migrations wrote come back only for the next test that asks for them, so
mixing them into another file would leave that file's later tests without them."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.db.models import F

from bench import sale, writes
from shop.errors import OutOfStock
from shop.models import Cart, CartLine, DiscountCode, Order, OrderDiscount, Promotion, Variant
from shop.promotions.codes import CodeRefused
from shop.services import cart as cart_services
from shop.services import checkout, orders
from shop.services import reviews as review_services
from tests.conftest import need
from tests.factories import CategoryFactory, UserFactory, VariantFactory
from tests.shop.buying import ADDRESS, place, standard_shipping

BUYERS = 24
# Real commits, so every buyer's own connection sees the same rows; the rows the
# migrations wrote (shipping methods, the site) are put back afterwards for other tests.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def postgres_committed():
    if connection.vendor != "postgresql":
        need("needs PostgreSQL: set DATABASE_URL")


def race(
    buyers: list[list[tuple[Variant, int]]], code: DiscountCode | None = None
) -> tuple[list[Order], list[str]]:
    """Each buyer places an order from their own thread (and connection) and cart (with
    `code` entered), all released at the same moment. Returns the orders placed and the
    errors the others got."""
    start = threading.Barrier(len(buyers))
    placed, refused, crashed = [], [], []

    def buy(lines):
        try:
            cart = Cart.objects.create(discount_code=code)
            start.wait()
            placed.append(place(*lines, cart=cart))
        except (OutOfStock, CodeRefused) as error:
            refused.append(error.message)
        except Exception as error:  # anything else fails the test below
            crashed.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=buy, args=(lines,)) for lines in buyers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not crashed, crashed
    return placed, refused


def test_exactly_the_last_units_are_sold(postgres_committed):
    last = VariantFactory(on_hand=5, price=Decimal("12.00"), product__name="Last Lantern",
                          size="", color="")
    placed, refused = race([[(last, 1)] for _ in range(BUYERS)])
    assert len(placed) == 5
    assert len(refused) == BUYERS - 5
    assert set(refused) <= {
        "“Last Lantern” is sold out; please remove it from your cart.",
        *(f"Only {n} of “Last Lantern” left, and you asked for 1; please lower the quantity."
          for n in range(1, 5)),
    }
    last.refresh_from_db()
    assert (last.on_hand, last.reserved) == (5, 5)
    assert Order.objects.count() == 5


def test_buyers_of_several_lines_in_any_order_neither_deadlock_nor_oversell(postgres_committed):
    tent = VariantFactory(on_hand=7, price=Decimal("90.00"))
    stove = VariantFactory(on_hand=7, price=Decimal("40.00"))
    # Half the carts hold the tent first, half the stove: rows are still locked in pk order.
    buyers = [[(tent, 1), (stove, 1)] if n % 2 else [(stove, 1), (tent, 1)]
              for n in range(BUYERS)]
    placed, refused = race(buyers)
    assert len(placed) == 7 and len(refused) == BUYERS - 7
    for variant in (tent, stove):
        variant.refresh_from_db()
        assert (variant.on_hand, variant.reserved) == (7, 7)


def test_uneven_quantities_never_exceed_the_stock(postgres_committed):
    boots = VariantFactory(on_hand=10, price=Decimal("120.00"))
    placed, refused = race([[(boots, 1 + n % 3)] for n in range(BUYERS)])
    boots.refresh_from_db()
    sold = sum(order.lines.get().quantity for order in placed)
    assert boots.reserved == sold <= 10
    assert 0 <= boots.reserved <= boots.on_hand == 10
    assert refused  # 24 buyers wanting two units each on average cannot all have ten


def test_a_code_with_five_uses_left_is_used_exactly_five_times(postgres_committed):
    lamp = VariantFactory(on_hand=100, price=Decimal("30.00"))
    promotion = Promotion.objects.create(name="$5 off", benefit="amount", value=Decimal("5"))
    code = DiscountCode.objects.create(promotion=promotion, code="LAST5", max_uses=6)
    used = place((lamp, 1), cart=Cart.objects.create(discount_code=code))
    cancelled = place((lamp, 1), cart=Cart.objects.create(discount_code=code))
    orders.cancel_order(order_id=cancelled.pk)  # its use comes back: five are left
    placed, refused = race([[(lamp, 2)] for _ in range(30)], code=code)
    assert len(placed) == 5
    assert refused == [
        "LAST5: this code has been used as often as it may be; no uses are left."
    ] * 25
    assert all(order.discount_total == Decimal("5.00") for order in placed)
    assert OrderDiscount.objects.filter(code=code).exclude(order=cancelled).count() == 6
    # The others changed nothing: no order, no unit held for them.
    assert Order.objects.exclude(pk__in=[used.pk, cancelled.pk]).count() == 5
    lamp.refresh_from_db()
    assert lamp.reserved == 1 + 5 * 2


def at_once(times: int, act) -> list:
    """`act()` from `times` threads (and connections) released at the same moment: what each
    returned, or the name of what it raised."""
    start = threading.Barrier(times)
    outcomes = []

    def run():
        try:
            start.wait()
            outcomes.append(act())
        except Exception as error:
            outcomes.append(type(error).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_one_cart_submitted_at_once_from_several_tabs_becomes_one_order(postgres_committed):
    lamp = VariantFactory(on_hand=10)
    cart = Cart.objects.create()
    CartLine.objects.create(cart=cart, variant=lamp, quantity=3)
    method = standard_shipping()

    outcomes = at_once(6, lambda: checkout.place_order(
        cart=cart, buyer=checkout.Buyer(email="a@example.com", user=None),
        address=ADDRESS, shipping_method_id=method.pk, provider="test",
    ).number)

    # The first places the order; the others, waiting on the cart's lock, find it unpaid
    # and the same, and return it (the cart keeps its lines until it is paid).
    [order] = Order.objects.all()
    assert outcomes == [order.number] * 6
    lamp.refresh_from_db()
    assert lamp.reserved == 3


def test_adds_to_one_cart_at_once_from_several_tabs_queue_on_its_lock(postgres_committed):
    lamp = VariantFactory(on_hand=5, product__name="Lamp")
    cart = Cart.objects.create()

    outcomes = at_once(8, lambda: cart_services.add_to_cart(cart=cart, variant=lamp,
                                                            quantity=1).count)

    # Each add sees the ones before it: one line, the five units there are, three refused.
    assert sorted(outcomes, key=str) == [1, 2, 3, 4, 5, *["OutOfStock"] * 3]
    assert list(cart.lines.values_list("quantity", flat=True)) == [5]


# --- reviews ---------------------------------------------------------------------------------

def test_reviews_posted_at_once_are_all_counted(postgres_committed):
    """Each reviewer on their own connection, all released at the same moment: the product
    row's lock makes each recount see the reviews committed before it."""
    product = VariantFactory().product
    reviewers = [(UserFactory(), 1 + n % 5) for n in range(12)]
    start = threading.Barrier(len(reviewers))
    crashed = []

    def review(user, rating):
        try:
            start.wait()
            review_services.submit_review(product=product, user=user, rating=rating,
                                          title="A title", body="")
        except Exception as error:  # anything else fails the test below
            crashed.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=review, args=reviewer) for reviewer in reviewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not crashed, crashed
    product.refresh_from_db()
    stars = sum(rating for _, rating in reviewers)  # 1+2+3+4+5 twice, then 1+2: 33
    assert product.rating_count == 12
    assert product.rating_average == (Decimal(stars) / 12).quantize(Decimal("0.01"))


def test_the_benchmarks_shoppers_sell_exactly_the_stock(postgres_committed):
    CategoryFactory()  # the benchmark's limited edition goes in the first category
    sold_out = writes.sell_out(units=20, clients=6)

    assert sold_out["orders"] == sold_out["sold"] == sold_out["reserved"] == 20
    assert Order.objects.filter(lines__sku="BENCH-LIMITED-1").count() == 20


def test_the_benchmarks_sale_buys_and_pays_without_overselling(postgres_committed):
    """bench.sale's shoppers, for a moment: every order they count is paid, and no variant
    sold more than it had."""
    for n in range(3):
        VariantFactory(on_hand=6, price=f"{10 + n}.00")

    bought = sale.buy_for(3, clients=4)

    paid = Order.objects.filter(email__startswith="sale-", status=Order.Status.PAID)
    assert bought["orders"] == paid.count() > 0
    assert not Variant.objects.filter(on_hand__lt=0).exists()
    assert not Variant.objects.filter(reserved__gt=F("on_hand")).exists()
