"""Reviewing an order held for risk in the admin (/admin/shop/order/<id>/review/): its score
and reasons, and the two ways out, clearing the hold or cancelling the order with a full
refund. Only the roles holding shop.review_order (Owner, Manager, Finance) may; the order's
own page does not let anyone else clear the hold either."""

import time
from decimal import Decimal

import pytest
import responses
from django.contrib.auth.models import Group
from django.test import Client, TestCase
from django.urls import reverse

from dashboard import roles
from payments.models import Payment
from payments.providers.stripe import to_minor_units
from security import audit
from security.models import AuditEntry
from shop.models import Order, OrderEvent
from shop.services import fulfilment
from tests.accounts import make_account
from tests.factories import VariantFactory
from tests.payments.webhook_helpers import (
    STRIPE_API,
    fresh,
    post_stripe,
    stripe_event,
    stripe_intent,
)
from tests.second_factor import sign_in_with_second_factor
from tests.shop.buying import place, stock

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("providers_on")]
Status = Order.Status
REFUNDS_URL = f"{STRIPE_API}/v1/refunds"
RADAR = "Card (Stripe) rates the payment highest, score 82. (+60)"


@pytest.fixture
def stripe_api():
    """Stripe's API, stubbed: a refund asked for is taken, pending."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(responses.POST, REFUNDS_URL,
                 json={"id": "re_test_review", "object": "refund", "status": "pending"})
        yield mock


@pytest.fixture
def variant():
    return VariantFactory(on_hand=10, price=Decimal("20.00"))


@pytest.fixture
def held(variant):
    """Two units paid by card, Radar rating the charge "highest": held when captured."""
    order = place((variant, 2), provider="stripe")
    charge = stripe_event("charge.refunded", order, refunded=Decimal("0.00"))["data"]["object"]
    charge["outcome"].update(risk_level="highest", risk_score=82)
    event = stripe_event("payment_intent.succeeded", order,
                         **{"data.object.latest_charge": charge})
    assert post_stripe(Client(), event).status_code == 200
    order = fresh(order)
    assert (order.status, order.needs_review) == (Status.PAID, True)
    return order


def as_role(client, role: str):
    """Sign `client` in, through the code step, as a staff member with only this role."""
    person = make_account(f"{role.lower()}@example.com", is_staff=True)
    person.groups.set(Group.objects.filter(name=role))
    sign_in_with_second_factor(client, person)
    return person


def review_page(order: Order) -> str:
    return reverse("admin:shop_order_review", args=[order.pk])


def change_page(order: Order) -> str:
    return reverse("admin:shop_order_change", args=[order.pk])


def decide(client, order: Order, **data):
    """Post the review form, then run what the request left for after its commit (sending a
    refund to the provider)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(review_page(order), data)


def audited(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action))


def confirmed_by_stripe(order: Order, refund: Payment) -> Order:
    """Stripe's charge.refunded for the refund the shop asked for, the whole charge."""
    refund.refresh_from_db()
    item = {
        "id": refund.reference, "object": "refund",
        "amount": to_minor_units(refund.amount, "USD"), "charge": f"ch_test_{order.number}",
        "created": int(time.time()), "currency": "usd",
        "metadata": {"refund_request": f"refund-{refund.pk}"},
        "payment_intent": stripe_intent(order), "status": "succeeded",
    }
    event = stripe_event("charge.refunded.with_refunds", order, refunded=order.total,
                         **{"data.object.refunds.data": [item]})
    assert post_stripe(Client(), event).status_code == 200
    return fresh(order)


# Who may review ----------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "may"), [
    (roles.OWNER, True), (roles.MANAGER, True), (roles.FINANCE, True),
    (roles.SUPPORT, False), (roles.FULFILMENT, False),
])
def test_only_the_roles_that_review_orders_open_the_review_page(client, held, role, may):
    as_role(client, role)
    assert client.get(review_page(held)).status_code == (200 if may else 403)
    change = client.get(change_page(held))
    assert change.status_code == 200
    assert (review_page(held) in change.text) is may


def test_the_review_page_shows_the_score_and_its_reasons(client, held):
    as_role(client, roles.FINANCE)
    response = client.get(review_page(held))
    assert response.status_code == 200
    assert "Held for review:" in response.text
    assert "Risk score: 60 of 100 (when the provider reported on the payment)" in response.text
    assert f"<li>{RADAR}</li>" in response.text
    assert f"Cancelling refunds {held.total} USD" in response.text


def test_the_order_page_shows_the_risk_score(client, held):
    as_role(client, roles.FINANCE)
    response = client.get(change_page(held))
    assert "60 of 100 (when the provider reported on the payment).<br>" in response.text
    assert RADAR in response.text


def test_support_is_refused_the_review_and_the_refusal_is_audited(client, held, stripe_api):
    person = as_role(client, roles.SUPPORT)
    assert client.get(review_page(held)).status_code == 403
    assert decide(client, held, decision="clear", note="Looks fine").status_code == 403
    assert decide(client, held, decision="cancel").status_code == 403
    refused = AuditEntry.objects.filter(actor=person, action="permission.refused")
    assert [entry.details for entry in refused] == [
        {"permission": "shop.review_order", "path": review_page(held)}] * 3
    order = fresh(held)
    assert (order.status, order.needs_review) == (Status.PAID, True)
    assert not order.payments.filter(kind=Payment.Kind.REFUND).exists()
    assert not stripe_api.calls


def page_data(client, order: Order, **changes) -> dict:
    """What the order's page posts back when saved (its inlines' management forms), with
    `changes` made."""
    response = client.get(change_page(order))
    data = {"_save": "Save"}
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data |= {management.add_prefix(name): value
                 for name, value in management.initial.items()}
    return data | changes


def test_support_cannot_clear_the_hold_from_the_order_page(client, held):
    """The checkbox is read-only for them: posting it unchecked leaves the order held."""
    as_role(client, roles.SUPPORT)
    response = client.get(change_page(held))
    assert "needs_review" not in response.context["adminform"].form.fields
    data = page_data(client, held, note="Customer says it is theirs.")  # no needs_review
    assert client.post(change_page(held), data).status_code == 302
    order = fresh(held)
    assert order.needs_review
    assert order.events.last().note == "Customer says it is theirs."  # the note is kept
    assert not audited("order.review_cleared")


def test_a_manager_clears_the_hold_from_the_order_page(client, held):
    person = as_role(client, roles.MANAGER)
    assert client.post(change_page(held), page_data(client, held)).status_code == 302
    order = fresh(held)
    assert not order.needs_review
    [entry] = audited("order.review_cleared")
    assert entry.actor == person
    note = order.events.last()
    assert (note.kind, note.actor, note.is_internal) == (OrderEvent.Kind.NOTE, person, True)


# Clearing the hold -------------------------------------------------------------------------


def test_finance_clears_the_hold_and_the_order_may_ship(client, held):
    person = as_role(client, roles.FINANCE)
    response = decide(client, held, decision="clear", note="Called the customer.")
    assert response.status_code == 302
    assert response["Location"] == change_page(held)
    order = fresh(held)
    assert (order.status, order.needs_review) == (Status.PAID, False)
    [entry] = audited("order.review_cleared")
    assert (entry.actor, entry.object_id) == (person, str(held.pk))
    assert entry.details == {"note": "Called the customer."}
    note = order.events.last()
    assert (note.kind, note.actor, note.is_internal) == (OrderEvent.Kind.NOTE, person, True)
    assert note.note == ("Review done: the hold is cleared and the order may ship. Called the "
                         "customer.")
    shipped = fulfilment.mark_shipped(order_id=held.pk, tracking_number="1Z999")
    assert shipped.status == Status.SHIPPED


def test_clearing_an_order_not_held_says_so_and_changes_nothing(client, held):
    as_role(client, roles.FINANCE)
    decide(client, held, decision="clear")
    events = held.events.count()
    response = decide(client, held, decision="clear", note="Again")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        f"Order {held.number} is not held for review."]
    assert held.events.count() == events
    assert len(audited("order.review_cleared")) == 1


@pytest.mark.parametrize("data", [{"decision": "ship-it"}, {"note": "No decision"}],
                         ids=["unknown decision", "no decision"])
def test_a_bad_decision_shows_the_form_again_and_changes_nothing(
    client, held, stripe_api, data
):
    as_role(client, roles.FINANCE)
    events = held.events.count()
    response = decide(client, held, **data)
    assert response.status_code == 200
    assert response.context["form"].errors["decision"]
    order = fresh(held)
    assert (order.status, order.needs_review) == (Status.PAID, True)
    assert order.events.count() == events
    assert not order.payments.filter(kind=Payment.Kind.REFUND).exists()
    assert not audited("order.review_cleared") and not audited(audit.REFUND)
    assert not stripe_api.calls


# Cancelling with a refund ------------------------------------------------------------------


def test_finance_cancels_a_held_order_with_a_full_refund_that_restocks_it(
    client, held, variant, stripe_api
):
    person = as_role(client, roles.FINANCE)
    response = decide(client, held, decision="cancel", note="Stolen card")
    assert response.status_code == 302
    refund = held.payments.get(kind=Payment.Kind.REFUND)
    line = held.lines.get()
    assert (refund.status, refund.amount, refund.provider) == ("pending", held.total, "stripe")
    assert (refund.cancels_order, refund.restock) == (True, {str(line.pk): 2})
    assert (refund.reference, refund.requested_by, refund.note) == (
        "re_test_review", person, "Stolen card")
    [entry] = audited(audit.REFUND)
    assert (entry.actor, entry.object_id) == (person, str(held.pk))
    assert entry.details == {
        "cancel_order": True, "restock": True, "reason": "Stolen card", "review": True,
        "amount": str(held.total), "provider": "stripe",
    }
    # Until Stripe confirms, the order is paid, held and its units sold.
    order = fresh(held)
    assert (order.status, order.needs_review) == (Status.PAID, True)
    assert stock(variant) == (8, 0)

    order = confirmed_by_stripe(order, refund)
    assert (order.status, order.needs_review) == (Status.CANCELLED, False)
    assert order.refunded_total == order.total
    assert stock(variant) == (10, 0)


def test_a_cancel_without_a_note_gives_the_refund_a_reason(client, held, stripe_api):
    as_role(client, roles.FINANCE)
    assert decide(client, held, decision="cancel").status_code == 302
    refund = held.payments.get(kind=Payment.Kind.REFUND)
    assert refund.note == "Held for review: cancelled."


def test_an_order_not_held_cannot_be_cancelled_from_the_review_page(client, held, stripe_api):
    as_role(client, roles.FINANCE)
    decide(client, held, decision="clear")
    response = decide(client, held, decision="cancel")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        f"Order {held.number} is not held for review."]
    assert not held.payments.filter(kind=Payment.Kind.REFUND).exists()
    assert not audited(audit.REFUND) and not stripe_api.calls
