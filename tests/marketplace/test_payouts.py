"""Payouts: per seller, gross, discounts and refunds of their lines, the store's commission
and what is payable, adding up across shops to the dashboard's figures to the cent; refunds
by line come out of the line's seller; recording a payout settles those lines."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dashboard import kpis, payouts
from dashboard.kpis import Period
from payments import refunds
from payments.providers.test import TestProvider
from payments.services import apply_event
from security.models import AuditEntry
from shop.errors import ShopError
from shop.models import Order, Promotion
from tests.dashboard.test_roles import as_role
from tests.factories import VariantFactory
from tests.marketplace.sellers import make_seller, variant_of
from tests.shop.buying import place

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("providers_on")]
D = Decimal


def paid(*lines, **kwargs) -> Order:
    order = place(*lines, **kwargs)
    with TestCase.captureOnCommitCallbacks(execute=True):
        apply_event(TestProvider().decision(order, approve=True))
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    return order


def refund(order: Order, staff, **wanted) -> None:
    with TestCase.captureOnCommitCallbacks(execute=True):
        refunds.request_refund(order_id=order.pk, actor=staff,
                               wanted=refunds.RefundRequest(**wanted))
    order.refresh_from_db()


@pytest.fixture
def today() -> Period:
    return Period.last(1)


@pytest.fixture
def shops(staff):
    """Two sellers at 10% and 12.5%, orders across them and the store, a promotion, refunds
    by line, by amount and a cancellation: the awkward cents of a real month."""
    hill, dale = make_seller("Hill", commission="10"), make_seller("Dale", commission="12.5")
    mug = variant_of(hill, price="19.99", on_hand=50)
    bowl = variant_of(dale, price="33.33", on_hand=50)
    lamp = VariantFactory(price=D("47.10"), on_hand=50)
    offer = Promotion.objects.create(name="A third off bowls", automatic=True,
                                     benefit="percent", value=D("33.33"))
    offer.products.add(bowl.product)
    first = paid((mug, 3), (bowl, 2), (lamp, 1))
    second = paid((mug, 1), (lamp, 2), email="bea@example.com")
    third = paid((bowl, 1), (mug, 2), email="cy@example.com")
    mug_line = first.lines.get(variant=mug)
    refund(first, staff, lines={mug_line.pk: 1}, restock=True)    # one mug back, Hill's
    refund(second, staff, amount=D("5.00"))                         # goodwill: the store's
    refund(third, staff, cancel_order=True, lines={}, restock=False)  # all of it back
    return {"hill": hill, "dale": dale, "mug": mug, "orders": [first, second, third]}


def test_a_refund_by_line_comes_out_of_that_lines_seller(shops, today):
    hill_line = shops["orders"][0].lines.get(seller=shops["hill"])
    hill_line.refresh_from_db()
    assert hill_line.refunded == (hill_line.paid / 3).quantize(D("0.01"))
    assert hill_line.quantity_restocked == 1
    shops["mug"].refresh_from_db()
    assert shops["mug"].on_hand == 50 - 6 + 1  # the unit went back on Hill's shelf
    dale_first = shops["orders"][0].lines.get(seller=shops["dale"])
    assert dale_first.refunded == 0
    # The cancelled order gave every line back to its seller.
    assert all(line.refunded == line.paid for line in shops["orders"][2].lines.all())


def test_payouts_add_up_to_the_stores_figures_to_the_cent(shops, today):
    rows = payouts.statement(today)
    figures = kpis.summary(today)
    totals = payouts.totals(rows)
    assert [row.seller.name for row in rows][1:] == ["Dale", "Hill"]
    assert rows[0].seller.is_store
    assert totals["gross"] == figures["gross_sales"]
    assert totals["discounts"] == figures["discounts"]
    assert totals["refunds"] == figures["refunds"]
    assert totals["net"] == figures["net_sales"]
    assert totals["payable"] == figures["net_sales"] - totals["commission"]
    assert rows[0].commission == 0  # the store takes no commission from itself
    for row in rows[1:]:
        rate = row.seller.commission_rate
        assert row.commission == (row.net * rate / 100).quantize(D("0.01"))
        assert row.payable == row.net - row.commission
    # Hill's refunds are its refunded mug, and the lines of the cancelled order.
    hill = next(row for row in rows if row.seller == shops["hill"])
    refunded = sum(line.refunded for order in shops["orders"]
                   for line in order.lines.filter(seller=shops["hill"]))
    assert hill.refunds == refunded > 0


def test_the_payouts_report_totals_equal_the_dashboards(client, shops, today):
    as_role(client, "Finance")
    query = f"?start={today.start:%Y-%m-%d}&end={today.end:%Y-%m-%d}"
    text = b"".join(client.get(reverse("dashboard:report", args=["payouts", "csv"]) + query)
                    .streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["Shop", "Status", "Gross sales"]
    response = client.get(reverse("dashboard:report", args=["payouts", "xlsx"]) + query)
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["Payouts"]
    total = list(sheet.iter_rows(values_only=True))[-1]
    figures = kpis.summary(today)
    assert total[0] == "Total"
    assert [D(str(value)).quantize(D("0.01")) for value in total[2:6]] == [
        figures["gross_sales"], figures["discounts"], figures["refunds"], figures["net_sales"]]
    assert sum(D(row[5]) for row in rows[1:]) == figures["net_sales"]


def test_recording_a_payout_settles_those_lines_once(client, shops, today):
    hill = shops["hill"]
    as_role(client, "Finance")
    before = next(row for row in payouts.statement(today) if row.seller == hill)
    response = client.post(reverse("dashboard:seller-payout", args=[hill.pk]),
                           {"start": today.start, "end": today.end, "reference": "TR-001"})
    assert response.status_code == 302
    payout = hill.payouts.get()
    assert payout.amount == before.payable
    after = next(row for row in payouts.statement(today) if row.seller == hill)
    assert (after.settled, after.outstanding) == (before.payable, 0)
    assert AuditEntry.objects.filter(action="seller.payout_recorded").count() == 1
    with pytest.raises(ShopError, match="nothing left to be paid"):
        payouts.record_payout(seller_id=hill.pk, period=today, reference="TR-002",
                              actor=payout.recorded_by)
    # Later orders are paid out by the next payout.
    later = paid((shops["mug"], 1), email="dee@example.com")
    assert later.lines.get().payout is None
    assert next(row for row in payouts.statement(today)
                if row.seller == hill).outstanding > 0


def test_a_payout_needs_a_reference_and_the_right_role(client, shops, today):
    hill = shops["hill"]
    as_role(client, "Finance")
    response = client.post(reverse("dashboard:seller-payout", args=[hill.pk]),
                           {"start": today.start, "end": today.end, "reference": " "})
    assert response.status_code == 200 and "This field is required." in response.text
    other = client.__class__()
    as_role(other, "Support")
    assert other.post(reverse("dashboard:seller-payout", args=[hill.pk]),
                      {"start": today.start, "end": today.end,
                       "reference": "X"}).status_code == 403
    assert not hill.payouts.exists()


def test_the_sellers_page_shows_sales_by_shop_with_the_same_totals(client, shops, today):
    as_role(client, "Manager")
    page = client.get(reverse("dashboard:sellers")).text
    assert 'id="chart-sales-by-shop-title"' in page
    net = kpis.summary(today)["net_sales"]
    assert f"${net:,}" in page
    yesterday = timezone.localdate() - timedelta(days=1)
    bad = client.get(reverse("dashboard:sellers") + f"?start={yesterday}&end=2020-01-01")
    assert bad.status_code == 200 and "Swap them" in bad.text


def test_a_refund_after_a_payout_shows_what_the_seller_owes_back(client, staff, today):
    hill = make_seller("Hill", commission="10")
    mug = variant_of(hill, price="20.00")
    order = paid((mug, 2))
    payout = payouts.record_payout(seller_id=hill.pk, period=today, reference="TR-1",
                                   actor=staff)
    assert payout.amount == D("36.00")
    refund(order, staff, lines={order.lines.get().pk: 2})
    row = payouts.statement(today, seller=hill)[0]
    assert (row.payable, row.settled, row.outstanding) == (D("0.00"), D("36.00"), D("-36.00"))
    with pytest.raises(ShopError, match=r"It owes 36\.00 back"):
        payouts.record_payout(seller_id=hill.pk, period=today, reference="TR-2", actor=staff)


def test_the_same_goods_are_not_refunded_twice(staff):
    hill = make_seller("Hill")
    order = paid((variant_of(hill, price="20.00"), 1))
    line = order.lines.get()
    refund(order, staff, lines={line.pk: 1})
    with pytest.raises(ShopError, match=r"has 0\.00 USD left to refund"):
        refunds.request_refund(order_id=order.pk, actor=staff,
                               wanted=refunds.RefundRequest(lines={line.pk: 1}))


def test_a_parcel_refunded_in_full_before_it_left_is_cancelled(staff):
    from shop.services import fulfilment

    hill, dale = make_seller("Hill"), make_seller("Dale")
    order = paid((variant_of(hill), 1), (variant_of(dale), 1))
    fulfilment.mark_shipped(order_id=order.pk, tracking_number="HILL-1", seller_id=hill.pk)
    order.refresh_from_db()
    assert order.status == Order.Status.PARTIALLY_SHIPPED
    refund(order, staff, lines={order.lines.get(seller=dale).pk: 1})
    assert order.shipments.get(seller=dale).status == "cancelled"
    assert order.status == Order.Status.SHIPPED  # all that is left to send has left
    fulfilment.mark_delivered(order_id=order.pk)
    order.refresh_from_db()
    assert order.status == Order.Status.DELIVERED


def test_an_order_shipped_before_parcels_were_kept_can_still_be_delivered(staff):
    from shop.services import fulfilment

    order = paid((VariantFactory(), 1))
    fulfilment.mark_shipped(order_id=order.pk, tracking_number="OLD-1")
    order.shipments.all().delete()  # as an order shipped before sellers came
    fulfilment.mark_delivered(order_id=order.pk)
    order.refresh_from_db()
    assert order.status == Order.Status.DELIVERED
    assert order.shipments.get().tracking_number == "OLD-1"
