"""A customer with something of every kind the shop keeps about a person, for the tests of
the data export and of closing an account: orders placed signed in and as a guest (paid,
shipped, delivered, refunded, expired), their payments, refunds and webhooks, reviews of a
product and of a shop, a wishlist, a saved shop, a cart, an address book, second factors,
audit entries, a sign-in lock and the admin's history. Beside it, a scan of every text
column of the database for a value, and the dashboard's and reports' figures, for the tests
that nothing personal is left and that the money adds up the same after an erasure."""

import json
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone

from dashboard import kpis
from dashboard.reports import selectors as report_selectors
from payments.models import Payment, WebhookEvent
from security.models import AuditEntry, LoginLock
from shop.models import (
    Address,
    Cart,
    CartLine,
    Order,
    SavedSeller,
    Seller,
    SellerReview,
    User,
    WishlistItem,
)
from shop.services import checkout, fulfilment, orders, reviews
from tests.accounts import make_account
from tests.factories import ProductFactory, VariantFactory
from tests.second_factor import add_app_device
from tests.shop.buying import standard_shipping

EMAIL = "philippa.quartermaine@example.com"
GUEST_EMAIL = "Philippa.Quartermaine@Example.com"  # the same person, typed another way
FIRST, LAST = "Philippa", "Quartermaine"
ADDRESS = {
    "full_name": "Philippa Quartermaine", "line1": "77 Zephyrine Crescent",
    "line2": "Flat 9b Hollowmere", "city": "Wexhollow", "region": "IL",
    "postal_code": "62799", "country": "US", "phone": "+1 217 555 0199",
}
CLIENT_IP = "203.0.113.77"


@dataclass
class Person:
    user: User
    orders: list[Order] = field(default_factory=list)

    @property
    def personal_values(self) -> list[str]:
        """What must be gone from every table once the account is closed."""
        return [EMAIL, FIRST, LAST, ADDRESS["full_name"], ADDRESS["line1"], ADDRESS["line2"],
                ADDRESS["city"], ADDRESS["postal_code"], ADDRESS["phone"], CLIENT_IP]


def place(variant, *, user=None, email=EMAIL, quantity=1) -> Order:
    cart = Cart.objects.create()
    CartLine.objects.create(cart=cart, variant=variant, quantity=quantity)
    return checkout.place_order(
        cart=cart, buyer=checkout.Buyer(email=email, user=user), address=ADDRESS,
        shipping_method_id=standard_shipping().pk, provider="test", client_ip=CLIENT_IP,
    )


def pay(order: Order) -> Order:
    Payment.objects.create(order=order, provider="test", kind=Payment.Kind.CAPTURE,
                           amount=order.total, currency=order.currency,
                           reference=f"cap-{order.number}", confirmed_at=timezone.now())
    WebhookEvent.objects.create(
        provider="test", event_id=f"evt-{order.number}", type="payment.captured",
        order_number=order.number, status=WebhookEvent.Status.PROCESSED,
        payload=json.dumps({"order": order.number, "payer": {
            "email": order.email, "name": ADDRESS["full_name"], "phone": ADDRESS["phone"],
            "address": {"line1": ADDRESS["line1"], "city": ADDRESS["city"],
                        "postal_code": ADDRESS["postal_code"]}}, "amount": str(order.total)}),
    )
    return orders.mark_paid(order_id=order.pk, amount=order.total, currency=order.currency,
                            provider="test")


def ship(order: Order, *, deliver: bool = False) -> Order:
    fulfilment.mark_shipped(order_id=order.pk, tracking_number=f"TRK{order.pk:06d}")
    if deliver:
        fulfilment.mark_delivered(order_id=order.pk)
    return Order.objects.get(pk=order.pk)


def refund(order: Order, amount: Decimal, *, pending: bool = False) -> Payment:
    """A refund row: confirmed (and counted on the order), or still waiting for the
    provider."""
    payment = Payment.objects.create(
        order=order, provider="test", kind=Payment.Kind.REFUND, amount=amount,
        currency=order.currency, capture_reference=f"cap-{order.number}",
        status=Payment.Status.PENDING if pending else Payment.Status.SUCCEEDED,
        reference="" if pending else f"re-{order.number}",
        note=f"Goodwill refund for {FIRST}",
    )
    if not pending:
        Order.objects.filter(pk=order.pk).update(refunded_total=amount)
    return payment


def make_person(*, two_factor: bool = False) -> Person:
    """The customer, with every kind of data; all their orders are closed (none open)."""
    user = make_account(EMAIL, first_name=FIRST, last_name=LAST)
    person = Person(user=user)
    if two_factor:
        add_app_device(user)
    tee = ProductFactory(name="Linen Shirt", slug="linen-shirt")
    variant = VariantFactory(product=tee, sku="LIN-M", price=Decimal("30.00"), on_hand=50)
    pottery = Seller.objects.create(name="Hilltop Pottery", slug="hilltop-pottery",
                                    contact_email="pots@example.com",
                                    status=Seller.Status.APPROVED)
    mug = ProductFactory(name="Glazed Mug", slug="glazed-mug", seller=pottery)
    mug_variant = VariantFactory(product=mug, sku="MUG-1", price=Decimal("12.00"), on_hand=50)

    delivered = ship(pay(place(variant, user=user, quantity=2)), deliver=True)
    shipped = ship(pay(place(mug_variant, user=user)))
    refund(shipped, Decimal("5.00"))
    guest = ship(pay(place(variant, email=GUEST_EMAIL)))
    expired = place(variant, user=user)
    orders.expire_order(order_id=expired.pk, now=expired.payment_deadline + timedelta(minutes=1))
    orders.add_note(order_id=delivered.pk, note=f"{FIRST} called from {ADDRESS['phone']}.")
    person.orders = [Order.objects.get(pk=o.pk) for o in (delivered, shipped, guest, expired)]

    Address.objects.create(user=user, is_default=True, **ADDRESS)
    reviews.submit_review(product=tee, user=user, rating=2, title="Shrank in the wash",
                          body=f"Signed, {FIRST}.")
    SellerReview.objects.create(seller=pottery, user=user, rating=5, body="Lovely mugs.")
    WishlistItem.objects.create(user=user, product=mug)
    SavedSeller.objects.create(user=user, seller=pottery)
    cart, _ = Cart.objects.get_or_create(user=user)
    CartLine.objects.create(cart=cart, variant=variant, quantity=1)

    AuditEntry.objects.create(actor=user, actor_label=EMAIL, action="2fa.enabled",
                              object_type="shop.User", object_id=str(user.pk),
                              object_label=EMAIL, ip=CLIENT_IP)
    AuditEntry.objects.create(actor_label="staff@example.com", action="order.note",
                              object_type="shop.Order", object_id=str(delivered.pk),
                              object_label=delivered.number, ip="192.0.2.1",
                              details={"note": f"{FIRST} called, wants {EMAIL} updated"})
    LoginLock.objects.create(identifier=EMAIL, ip=CLIENT_IP, failures=2)
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk),
        object_repr=EMAIL, action_flag=CHANGE, change_message=f"Changed name of {EMAIL}.",
        user=make_account("admin@example.com", is_staff=True),
    )
    return person


TEXT_TYPES = {"CharField", "TextField", "JSONField", "GenericIPAddressField", "EmailField",
              "SlugField", "URLField"}


def text_columns() -> list[tuple[str, str]]:
    """(table, column) for every column of every table that holds text, JSON or an address,
    as the database itself describes them."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for column in connection.introspection.get_table_description(cursor, table):
                try:
                    kind = connection.introspection.get_field_type(column.type_code, column)
                except KeyError:
                    continue
                if kind in TEXT_TYPES:
                    found.append((table, column.name))
    return found


def tables_holding(value: str) -> list[tuple[str, str]]:
    quote = connection.ops.quote_name
    hits = []
    with connection.cursor() as cursor:
        for table, column in text_columns():
            # The names come from the database's own catalogue, quoted.
            cursor.execute(
                f"SELECT COUNT(*) FROM {quote(table)} "  # noqa: S608
                f"WHERE LOWER(CAST({quote(column)} AS TEXT)) LIKE %s",
                [f"%{value.lower()}%"],
            )
            if cursor.fetchone()[0]:
                hits.append((table, column))
    return hits


def figures() -> tuple:
    """The dashboard's summary and the sales and product reports' rows and money totals
    over the last 30 days."""
    today = kpis.today()
    period = kpis.Period(today - timedelta(days=30), today)
    sales = list(report_selectors.sales_rows(period))
    products = list(report_selectors.product_rows(period))
    money = [sum((Decimal(row[i] or 0) for row in sales), Decimal(0))
             for i in range(len(sales[0])) if isinstance(sales[0][i], Decimal)]
    return kpis.summary(period), len(sales), money, products
