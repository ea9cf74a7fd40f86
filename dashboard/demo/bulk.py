"""Writing the demo order history (see dashboard.demo.history) in bulk.

Owns create_users, OrderWriter (orders with their lines, payments, discounts, parcels and
risk rows), write_reviews, write_events, mark_repeat_purchases, add_sessions and
refresh_statistics: the inserts, a batch at a time, and nothing about what is inserted.
The caller holds the transaction.
"""

from collections.abc import Iterable
from contextlib import contextmanager
from datetime import date, datetime

from django.contrib.auth.hashers import make_password
from django.db import connection

from dashboard.demo.people import DOMAIN, Customer
from dashboard.models import SessionDay
from payments.models import Payment
from shop.models import (
    Order,
    OrderDiscount,
    OrderEvent,
    OrderLine,
    OrderRisk,
    Review,
    Shipment,
    User,
)

BATCH = 2000


def create_users(people: list[Customer], *, joined: datetime) -> dict[str, int]:
    """Accounts for the customers who have one (no usable password: nobody signs in as
    them), made once however often this runs; returns their ids by email."""
    no_password = make_password(None)
    accounts = [
        User(email=p.email, first_name=p.first_name, last_name=p.last_name,
             password=no_password, date_joined=joined)
        for p in people if p.has_account
    ]
    User.objects.bulk_create(accounts, batch_size=BATCH, ignore_conflicts=True)
    emails = {account.email for account in accounts}
    found = User.objects.filter(email__endswith=f"@{DOMAIN}").values_list("email", "pk")
    return {email: pk for email, pk in found if email in emails}


class OrderWriter:
    """Collects orders with their lines, payments, discounts, shipments and risk rows
    (unsaved, each pointing at its order) and inserts them BATCH orders at a time."""

    def __init__(self):
        self.batch: list[tuple[Order, list[OrderLine], list[Payment], list[OrderDiscount],
                               list[Shipment], OrderRisk]] = []
        self.paid = self.lines = self.payments = self.shipments = 0

    def add(self, order: Order, lines: list[OrderLine], payments: list[Payment],
            discounts: list[OrderDiscount], shipments: list[Shipment], risk: OrderRisk) -> None:
        self.batch.append((order, lines, payments, discounts, shipments, risk))
        if len(self.batch) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.batch:
            return
        lines = [line for _, order_lines, *_ in self.batch for line in order_lines]
        payments = [payment for _, _, order_payments, *_ in self.batch
                    for payment in order_payments]
        discounts = [row for *_, order_discounts, _, _ in self.batch for row in order_discounts]
        shipments = [row for *_, order_shipments, _ in self.batch for row in order_shipments]
        with _keeping_times(Order, Payment):
            # Both databases hand back the new ids, which the rows pointing at them then take.
            Order.objects.bulk_create([order for order, *_ in self.batch])
            OrderLine.objects.bulk_create(lines)
            Payment.objects.bulk_create(payments)
            OrderDiscount.objects.bulk_create(discounts)
            Shipment.objects.bulk_create(shipments)
            OrderRisk.objects.bulk_create([risk for *_, risk in self.batch])
        self.paid += sum(1 for order, *_ in self.batch if order.paid_at)
        self.lines += len(lines)
        self.payments += len(payments)
        self.shipments += len(shipments)
        self.batch = []


def write_reviews(reviews: list[Review]) -> None:
    """Insert reviews with the times they were given; one a customer already wrote of the
    same product stays as it is."""
    with _keeping_times(Review):
        Review.objects.bulk_create(reviews, batch_size=BATCH, ignore_conflicts=True)


def write_events(events: list[OrderEvent]) -> None:
    """Insert timeline events with the times they were given."""
    with _keeping_times(OrderEvent):
        OrderEvent.objects.bulk_create(events, batch_size=BATCH)


def mark_repeat_purchases(order_ids: list[int]) -> None:
    """Mark orders already in the database as repeat purchases, a batch at a time."""
    for start in range(0, len(order_ids), BATCH):
        Order.objects.filter(pk__in=order_ids[start:start + BATCH]).update(
            is_repeat_purchase=True
        )


@contextmanager
def _keeping_times(*models):
    """bulk_create stamps `auto_now_add` and `auto_now` fields with the current time; past
    orders, payments and reviews keep the times they were given. Only this process is
    affected, for the length of the block."""
    stamped = [
        (field, attribute)
        for model in models for field in model._meta.concrete_fields
        for attribute in ("auto_now_add", "auto_now") if getattr(field, attribute, False)
    ]
    for field, attribute in stamped:
        setattr(field, attribute, False)
    try:
        yield
    finally:
        for field, attribute in stamped:
            setattr(field, attribute, True)


# One statement per day makes the day's sessions in the database itself: the benchmark's
# 100,000 orders come with four million sessions, minutes of work through bulk_create. The
# numbers come from a recursive query, which SQLite and PostgreSQL both understand.
SESSIONS_SQL = """
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %s)
INSERT INTO {table} (day, {key}, ordered)
SELECT %s, %s || CAST(i AS TEXT), i <= %s FROM n WHERE true
ON CONFLICT DO NOTHING
"""


def add_sessions(prefix: str, days: Iterable[tuple[date, int, int]]) -> int:
    """For each (day, sessions, ordered), that many sessions, the first `ordered` of them
    marked as having ordered; keys are `prefix`, the day and a number, which never meet a
    real session's key (a hex digest). Returns how many sessions there were."""
    quote = connection.ops.quote_name
    sql = SESSIONS_SQL.format(table=quote(SessionDay._meta.db_table), key=quote("key"))
    total = 0
    with connection.cursor() as cursor:
        for day, sessions, ordered in days:
            cursor.execute(sql, [sessions, day, f"{prefix}-{day:%Y%m%d}-", ordered])
            total += sessions
    return total


def refresh_statistics() -> None:
    """After a bulk load the query planner's row counts are stale until autovacuum comes
    round, and the dashboard and the benchmark query these tables straight away."""
    with connection.cursor() as cursor:
        for model in (User, Order, OrderLine, Payment, OrderRisk, SessionDay):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
