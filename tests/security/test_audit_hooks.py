"""Staff changes to orders, prices and stock in the admin each write exactly one audit entry
naming who, from where, which object and what changed; what did not change writes none."""

from decimal import Decimal

import pytest
from django.urls import reverse

from security import audit
from security.models import AuditEntry
from shop.models import Order, ShippingMethod
from shop.services import fulfilment
from tests.factories import VariantFactory
from tests.shop.buying import pay, place

pytestmark = pytest.mark.django_db
Status = Order.Status
ORDERS = "admin:shop_order_changelist"
VARIANTS = "admin:shop_variant_changelist"


@pytest.fixture
def variant():
    return VariantFactory(
        sku="TJ-M", on_hand=10, price=Decimal("30.00"), product__name="Trail Jacket"
    )


@pytest.fixture
def unpaid(variant):
    return place((variant, 1))


@pytest.fixture
def paid(unpaid):
    return pay(unpaid)


def entries() -> list[AuditEntry]:
    """What staff did, leaving out their signing in."""
    return list(AuditEntry.objects.exclude(action=audit.STAFF_SIGN_IN).order_by("pk"))


def run_action(client, action, order, **fields):
    return client.post(reverse(ORDERS), {
        "action": action, "_selected_action": [order.pk], "index": "0", **fields,
    })


def assert_entry(entry, *, action, actor, obj, details):
    assert (entry.action, entry.actor, entry.actor_label, entry.ip) == (
        action, actor, actor.email, "127.0.0.1"
    )
    assert (entry.object_type, entry.object_id, entry.object_label) == (
        obj._meta.label, str(obj.pk), str(obj)
    )
    assert entry.details == details


def test_marking_an_order_shipped_is_recorded(staff_client, staff, paid):
    run_action(staff_client, "mark_shipped", paid, tracking_number="1Z123")
    [entry] = entries()
    assert_entry(entry, action="order.shipped", actor=staff, obj=paid, details={
        "from_status": "paid", "to_status": "shipped", "tracking_number": "1Z123",
    })


def test_marking_an_order_delivered_is_recorded(staff_client, staff, paid):
    fulfilment.mark_shipped(order_id=paid.pk, tracking_number="1Z1", actor=None)
    run_action(staff_client, "mark_delivered", paid)
    [entry] = entries()
    assert_entry(entry, action="order.delivered", actor=staff, obj=paid, details={
        "from_status": "shipped", "to_status": "delivered",
    })


def test_cancelling_an_order_is_recorded(staff_client, staff, unpaid):
    run_action(staff_client, "cancel", unpaid)
    [entry] = entries()
    assert_entry(entry, action="order.cancelled", actor=staff, obj=unpaid, details={
        "from_status": "awaiting_payment", "to_status": "cancelled",
    })


def test_an_action_the_order_refuses_is_not_recorded(staff_client, paid):
    run_action(staff_client, "cancel", paid)
    assert Order.objects.get(pk=paid.pk).status == Status.PAID
    assert entries() == []


def order_page_post(client, order, **changes):
    url = reverse("admin:shop_order_change", args=[order.pk])
    page = client.get(url)
    data = {"needs_review": "on"} if order.needs_review else {}
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data |= {management.add_prefix(k): v for k, v in management.initial.items()}
    data = {k: v for k, v in (data | {"_save": "Save"} | changes).items() if v is not None}
    return client.post(url, data)


def test_flagging_an_order_for_review_is_recorded(staff_client, staff, paid):
    order_page_post(staff_client, paid, needs_review="on")
    [entry] = entries()
    assert_entry(entry, action="order.review_flag", actor=staff, obj=paid,
                 details={"needs_review": True})


def test_a_note_on_an_order_is_recorded(staff_client, staff, paid):
    order_page_post(staff_client, paid, note="  Called the customer.  ")
    [entry] = entries()
    assert_entry(entry, action="order.note", actor=staff, obj=paid,
                 details={"note": "Called the customer."})


def test_saving_an_order_page_unchanged_is_not_recorded(staff_client, paid):
    assert order_page_post(staff_client, paid).status_code == 302  # saved
    assert entries() == []


def variant_page_post(client, variant, **changes):
    url = reverse("admin:shop_variant_change", args=[variant.pk])
    form = client.get(url).context["adminform"].form
    data = {}
    for name in form.fields:
        value = form.initial.get(name)
        shown = "" if value is None else str(value.pk if hasattr(value, "pk") else value)
        data[name] = data[f"initial-{name}"] = shown
    return client.post(url, data | changes | {"_save": "Save"})


def test_a_price_change_on_the_variant_page_is_recorded(staff_client, staff, variant):
    response = variant_page_post(staff_client, variant, price="34.00")
    assert response.status_code == 302
    [entry] = entries()
    assert_entry(entry, action="variant.changed", actor=staff, obj=variant, details={
        "price": {"old": "30.00", "new": "34.00"},
    })


def test_a_change_to_neither_price_nor_stock_is_not_recorded(staff_client, variant):
    response = variant_page_post(staff_client, variant, sku="TJ-M-2")
    assert response.status_code == 302
    assert entries() == []


def list_post(client, variant, **changes):
    row = {"id": str(variant.pk), "price": "30.00", "compare_at_price": "", "on_hand": "10"}
    data = {"form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1", "_save": "Save"}
    for name, value in row.items():
        data[f"form-0-{name}"] = changes.get(name, value)
        data[f"initial-form-0-{name}"] = value
    return client.post(reverse(VARIANTS), data)


def test_stock_changed_from_the_variant_list_is_recorded(staff_client, staff, variant):
    response = list_post(staff_client, variant, on_hand="14", compare_at_price="40.00")
    assert response.status_code == 302
    [entry] = entries()
    assert_entry(entry, action="variant.changed", actor=staff, obj=variant, details={
        "compare_at_price": {"old": None, "new": "40.00"}, "on_hand": {"old": 10, "new": 14},
    })


def test_a_value_retyped_to_what_it_already_is_is_not_recorded(staff_client, variant):
    variant.on_hand = 14  # moved since the list was shown
    variant.save()
    assert list_post(staff_client, variant, on_hand="14").status_code == 302  # saved
    assert entries() == []


def product_page_post(client, product, **changes):
    url = reverse("admin:shop_product_change", args=[product.pk])
    page = client.get(url)
    data = {}
    for form in [page.context["adminform"].form] + [
        form for inline in page.context["inline_admin_formsets"]
        for form in [inline.formset.management_form, *inline.formset.forms]
    ]:
        for name, field in form.fields.items():
            value = form.initial.get(name, field.initial)
            if value is None or value is False:
                continue
            value = value.pk if hasattr(value, "pk") else value
            data[form.add_prefix(name)] = str(value)
            if getattr(field, "show_hidden_initial", False):
                data[form.add_initial_prefix(name)] = str(value)
    return client.post(url, data | changes | {"_save": "Save"})


def test_stock_changed_on_the_product_page_is_recorded(staff_client, staff, variant):
    response = product_page_post(staff_client, variant.product, **{"variants-0-on_hand": "3"})
    assert response.status_code == 302
    [entry] = entries()
    assert_entry(entry, action="variant.changed", actor=staff, obj=variant, details={
        "on_hand": {"old": 10, "new": 3},
    })


def test_a_variant_added_on_the_product_page_is_recorded(staff_client, staff, variant):
    response = product_page_post(staff_client, variant.product, **{
        "variants-TOTAL_FORMS": "2", "variants-1-sku": "TJ-L", "variants-1-size": "L",
        "variants-1-price": "32.00", "variants-1-on_hand": "5",
        "variants-1-low_stock_threshold": "5",
    })
    assert response.status_code == 302
    added = variant.product.variants.get(sku="TJ-L")
    [entry] = entries()
    assert_entry(entry, action="variant.added", actor=staff, obj=added, details={
        "price": {"old": None, "new": "32.00"}, "on_hand": {"old": None, "new": 5},
    })


def test_a_shipping_rate_changed_in_the_admin_is_recorded(staff_client, staff):
    standard = ShippingMethod.objects.get(name="Standard")
    url = reverse("admin:shop_shippingmethod_change", args=[standard.pk])
    response = staff_client.post(url, {
        "name": "Standard", "description": standard.description, "price": "6.50",
        "free_above": "75.00", "is_active": "on", "position": standard.position,
    })
    assert response.status_code == 302
    [entry] = entries()
    assert_entry(entry, action="shipping_method.changed", actor=staff, obj=standard, details={
        "price": {"old": "5.00", "new": "6.50"},
    })


def test_deleting_an_account_leaves_its_entries_as_they_were(staff_client, staff, paid):
    run_action(staff_client, "mark_shipped", paid, tracking_number="1Z123")
    staff_id = staff.pk
    staff_client.logout()
    staff.delete()
    entry = AuditEntry.objects.get(action="order.shipped")
    assert (entry.actor_id, entry.actor_label) == (staff_id, staff.email)
