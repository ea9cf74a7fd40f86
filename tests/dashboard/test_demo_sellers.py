"""The demo's marketplace: the store and three approved sellers with products of their own,
one application waiting, owners who can sign in to the seller portal, and a year of history
whose orders span shops, each seller's part in a parcel of its own."""

from collections import Counter
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.sites.models import Site
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count, F, Sum
from django.test import override_settings
from django.utils.html import escape

from core.money import to_cents
from dashboard.demo.history import seed_order_history
from dashboard.demo.sellers import APPLICATION, OWNERS, SHOWN
from dashboard.demo.staff import PASSWORD
from shop import demo
from shop.demo.promotions import load_demo_promotions
from shop.demo.sellers import SELLERS, load_demo_sellers
from shop.models import Order, OrderLine, Product, Seller, SellerMember, Shipment, Variant
from tests.accounts import sign_in
from tests.second_factor import sign_in_with_second_factor

pytestmark = pytest.mark.django_db

UNTIL = date(2025, 12, 31)
ORDERS = 1500
Status = Order.Status


@pytest.fixture(scope="module")
def marketplace(django_db_setup, django_db_blocker):
    """The demo as `make run` loads it (its images aside), with a smaller year of history;
    what `manage.py demo_staff` printed. Loaded once for the module, in a transaction rolled
    back after its last test (each test's own changes are rolled back to a savepoint)."""
    with django_db_blocker.unblock(), transaction.atomic():
        # As tests/conftest.py does for each test: a test that committed may have emptied
        # the tables of the rows the migrations wrote (the store, the shipping methods).
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents and not Site.objects.exists():
            connection.creation.deserialize_db_from_string(contents)
        demo.load_demo_catalogue(draw_images=False)
        load_demo_promotions()
        load_demo_sellers()
        seed_order_history(orders=ORDERS, until=UNTIL)
        output = StringIO()
        with override_settings(DEMO_ACCOUNTS=True):
            call_command("demo_staff", stdout=output)
        yield output.getvalue()
        transaction.set_rollback(True)


def test_the_store_has_three_approved_sellers_and_one_application(marketplace):
    statuses = Counter(Seller.objects.values_list("status", flat=True))

    assert statuses == {Seller.Status.APPROVED: 4, Seller.Status.PENDING: 1}
    assert Seller.objects.get(is_store=True).status == Seller.Status.APPROVED
    approved = Seller.objects.approved().filter(is_store=False)
    assert {seller.slug for seller in approved} == {spec.slug for spec in SELLERS}
    assert len({(s.name, s.description, s.contact_email) for s in approved}) == 3
    assert {seller.commission_rate for seller in approved} == {
        Decimal("10.00"), Decimal("12.50"), Decimal("15.00")}
    for seller in approved:
        assert seller.return_address and seller.return_policy and seller.approved_at
        assert all(link.startswith("https://") for link in seller.link_list)
        branches = list(seller.branches.all())
        assert 1 <= len(branches) <= 2
        assert all(b.address and b.latitude is not None and b.longitude is not None
                   for b in branches)
        owner = SellerMember.objects.get(seller=seller, role=SellerMember.Role.OWNER).user
        assert owner.email == OWNERS[seller.slug][2] == seller.applied_by.email


def test_the_application_is_a_customers_and_lists_nothing(marketplace):
    pending = Seller.objects.get(status=Seller.Status.PENDING)

    assert pending.name == APPLICATION.shop["name"]
    assert pending.applied_by.email == APPLICATION.email
    assert not pending.applied_by.is_staff
    assert pending.members.get().user == pending.applied_by
    assert not pending.products.exists()
    assert pending.branches.count() == 1


def test_each_seller_owns_an_aisle_of_products_with_stock(marketplace):
    for seller in Seller.objects.approved().filter(is_store=False):
        products = Product.objects.filter(seller=seller)
        assert products.count() >= 10
        assert products.values("category").distinct().count() == 1
        assert not products.filter(seller_listed=False).exists()
        assert Variant.objects.filter(product__seller=seller, on_hand__gt=0).count() >= 10
    store = Product.objects.filter(seller__is_store=True)
    assert store.count() > Product.objects.exclude(seller__is_store=True).count()


def test_each_approved_seller_has_paid_lines_at_its_commission(marketplace):
    for seller in Seller.objects.approved().filter(is_store=False):
        paid = OrderLine.objects.filter(seller=seller, order__paid_at__isnull=False)
        assert paid.count() > 20, seller.name
        assert set(paid.values_list("commission_rate", flat=True)) == {seller.commission_rate}
    store_lines = OrderLine.objects.filter(seller__is_store=True)
    assert set(store_lines.values_list("commission_rate", flat=True)) == {Decimal("0")}


def test_every_line_is_its_products_sellers(marketplace):
    lines = OrderLine.objects.filter(variant__isnull=False)  # the variant still exists

    assert lines.exists()
    assert not lines.exclude(seller=F("variant__product__seller")).exists()


def test_orders_from_several_shops_have_a_parcel_per_seller(marketplace):
    orders = Order.objects.prefetch_related("lines", "shipments")
    several = 0
    for order in orders:
        shipments = list(order.shipments.all())
        assert sorted(s.seller_id for s in shipments) == sorted(
            {line.seller_id for line in order.lines.all()}), order.number
        assert sum(s.shipping for s in shipments) == order.shipping_total, order.number
        several += len(shipments) > 1
    assert several > 0.1 * ORDERS


def test_shipping_is_charged_per_parcel(marketplace):
    for order in Order.objects.annotate(parcel_count=Count("shipments")).filter(parcel_count__gt=1):
        price = order.shipping_method.price
        assert order.shipping_total in {0, price * order.parcel_count}, order.number


def test_parcels_go_as_their_orders_went(marketplace):
    for order in Order.objects.prefetch_related("shipments"):
        statuses = {shipment.status for shipment in order.shipments.all()}
        if order.status in (Status.DELIVERED, Status.REFUNDED):
            assert statuses == {Shipment.Status.DELIVERED}, order.number
        elif order.status == Status.SHIPPED:
            assert Shipment.Status.PENDING not in statuses, order.number
        elif order.status != Status.PARTIALLY_SHIPPED:
            assert statuses == {Shipment.Status.PENDING}, order.number
        for shipment in order.shipments.all():
            left = shipment.status != Shipment.Status.PENDING
            assert bool(shipment.tracking_number) == left == bool(shipment.shipped_at)
            assert (shipment.status == Shipment.Status.DELIVERED) == bool(shipment.delivered_at)


def test_some_recent_orders_are_partly_shipped(marketplace):
    partly = Order.objects.filter(status=Status.PARTIALLY_SHIPPED).prefetch_related("shipments")

    assert partly.exists()
    for order in partly:
        statuses = sorted(s.status for s in order.shipments.all())
        assert Shipment.Status.PENDING in statuses and len(set(statuses)) > 1
        assert order.paid_at.date() > date(2025, 12, 20)
        assert order.shipped_at is None and order.tracking_number


def test_refunds_by_line_are_within_what_was_paid_and_add_up(marketplace):
    refunded_lines = OrderLine.objects.filter(refunded__gt=0)

    assert refunded_lines.values("seller").distinct().count() > 1
    # Compared in Python: SQLite would subtract the decimals in floating point.
    assert all(line.refunded <= line.paid for line in refunded_lines)
    assert not OrderLine.objects.filter(refunded__gt=0, order__refunded_total=0).exists()
    for order in Order.objects.filter(status=Status.REFUNDED).prefetch_related("lines"):
        assert all(line.refunded == line.paid for line in order.lines.all())
    partly = Order.objects.filter(refunded_total__gt=0).exclude(status=Status.REFUNDED)
    assert partly.exists()
    for order in partly.annotate(goods=Sum("lines__refunded")):
        assert order.refunded_total == order.goods + to_cents(order.goods * order.tax_rate)


def test_orders_still_add_up(marketplace):
    for order in Order.objects.prefetch_related("lines"):
        lines = order.lines.all()
        assert order.subtotal == sum(line.line_total for line in lines)
        assert order.total == (order.subtotal + order.shipping_total + order.tax_total
                               - order.discount_total)


def test_the_sellers_sign_in_is_printed_and_sets_up_two_factor_first(marketplace, client):
    email = OWNERS[SHOWN][2]

    assert f"{email} with the password {PASSWORD}" in marketplace
    assert "first visit to /sell/ sets up two-factor authentication" in marketplace
    assert APPLICATION.email in marketplace
    assert sign_in(client, email, PASSWORD).status_code == 302
    response = client.get("/sell/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/setup/?next=%2Fsell%2F"


def test_a_sellers_owner_past_the_second_factor_opens_their_shop(marketplace, client):
    seller = Seller.objects.get(slug=SHOWN)
    sign_in_with_second_factor(client, seller.applied_by)

    response = client.get("/sell/")

    assert response.status_code == 200
    assert escape(seller.name) in response.content.decode()


def test_loading_again_adds_no_seller_and_no_account(marketplace, settings):
    settings.DEMO_ACCOUNTS = True
    before = (Seller.objects.count(), SellerMember.objects.count(),
              list(Product.objects.order_by("pk").values_list("pk", "seller_id")))

    assert load_demo_sellers().created == 0
    call_command("demo_staff", stdout=StringIO())

    assert before == (Seller.objects.count(), SellerMember.objects.count(),
                      list(Product.objects.order_by("pk").values_list("pk", "seller_id")))


def test_the_sellers_see_page_views_from_rows(marketplace):
    from dashboard.models import PageViewDay

    for seller in Seller.objects.filter(status=Seller.Status.APPROVED, is_store=False):
        slugs = Product.objects.filter(seller=seller).values("slug")
        assert PageViewDay.objects.filter(kind="product", slug__in=slugs).exists()
        assert PageViewDay.objects.filter(kind="shop", slug=seller.slug).exists()
