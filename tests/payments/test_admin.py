"""Staff read the transaction history in the admin: a list of every payment, filtered by
provider and kind, and each order's payments on its page. Nobody edits it by hand."""

from decimal import Decimal

import pytest
from django.urls import reverse

from payments.models import Payment
from payments.providers.base import PaymentEvent
from payments.services import apply_event
from tests.factories import VariantFactory
from tests.shop.buying import place

pytestmark = pytest.mark.django_db
CHANGELIST = "admin:payments_payment_changelist"


@pytest.fixture
def order():
    return place((VariantFactory(on_hand=5, price=Decimal("30.00")), 1))


def report(order, *, kind="captured", provider="test", reference="ref_1", amount=None):
    """What a provider would report, gone through the one path that records payments."""
    apply_event(PaymentEvent(
        provider=provider, kind=kind, order_number=order.number,
        amount=order.total if amount is None else amount, currency=order.currency,
        reference=reference,
    ))
    return Payment.objects.get(provider=provider, reference=reference)


def listed(response) -> set[str]:
    return {payment.reference for payment in response.context["cl"].result_list}


def test_payment_list_filters_by_kind(staff_client, order):
    report(order, reference="cap_1")
    report(order, kind="refunded", reference="ref_1", amount=Decimal("5.00"))
    response = staff_client.get(reverse(CHANGELIST), {"kind__exact": Payment.Kind.REFUND})
    assert listed(response) == {"ref_1"}


def test_payment_list_filters_by_provider(staff_client, order):
    report(order, provider="stripe", kind="failed", reference="pi_1")
    report(order, provider="paypal", reference="cap_1")
    response = staff_client.get(reverse(CHANGELIST), {"provider": "paypal"})
    assert listed(response) == {"cap_1"}


def test_payment_list_links_each_payment_to_its_order(staff_client, order):
    report(order)
    response = staff_client.get(reverse(CHANGELIST))
    order_page = reverse("admin:shop_order_change", args=[order.pk])
    assert f'<a href="{order_page}">{order.number}</a>' in response.text


def test_payments_cannot_be_added_in_the_admin(staff_client):
    response = staff_client.get(reverse("admin:payments_payment_add"))
    assert response.status_code == 403


def test_payments_cannot_be_changed_in_the_admin(staff_client, order):
    payment = report(order)
    response = staff_client.post(
        reverse("admin:payments_payment_change", args=[payment.pk]), {"amount": "1.00"}
    )
    assert response.status_code == 403
    payment.refresh_from_db()
    assert payment.amount == order.total


def test_payments_cannot_be_deleted_in_the_admin(staff_client, order):
    payment = report(order)
    response = staff_client.post(
        reverse("admin:payments_payment_delete", args=[payment.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert Payment.objects.filter(pk=payment.pk).exists()


def test_order_page_shows_lines_events_and_payments(staff_client, order):
    report(order, reference="cap_1")
    report(order, kind="refunded", reference="ref_1", amount=Decimal("5.00"))
    response = staff_client.get(reverse("admin:shop_order_change", args=[order.pk]))
    assert response.status_code == 200
    inlines = {i.formset.prefix: i.formset for i in response.context["inline_admin_formsets"]}
    assert [line.quantity for line in inlines["lines"].queryset] == [1]
    assert len(inlines["events"].queryset) == 3  # placed, paid, refunded
    assert [p.reference for p in inlines["payments"].queryset] == ["cap_1", "ref_1"]
    assert "cap_1" in response.text


def test_payments_on_the_order_page_are_read_only(staff_client, order):
    report(order)
    response = staff_client.get(reverse("admin:shop_order_change", args=[order.pk]))
    assert 'name="payments-0-amount"' not in response.text
    assert 'name="payments-0-DELETE"' not in response.text
