"""Staff handle orders in the admin: find them by status, review flag, number or tracking
number; ship, deliver or cancel them through the order services; clear the review flag and
leave internal notes. Totals, lines and status are never edited by hand."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse

from shop.admin.orders import OrderForm
from shop.errors import ShopError
from shop.models import Order, OrderEvent, ShippingMethod
from shop.services import fulfilment, orders
from tests.factories import OrderFactory, VariantFactory
from tests.shop.buying import pay, place

pytestmark = pytest.mark.django_db
Status = Order.Status
Kind = OrderEvent.Kind
CHANGELIST = "admin:shop_order_changelist"


@pytest.fixture
def variant():
    return VariantFactory(on_hand=10, price=Decimal("30.00"), product__name="Trail Jacket")


@pytest.fixture
def unpaid(variant):
    return place((variant, 2))


@pytest.fixture
def paid(variant):
    return pay(place((variant, 1)))


@pytest.fixture
def shipped(paid):
    return fulfilment.mark_shipped(order_id=paid.pk, tracking_number="1Z999", actor=None)


def run_action(client, action, *selected, **fields):
    return client.post(reverse(CHANGELIST), {
        "action": action, "_selected_action": [o.pk for o in selected], "index": "0", **fields,
    }, follow=True)


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def listed(response) -> set[str]:
    return {order.number for order in response.context["cl"].result_list}


def status_of(order) -> str:
    order.refresh_from_db()
    return order.status


def page_data(client, order, **changes) -> dict:
    """What the order's page posts back when saved, with `changes` made by staff."""
    response = client.get(reverse("admin:shop_order_change", args=[order.pk]))
    data = {"needs_review": "on"} if order.needs_review else {}
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data |= {management.add_prefix(name): value
                 for name, value in management.initial.items()}
    data |= {"_save": "Save"}
    return {name: value for name, value in (data | changes).items() if value is not None}


def test_shipping_methods_are_priced_from_the_list(staff_client):
    method = ShippingMethod.objects.get(name="Standard")
    response = staff_client.post(reverse("admin:shop_shippingmethod_changelist"), {
        "form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1", "form-0-id": str(method.pk),
        "form-0-price": "6.50", "form-0-free_above": "", "form-0-position": "3", "_save": "Save",
    })
    assert response.status_code == 302
    method.refresh_from_db()
    assert (method.price, method.free_above, method.is_active, method.position) == (
        Decimal("6.50"), None, False, 3,
    )


def test_order_list_filters_by_status(staff_client):
    OrderFactory(number="UNPAID-1")
    OrderFactory(number="PAID-1", status=Status.PAID)
    response = staff_client.get(reverse(CHANGELIST), {"status__exact": Status.PAID})
    assert listed(response) == {"PAID-1"}


def test_order_list_filters_orders_needing_review(staff_client):
    OrderFactory(number="FINE-1")
    OrderFactory(number="CHECK-1", needs_review=True)
    response = staff_client.get(reverse(CHANGELIST), {"needs_review__exact": "1"})
    assert listed(response) == {"CHECK-1"}


def test_order_list_filters_by_date(staff_client):
    OrderFactory(number="NEW-1")
    old = OrderFactory(number="OLD-1")
    Order.objects.filter(pk=old.pk).update(created_at=datetime(2025, 1, 5, tzinfo=UTC))
    page = staff_client.get(reverse(CHANGELIST))
    filters = {spec.title for spec in page.context["cl"].filter_specs}
    assert "placed" in filters and page.context["cl"].date_hierarchy == "created_at"
    response = staff_client.get(reverse(CHANGELIST), {"created_at__year": "2025"})
    assert listed(response) == {"OLD-1"}


def test_order_list_searches_by_tracking_number(staff_client):
    OrderFactory(number="SHIP-1", status=Status.SHIPPED, tracking_number="1Z777")
    OrderFactory(number="SHIP-2", status=Status.SHIPPED, tracking_number="1Z888")
    response = staff_client.get(reverse(CHANGELIST), {"q": "1Z888"})
    assert listed(response) == {"SHIP-2"}


def test_order_list_shows_what_staff_look_for(staff_client):
    OrderFactory(number="SEEN-1", email="grace@example.com", payment_provider="paypal",
                 subtotal=Decimal("40.00"), shipping_total=Decimal("5.00"))
    response = staff_client.get(reverse(CHANGELIST))
    for shown in ["SEEN-1", "grace@example.com", "Awaiting payment", "45.00", "paypal"]:
        assert shown in response.text


def test_order_list_shows_the_review_flag_as_an_icon(staff_client):
    OrderFactory(needs_review=True)
    response = staff_client.get(reverse(CHANGELIST))
    assert 'icon-yes.svg" alt="True"' in response.text


def test_mark_shipped_moves_a_paid_order_and_records_who(staff_client, staff, paid):
    response = run_action(staff_client, "mark_shipped", paid, tracking_number=" 1Z123 ")
    paid.refresh_from_db()
    assert (paid.status, paid.tracking_number) == (Status.SHIPPED, "1Z123")
    event = paid.events.last()
    assert (event.kind, event.actor) == (Kind.SHIPPED, staff)
    assert said(response) == ["1 order marked shipped."]


def test_mark_shipped_without_a_tracking_number_changes_nothing(staff_client, paid):
    events = paid.events.count()
    response = run_action(staff_client, "mark_shipped", paid, tracking_number="  ")
    assert status_of(paid) == Status.PAID
    assert paid.events.count() == events
    assert said(response) == [
        "Enter the parcel's tracking number next to the action, then mark the order shipped "
        "again. Nothing was changed."
    ]


def test_mark_shipped_refuses_a_tracking_number_too_long_to_keep(staff_client, paid):
    response = run_action(staff_client, "mark_shipped", paid, tracking_number="1Z" * 41)
    assert status_of(paid) == Status.PAID
    assert said(response) == ["Ensure this value has at most 80 characters (it has 82)."]


def test_mark_shipped_emails_the_tracking_number_after_commit(
    staff_client, paid, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run_action(staff_client, "mark_shipped", paid, tracking_number="1Z555")
    [email] = mailoutbox
    [(html, _)] = email.alternatives
    assert email.to == [paid.email]
    assert "1Z555" in email.body
    assert "1Z555" in html


def test_mark_shipped_sends_no_email_before_the_commit(staff_client, paid, mailoutbox):
    run_action(staff_client, "mark_shipped", paid, tracking_number="1Z555")
    assert status_of(paid) == Status.SHIPPED
    assert mailoutbox == []


def test_an_order_is_shipped_from_its_own_page(staff_client, staff, paid):
    url = reverse("admin:shop_order_change", args=[paid.pk])
    assert 'name="CHANGE_FORM-tracking_number"' in staff_client.get(url).text
    staff_client.post(url, {
        "CHANGE_FORM-action": "mark_shipped", "CHANGE_FORM-tracking_number": "1Z246",
        "_selected_action": paid.pk, "index": "0",
    })
    paid.refresh_from_db()
    assert (paid.status, paid.tracking_number) == (Status.SHIPPED, "1Z246")
    assert paid.events.last().actor == staff


def test_mark_delivered_moves_a_shipped_order_and_records_who(staff_client, staff, shipped):
    response = run_action(staff_client, "mark_delivered", shipped)
    assert status_of(shipped) == Status.DELIVERED
    event = shipped.events.last()
    assert (event.kind, event.actor) == (Kind.DELIVERED, staff)
    assert said(response) == ["1 order marked delivered."]


def test_mark_delivered_on_an_unpaid_order_is_refused_by_name(staff_client, unpaid):
    events = unpaid.events.count()
    response = run_action(staff_client, "mark_delivered", unpaid)
    assert status_of(unpaid) == Status.AWAITING_PAYMENT
    assert unpaid.events.count() == events
    assert said(response) == [
        f"Order {unpaid.number} is awaiting payment and cannot become delivered."
    ]


def test_cancel_releases_an_unpaid_order_and_records_who(staff_client, staff, unpaid, variant):
    response = run_action(staff_client, "cancel", unpaid)
    assert status_of(unpaid) == Status.CANCELLED
    variant.refresh_from_db()
    assert variant.reserved == 0
    event = unpaid.events.last()
    assert (event.kind, event.actor) == (Kind.CANCELLED, staff)
    assert said(response) == ["1 order cancelled."]


def test_one_order_that_cannot_change_does_not_stop_the_others(staff_client, unpaid, paid):
    response = run_action(staff_client, "cancel", unpaid, paid)
    assert (status_of(unpaid), status_of(paid)) == (Status.CANCELLED, Status.PAID)
    assert said(response) == [
        f"Order {paid.number} is paid: it is cancelled by refunding it in full.",
        "1 order cancelled.",
    ]


def test_the_success_message_counts_the_orders(staff_client, variant):
    both = [place((variant, 1)), place((variant, 1))]
    response = run_action(staff_client, "cancel", *both)
    assert said(response) == ["2 orders cancelled."]


def test_orders_cannot_be_added_in_the_admin(staff_client):
    response = staff_client.get(reverse("admin:shop_order_add"))
    assert response.status_code == 403


def test_orders_cannot_be_deleted_in_the_admin(staff_client, unpaid):
    response = staff_client.post(
        reverse("admin:shop_order_delete", args=[unpaid.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert Order.objects.filter(pk=unpaid.pk).exists()


def test_order_page_shows_lines_and_timeline(staff_client, paid):
    response = staff_client.get(reverse("admin:shop_order_change", args=[paid.pk]))
    assert response.status_code == 200
    inlines = {i.formset.prefix: i.formset for i in response.context["inline_admin_formsets"]}
    assert [line.sku for line in inlines["lines"].queryset] == [paid.lines.get().sku]
    assert [event.kind for event in inlines["events"].queryset] == [Kind.PLACED, Kind.PAID]
    assert "Trail Jacket" in response.text
    assert "Payment received" in response.text


def test_order_page_queries_do_not_grow_with_lines_and_events(
    staff_client, staff, variant, django_assert_max_num_queries
):
    order = place(*[(VariantFactory(), 1) for _ in range(5)], (variant, 1))
    for n in range(5):
        orders.add_note(order_id=order.pk, note=f"Note {n}", actor=staff)
    # The admin's content type for orders is cached once a process has asked for it, as a
    # running shop has: whether an earlier test asked must not change the count.
    ContentType.objects.get_for_model(Order)
    with django_assert_max_num_queries(8):
        response = staff_client.get(reverse("admin:shop_order_change", args=[order.pk]))
    assert response.status_code == 200


def test_a_note_is_saved_as_an_internal_event_by_staff(staff_client, staff, unpaid):
    url = reverse("admin:shop_order_change", args=[unpaid.pk])
    data = page_data(staff_client, unpaid, note=" Called the customer. ")
    response = staff_client.post(url, data)
    assert response.status_code == 302
    note = unpaid.events.last()
    assert (note.kind, note.note, note.actor, note.is_internal) == (
        Kind.NOTE, "Called the customer.", staff, True,
    )
    assert status_of(unpaid) == Status.AWAITING_PAYMENT


def test_saving_the_page_without_a_note_adds_no_event(staff_client, unpaid):
    events = unpaid.events.count()
    url = reverse("admin:shop_order_change", args=[unpaid.pk])
    assert staff_client.post(url, page_data(staff_client, unpaid, note="")).status_code == 302
    assert unpaid.events.count() == events


def test_the_review_flag_is_cleared_from_the_order_page(staff_client):
    order = OrderFactory(needs_review=True)
    url = reverse("admin:shop_order_change", args=[order.pk])
    response = staff_client.post(url, page_data(staff_client, order, needs_review=None))
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.needs_review is False
    event = order.events.get()
    assert (event.note, event.is_internal) == (
        "Review done: the hold is cleared and the order may ship.", True
    )
    assert event.actor.is_staff


def test_totals_and_status_are_not_edited_from_the_order_page(staff_client, unpaid):
    url = reverse("admin:shop_order_change", args=[unpaid.pk])
    response = staff_client.post(url, page_data(
        staff_client, unpaid, total="0.00", subtotal="0.00", status=Status.DELIVERED,
        tracking_number="FAKE",
    ))
    assert response.status_code == 302  # saved, with the read-only fields ignored
    before = unpaid.total
    unpaid.refresh_from_db()
    assert (unpaid.total, unpaid.status, unpaid.tracking_number) == (
        before, Status.AWAITING_PAYMENT, "",
    )


def test_saving_the_page_keeps_a_payment_that_arrived_meanwhile(
    staff_client, unpaid, monkeypatch
):
    validate = OrderForm.clean

    def paid_meanwhile(form):
        # The payment webhook lands after the admin loaded the order, before it saves.
        pay(unpaid)
        return validate(form)

    data = page_data(staff_client, unpaid, note="Looked at it.")
    monkeypatch.setattr(OrderForm, "clean", paid_meanwhile)
    staff_client.post(reverse("admin:shop_order_change", args=[unpaid.pk]), data)
    unpaid.refresh_from_db()
    assert (unpaid.status, unpaid.paid_at is not None) == (Status.PAID, True)


def test_the_last_email_is_sent_again_and_noted_for_staff(django_capture_on_commit_callbacks):
    unpaid = place((VariantFactory(on_hand=5), 1))
    with pytest.raises(ShopError, match="no email has gone to the customer yet"):
        orders.resend_last_email(order_id=unpaid.pk)
    with django_capture_on_commit_callbacks(execute=True):
        order = pay(place((VariantFactory(on_hand=5), 1), email="ann@example.com"))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        orders.resend_last_email(order_id=order.pk)
    [message] = mail.outbox
    assert order.number in message.subject and message.to == ["ann@example.com"]
    assert order.events.filter(note="Sent the “Order confirmed” email again.",
                               is_internal=True).exists()


def test_an_email_still_on_its_way_is_not_sent_twice():
    order = pay(place((VariantFactory(on_hand=5), 1)))  # its confirmation not sent yet
    with pytest.raises(ShopError, match="still on its way"):
        orders.resend_last_email(order_id=order.pk)
    assert order.emails.count() == 1
