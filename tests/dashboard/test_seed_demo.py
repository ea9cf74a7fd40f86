"""`manage.py seed_demo`: a year of made-up order history, the same for the same seed and
size, with the mix of orders the dashboard shows; and the demo's staff account."""

import re
from collections import Counter
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from io import StringIO
from time import perf_counter

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Sum

from config.settings import base as base_settings
from config.settings import dev as dev_settings
from dashboard import kpis
from dashboard.demo.history import AlreadySeeded, SeedError, seed_order_history
from dashboard.demo.people import DOMAIN
from dashboard.demo.staff import EMAIL, PASSWORD, ROLE_ACCOUNTS
from dashboard.models import SessionDay
from payments.models import Payment
from shop.demo.promotions import load_demo_promotions
from shop.models import (
    Order,
    OrderDiscount,
    OrderLine,
    Product,
    Promotion,
    Review,
    User,
    Variant,
)
from shop.services.checkout import NUMBER_ALPHABET
from tests.accounts import sign_in
from tests.dashboard.history import repeat_purchases
from tests.factories import ProductFactory, VariantFactory
from tests.shop.reviews import bought_before, ratings_unlike_their_rows, verified_without_an_order

pytestmark = pytest.mark.django_db

UNTIL = date(2025, 12, 31)
YEAR = kpis.Period(UNTIL - timedelta(days=364), UNTIL)
Status = Order.Status


@pytest.fixture
def catalogue():
    """Forty variants of twenty products at prices with awkward cents."""
    for n in range(20):
        product = ProductFactory(name=f"Thing {n}")
        for size, cents in (("S", 995 + n * 137), ("M", 1249 + n * 211)):
            VariantFactory(product=product, sku=f"T{n:02d}-{size}", size=size,
                           price=Decimal(cents) / 100, on_hand=5 + n, reserved=n % 3)
    ProductFactory(name="Retired", is_active=False)


def seed(orders: int, **options):
    return seed_order_history(orders=orders, until=UNTIL, **options)


def snapshot() -> dict:
    """Everything the history is made of that the dashboard and the reports read."""
    return {
        "figures": kpis.summary(YEAR),
        "months": [(row["start"], row["orders"], row["net_sales"], row["sessions"])
                   for row in kpis.series(YEAR, "month")],
        "orders": list(Order.objects.order_by("number").values_list(
            "number", "email", "status", "subtotal", "discount_total", "shipping_total",
            "tax_total", "total", "refunded_total", "created_at", "paid_at", "shipped_at",
            "delivered_at", "closed_at", "is_repeat_purchase",
        )),
        "lines": list(OrderLine.objects.order_by("order__number", "sku").values_list(
            "order__number", "sku", "quantity", "line_total", "quantity_restocked",
        )),
        "payments": list(Payment.objects.order_by("reference").values_list(
            "kind", "reference", "amount", "confirmed_at",
        )),
        "reviews": list(Review.objects.order_by("user__email", "product__name").values_list(
            "user__email", "product__name", "rating", "title", "body", "is_verified",
            "created_at",
        )),
        "ratings": list(Product.objects.order_by("name").values_list(
            "name", "rating_average", "rating_count",
        )),
    }


def forget_the_history():
    Payment.objects.all().delete()
    Order.objects.all().delete()
    User.objects.filter(email__endswith=DOMAIN).delete()
    SessionDay.objects.all().delete()


def test_the_same_seed_and_size_give_the_same_history(catalogue):
    seed(400)
    first = snapshot()
    forget_the_history()

    seed(400)

    assert snapshot() == first
    assert first["figures"]["orders"] > 300


def test_another_seed_gives_another_history(catalogue):
    seed(200)
    first = snapshot()
    forget_the_history()

    seed(200, seed=2)

    assert snapshot()["orders"] != first["orders"]


def test_the_history_holds_the_mix_of_orders_a_shop_sees(catalogue):
    seed(2000)

    statuses = Counter(Order.objects.values_list("status", flat=True))
    assert sum(statuses.values()) == 2000
    assert statuses[Status.DELIVERED] > 1500
    for status in (Status.REFUNDED, Status.PARTIALLY_REFUNDED, Status.CANCELLED,
                   Status.EXPIRED, Status.SHIPPED, Status.PAID):
        assert statuses[status] > 0, status
    assert statuses[Status.EXPIRED] + statuses[Status.CANCELLED] < 250
    assert Order.objects.filter(status=Status.DELIVERED, refunded_total__gt=0).exists()
    assert not Order.objects.filter(discount_total__gt=0).exists()  # the shop has no offers


def test_the_history_is_priced_with_the_shops_promotions_as_checkout_records_them(catalogue):
    load_demo_promotions()  # a spend threshold and a code (there is no Knitwear here)
    threshold = Promotion.objects.get(automatic=True, min_subtotal__isnull=False)
    seed(2000)

    discounted = Order.objects.filter(discount_total__gt=0)
    assert discounted.count() > 50
    for order in discounted.prefetch_related("lines", "discounts"):
        rows = list(order.discounts.all())
        assert sum(row.amount for row in rows) == order.discount_total
        assert sum(line.discount for line in order.lines.all()) + order.shipping_discount == (
            order.discount_total)
        assert order.total == (order.subtotal + order.shipping_total + order.tax_total
                               - order.discount_total)
        over = order.subtotal >= threshold.min_subtotal
        assert any(row.promotion_id == threshold.pk for row in rows) == over
    used = OrderDiscount.objects.filter(code__code="WELCOME10")
    assert used.count() > 20
    # Once per customer, as the code says.
    assert used.values("order__email").annotate(n=Count("pk")).filter(n__gt=1).count() == 0


def test_orders_never_paid_have_no_payment_and_paid_ones_a_capture_each(catalogue):
    seed(600)

    unpaid = Order.objects.filter(status__in=[Status.CANCELLED, Status.EXPIRED])
    assert unpaid.exists()
    assert not unpaid.filter(paid_at__isnull=False).exists()
    assert not Payment.objects.filter(order__in=unpaid).exists()
    assert all(order.closed_at > order.created_at for order in unpaid)
    paid = Order.objects.filter(paid_at__isnull=False)
    captures = Payment.objects.filter(kind=Payment.Kind.CAPTURE,
                                      status=Payment.Status.SUCCEEDED)
    assert captures.count() == paid.count()
    for order in paid.prefetch_related("payments"):
        capture, *refunds = order.payments.all()
        assert capture.reference == f"test_{order.number}"
        assert capture.amount == order.total == order.captured_total
        assert capture.confirmed_at == order.paid_at > order.created_at
        assert sum((r.amount for r in refunds), Decimal("0.00")) == order.refunded_total
        assert all(r.capture_reference == capture.reference for r in refunds)
        assert all(r.confirmed_at > order.paid_at for r in refunds)


def test_refunds_return_units_and_a_full_refund_returns_them_all(catalogue):
    seed(1000)

    refunded = Order.objects.filter(status=Status.REFUNDED)
    assert refunded.exists()
    for order in refunded.prefetch_related("lines"):
        assert order.refunded_total == order.total
        assert all(line.quantity_restocked == line.quantity for line in order.lines.all())
    partly = Order.objects.filter(refunded_total__gt=0).exclude(status=Status.REFUNDED)
    for order in partly.prefetch_related("lines"):
        assert 0 < order.refunded_total < order.total
        assert sum(line.quantity_restocked for line in order.lines.all()) > 0
    assert not OrderLine.objects.filter(order__refunded_total=0,
                                        quantity_restocked__gt=0).exists()


def test_orders_add_up_and_copy_the_catalogue(catalogue):
    seed(300)

    prices = dict(Variant.objects.values_list("sku", "price"))
    for order in Order.objects.prefetch_related("lines"):
        lines = order.lines.all()
        assert 1 <= len(lines) <= 4
        assert order.subtotal == sum(line.line_total for line in lines)
        assert order.total == (order.subtotal + order.shipping_total + order.tax_total
                               - order.discount_total)
        for line in lines:
            assert line.unit_price == prices[line.sku]
            assert line.line_total == line.unit_price * line.quantity
    assert not OrderLine.objects.filter(variant__product__is_active=False).exists()


def test_order_numbers_look_like_the_shops(catalogue):
    seed(300)

    pattern = re.compile(f"^[{NUMBER_ALPHABET}]{{5}}-[{NUMBER_ALPHABET}]{{5}}$")
    numbers = list(Order.objects.values_list("number", flat=True))
    assert len(set(numbers)) == 300
    assert all(pattern.match(number) for number in numbers)


def test_the_year_has_its_seasons(catalogue):
    seed(3000)

    days = {row["day"]: row["orders"] for row in kpis.daily(YEAR)}
    assert min(days) == date(2025, 1, 1) and max(days) == UNTIL
    assert sum(days.values()) > 2500

    def per_day(first: date, last: date, weekdays=range(7)) -> float:
        chosen = [count for day, count in days.items()
                  if first <= day <= last and day.weekday() in weekdays]
        return sum(chosen) / len(chosen)

    assert per_day(YEAR.start, UNTIL, (5, 6)) > per_day(YEAR.start, UNTIL, (1, 2)) * 1.15
    assert per_day(date(2025, 12, 1), date(2025, 12, 31)) > (
        per_day(date(2025, 6, 1), date(2025, 6, 30)) * 1.3
    )
    assert per_day(date(2025, 11, 24), date(2025, 12, 2)) > (
        per_day(date(2025, 11, 1), date(2025, 11, 20)) * 1.3
    )


def test_customers_come_back_some_with_accounts_some_as_guests(catalogue):
    seed(1000)

    per_customer = Counter(Order.objects.values_list("email", flat=True))
    returning = [email for email, count in per_customer.items() if count > 1]
    assert len(returning) > 100
    assert all(email.endswith(f"@{DOMAIN}") for email in per_customer)
    with_account = Order.objects.filter(user__isnull=False)
    assert with_account.exists() and Order.objects.filter(user__isnull=True).exists()
    assert all(order.user.email == order.email for order in with_account.select_related("user"))
    assert not any(user.has_usable_password() for user in User.objects.filter(
        email__endswith=DOMAIN))
    assert Decimal("0.2") < kpis.summary(YEAR)["returning_customer_rate"] < Decimal("0.6")


def stored_repeat_purchases() -> dict[int, bool]:
    paid = Order.objects.filter(paid_at__isnull=False)
    return dict(paid.values_list("pk", "is_repeat_purchase"))


def test_paid_orders_after_a_customers_first_are_repeat_purchases(catalogue):
    seed(1500)

    stored = stored_repeat_purchases()
    assert stored == repeat_purchases()
    assert 300 < sum(stored.values()) < 700
    unpaid = Order.objects.filter(paid_at__isnull=True)
    assert not unpaid.filter(is_repeat_purchase=True).exists()
    new = kpis.summary(YEAR)["new_customers"]
    firsts = Order.objects.filter(paid_at__isnull=False).values("email").distinct().count()
    assert new == firsts


def test_another_seeds_history_keeps_repeat_purchases_right(catalogue):
    seed(400)
    before = stored_repeat_purchases()

    seed(400, seed=2)  # the same customers, buying at other times of the same year

    stored = stored_repeat_purchases()
    assert stored == repeat_purchases()
    no_longer_first = [pk for pk, repeat in before.items() if not repeat and stored[pk]]
    assert no_longer_first  # the second history's orders came first for some


def test_sessions_convert_at_two_to_three_percent(catalogue):
    seed(1000)

    figures = kpis.summary(YEAR)
    assert Decimal("0.018") < figures["conversion_rate"] < Decimal("0.032")
    assert 30_000 < figures["sessions"] < 55_000
    placed = Order.objects.aggregate(n=Count("pk"))["n"]
    assert SessionDay.objects.filter(ordered=True).count() == placed
    assert SessionDay.objects.filter(day__lt=YEAR.start).count() == 0


def test_session_counts_the_dashboard_kept_for_the_year_are_counted_again(catalogue):
    assert kpis.summary(YEAR)["sessions"] == 0  # every day closed: kept, all empty

    seed(200)

    assert kpis.summary(YEAR)["sessions"] == SessionDay.objects.count() > 0


def test_customers_review_what_was_delivered_to_them(catalogue):
    seed(1000)

    reviews = Review.objects.select_related("user")
    assert 100 < reviews.count() < 300
    assert all(review.user.email.endswith(f"@{DOMAIN}") for review in reviews)
    verified = reviews.filter(is_verified=True)
    assert verified.count() > 0.8 * reviews.count()
    assert verified_without_an_order() == []
    for review in verified:  # and it had been delivered before the review was written
        assert Order.objects.filter(
            user=review.user, status=Status.DELIVERED, delivered_at__lt=review.created_at,
            lines__variant__product=review.product,
        ).exists(), review
    unverified = reviews.filter(is_verified=False)
    assert unverified.exists()
    assert not unverified.filter(bought_before()).exists()
    assert {review.rating for review in reviews} >= {2, 3, 4, 5}
    horizon = datetime.combine(UNTIL + timedelta(days=1), time.min, tzinfo=kpis.store_zone())
    assert all(review.created_at < horizon for review in reviews)


def test_every_rating_is_counted_from_the_reviews_written(catalogue):
    seed(1000)

    assert ratings_unlike_their_rows() == {}
    assert Product.objects.filter(rating_count__gt=0).count() >= 15
    assert not Product.objects.filter(reviews=None).exclude(rating_average=None).exists()


def test_another_seeds_reviews_keep_those_written_and_recount(catalogue):
    seed(400)
    first = dict(Review.objects.values_list("pk", "title"))

    seed(400, seed=2)

    after = dict(Review.objects.values_list("pk", "title"))
    assert len(after) > len(first)
    assert all(after[pk] == title for pk, title in first.items())
    assert ratings_unlike_their_rows() == {}
    assert verified_without_an_order() == []


def test_stock_is_left_alone(catalogue):
    before = list(Variant.objects.order_by("pk").values_list("on_hand", "reserved"))

    seed(500)

    assert list(Variant.objects.order_by("pk").values_list("on_hand", "reserved")) == before


def test_two_thousand_orders_take_seconds(catalogue):
    started = perf_counter()
    seed(2000)
    assert perf_counter() - started < 30
    assert OrderLine.objects.count() > 2000


def test_a_seed_is_added_once(catalogue):
    seed(300)
    with pytest.raises(AlreadySeeded, match="already here"):
        seed(300)
    assert Order.objects.count() == 300

    seed(100, seed=2)

    assert Order.objects.count() == 400
    assert Order.objects.aggregate(n=Sum("subtotal"))["n"] > 0


def test_without_a_catalogue_nothing_is_added():
    with pytest.raises(SeedError, match=re.escape("run `manage.py load_demo` first")):
        seed(100)
    assert not Order.objects.exists()
    assert not User.objects.exists()
    assert not SessionDay.objects.exists()


# --- the commands ----------------------------------------------------------------------------


def run(*args) -> str:
    output = StringIO()
    call_command(*args, stdout=output)
    return output.getvalue()


def test_the_command_adds_the_history_and_says_so_once(catalogue, settings):
    settings.DEMO_ACCOUNTS = True

    first = run("seed_demo", "--orders", "250")
    again = run("seed_demo", "--orders", "250")

    assert re.search(r"Order history added from \S+ to \S+: 250 orders \(\d+ paid\)", first)
    assert re.search(r"[1-9]\d* reviews", first)
    assert "already here; nothing was added" in again
    assert Order.objects.count() == 250
    assert Order.objects.latest("created_at").created_at.date() < kpis.today()


def test_the_command_refuses_outside_the_demos_settings_even_with_debug(catalogue, settings):
    settings.DEBUG, settings.DEMO_ACCOUNTS = True, False
    with pytest.raises(CommandError, match=r"only under the demo's settings"):
        run("seed_demo", "--orders", "10")
    assert not Order.objects.exists()


@pytest.mark.parametrize("orders", ["0", "-5", "2000000"])
def test_the_command_refuses_a_silly_number_of_orders(catalogue, settings, orders):
    settings.DEMO_ACCOUNTS = True
    with pytest.raises(CommandError, match="--orders must be between 1 and 1,000,000"):
        run("seed_demo", "--orders", orders)
    assert not Order.objects.exists()


def test_the_command_says_what_to_do_without_a_catalogue(settings):
    settings.DEMO_ACCOUNTS = True
    with pytest.raises(CommandError, match=re.escape("run `manage.py load_demo` first")):
        run("seed_demo")


def test_the_demo_staff_account_signs_in_and_sets_up_two_factor_first(client, settings):
    settings.DEMO_ACCOUNTS = True

    output = run("demo_staff")

    assert f"{EMAIL} with the password {PASSWORD}" in output
    staff = User.objects.get(email=EMAIL)
    assert staff.is_staff and staff.has_perm("dashboard.export_reports")
    assert sign_in(client, EMAIL, PASSWORD).status_code == 302
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/setup/?next=%2Fdashboard%2F"


def test_the_demo_staff_account_is_made_once_and_then_left_alone(settings):
    settings.DEMO_ACCOUNTS = True
    run("demo_staff")
    User.objects.filter(email=EMAIL).update(first_name="Changed")

    output = run("demo_staff")

    assert "already there" in output
    assert User.objects.get(email=EMAIL).first_name == "Changed"


def test_the_demo_staff_account_is_refused_outside_the_demos_settings_even_with_debug(
    settings
):
    settings.DEBUG, settings.DEMO_ACCOUNTS = True, False
    with pytest.raises(CommandError, match=r"made only under the demo's settings"):
        run("demo_staff")
    assert not User.objects.filter(email=EMAIL).exists()


def test_only_the_dev_settings_allow_the_demo():
    assert base_settings.DEMO_ACCOUNTS is False
    assert dev_settings.DEMO_ACCOUNTS is True


def test_a_number_of_customers_share_the_orders_exactly(catalogue):
    result = seed(400, customers=60)

    assert result.customers == 60
    assert Order.objects.values("email").distinct().count() == 60


def test_more_customers_than_orders_is_refused(catalogue):
    with pytest.raises(ValueError, match="cannot share"):
        seed(10, customers=11)


def test_the_demo_has_an_account_per_staff_role_each_holding_only_its_role(client, settings):
    settings.DEMO_ACCOUNTS = True

    output = run("demo_staff")

    for role, email in ROLE_ACCOUNTS.items():
        assert f"  {role:<11} {email}" in output
        person = User.objects.get(email=email)
        assert person.is_staff and not person.is_superuser
        assert [group.name for group in person.groups.all()] == [role]
    fulfilment = User.objects.get(email=ROLE_ACCOUNTS["Fulfilment"])
    assert fulfilment.has_perm("shop.fulfil_order")
    assert not fulfilment.has_perm("dashboard.export_reports")
    assert sign_in(client, fulfilment.email, PASSWORD).status_code == 302
