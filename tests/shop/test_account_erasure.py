"""Closing an account: its personal data gone from every table, the money kept to the cent,
refused (changing nothing) while an order is open, sign-in impossible and every session
ended afterwards; from the account page and from the admin."""

from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Permission
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from security.models import AuditEntry, LoginLock
from shop import notifications
from shop.errors import AccountNotClosable
from shop.models import (
    Address,
    Cart,
    Order,
    OrderEmail,
    OrderRisk,
    Product,
    Review,
    SavedSeller,
    SellerReview,
    User,
    WishlistItem,
)
from shop.services import erasure
from tests.accounts import PASSWORD, make_account, sign_in
from tests.second_factor import code_for, sign_in_with_second_factor
from tests.shop import privacy
from tests.shop.privacy import make_person, place, tables_holding

pytestmark = pytest.mark.django_db
CLOSE = reverse("shop:account-close")
def test_the_scan_finds_every_personal_value_before_the_erasure():
    make_person()
    for value in (privacy.EMAIL, privacy.FIRST):
        assert ("shop_order", "email" if "@" in value else "full_name") in tables_holding(value)
    assert ("shop_orderrisk", "client_ip") in tables_holding(privacy.CLIENT_IP)
    assert ("payments_webhookevent", "payload") in tables_holding(privacy.ADDRESS["line1"])


def test_no_personal_value_is_left_in_any_table_after_the_erasure():
    person = make_person(two_factor=True)

    erasure.erase_account(user_id=person.user.pk)

    left = {value: tables_holding(value) for value in person.personal_values}
    assert left == {value: [] for value in person.personal_values}


def test_the_account_is_closed_under_a_pseudonym():
    person = make_person(two_factor=True)
    user = erasure.erase_account(user_id=person.user.pk)
    user.refresh_from_db()
    assert user.email == f"deleted-{user.pk}@invalid"
    assert (user.first_name, user.last_name, user.is_active) == ("", "", False)
    assert not user.has_usable_password()
    assert user.erased_at is not None
    assert user.display_name == "A deleted customer"
    for model in (Address, WishlistItem, SavedSeller, Cart, EmailAddress, TOTPDevice):
        assert not model.objects.filter(user=user).exists(), model
    assert not LoginLock.objects.exists()


def test_orders_keep_their_money_and_name_the_deleted_customer():
    person = make_person()
    before = list(Order.objects.order_by("pk").values(
        "pk", "status", "total", "subtotal", "tax_total", "refunded_total", "country", "region"))
    erasure.erase_account(user_id=person.user.pk)
    after = list(Order.objects.order_by("pk").values(
        "pk", "status", "total", "subtotal", "tax_total", "refunded_total", "country", "region"))
    assert after == before
    pseudonym = f"deleted-{person.user.pk}@invalid"
    for order in Order.objects.all():
        assert (order.email, order.full_name, order.line1, order.phone) == (
            pseudonym, "Deleted customer", "", "")
    # The guest order placed with the same (verified) address is theirs too.
    assert Order.objects.filter(user__isnull=True, email=pseudonym).count() == 1
    for risk in OrderRisk.objects.all():
        assert (risk.client_ip, risk.email_key, risk.address_key, risk.card_fingerprint) == (
            None, "", "", "")


def test_reviews_keep_their_rating_and_show_a_deleted_customer(client):
    person = make_person()
    product = Product.objects.get(slug="linen-shirt")
    rating = (product.rating_average, product.rating_count)
    erasure.erase_account(user_id=person.user.pk)
    product.refresh_from_db()
    assert (product.rating_average, product.rating_count) == rating
    review = Review.objects.get()
    assert (review.rating, review.user.display_name) == (2, "A deleted customer")
    assert review.body == "Signed, [removed]."
    assert SellerReview.objects.get().rating == 5


def test_a_kept_product_page_no_longer_names_the_erased_reviewer(
    django_capture_on_commit_callbacks
):
    person = make_person()
    url = Product.objects.get(slug="linen-shirt").get_absolute_url()
    name = person.user.first_name
    assert name and name in Client().get(url).text  # kept for visitors from here

    with django_capture_on_commit_callbacks(execute=True):
        erasure.erase_account(user_id=person.user.pk)

    page = Client().get(url).text
    assert name not in page and "A deleted customer" in page


def test_audit_entries_stay_with_the_pseudonym_and_no_client_address():
    person = make_person()
    count = AuditEntry.objects.count()
    erasure.erase_account(user_id=person.user.pk)
    pseudonym = f"deleted-{person.user.pk}@invalid"
    assert AuditEntry.objects.count() == count
    own = AuditEntry.objects.get(action="2fa.enabled")
    assert (own.actor_label, own.object_label, own.ip) == (pseudonym, pseudonym, None)
    staff = AuditEntry.objects.get(action="order.note")
    assert staff.ip == "192.0.2.1"
    assert staff.details == {"note": f"[removed] called, wants {pseudonym} updated"}


def test_someone_elses_longer_address_is_neither_exported_nor_scrubbed():
    person = make_person()
    email = person.user.email
    others = [f"jo.{email}", f"{email}.au", f"x{email}"]  # each contains the person's
    for other in others:
        AuditEntry.objects.create(action="order.note", actor_label="staff@example.com",
                                  object_label=other, details={"note": f"wrote to {other}"})
    mine = AuditEntry.objects.create(action="order.note", actor_label="staff@example.com",
                                     object_label="an order",
                                     details={"note": f"wrote to {email}."})

    named = AuditEntry.objects.filter(erasure.naming([email]))
    assert mine in named and not named.filter(object_label__in=others).exists()
    erasure.erase_account(user_id=person.user.pk)

    assert sorted(AuditEntry.objects.filter(object_label__in=others)
                  .values_list("object_label", flat=True)) == sorted(others)
    mine.refresh_from_db()
    assert mine.details == {"note": f"wrote to deleted-{person.user.pk}@invalid."}


def test_the_dashboard_and_the_reports_add_up_the_same_after_an_erasure():
    person = make_person()
    # Another customer, so that the figures are not all the erased one's.
    other = make_account("other@example.com")
    variant = person.orders[0].lines.get().variant
    privacy.ship(privacy.pay(place(variant, user=other, email=other.email)))
    before = privacy.figures()
    erasure.erase_account(user_id=person.user.pk)
    assert privacy.figures() == before
    assert before[0]["orders"] == 4


def test_an_open_order_refuses_and_changes_nothing():
    person = make_person()
    variant = person.orders[0].lines.get().variant
    unpaid = place(variant, user=person.user)
    with pytest.raises(AccountNotClosable) as refused:
        erasure.erase_account(user_id=person.user.pk)
    assert refused.value.reasons == [
        f"Order {unpaid.number} is waiting for payment: pay for it or cancel it on its page, "
        "or wait until it expires."
    ]
    user = User.objects.get(pk=person.user.pk)
    assert (user.email, user.is_active, user.erased_at) == (privacy.EMAIL, True, None)
    assert Order.objects.filter(email=privacy.EMAIL).count() == 4
    assert Address.objects.filter(user=user).exists()


@pytest.mark.parametrize("kind", ["unshipped", "refund"])
def test_a_paid_unshipped_order_or_a_refund_under_way_refuses(kind):
    person = make_person()
    variant = person.orders[0].lines.get().variant
    order = privacy.pay(place(variant, user=person.user))
    if kind == "refund":
        order = privacy.ship(order)
        privacy.refund(order, Decimal("1.00"), pending=True)
        wanted = f"A refund for order {order.number} is under way"
    else:
        wanted = f"Order {order.number} has not shipped yet: wait until it has"
    with pytest.raises(AccountNotClosable) as refused:
        erasure.erase_account(user_id=person.user.pk)
    assert refused.value.message.startswith(wanted)
    assert User.objects.get(pk=person.user.pk).is_active


def test_staff_accounts_are_not_closed_here():
    staff = make_account("owner@example.com", is_staff=True)
    with pytest.raises(AccountNotClosable, match="staff account"):
        erasure.erase_account(user_id=staff.pk)


def close(client, **data):
    return client.post(CLOSE, {"password": PASSWORD, "understood": "on", **data})


def test_closing_from_the_account_page_ends_every_session_and_sign_in(
    client, django_capture_on_commit_callbacks
):
    person = make_person()
    elsewhere = Client()
    elsewhere.force_login(person.user)
    client.force_login(person.user)

    with django_capture_on_commit_callbacks() as after_commit:
        response = close(client)

    assert response.status_code == 302
    assert response["Location"] == reverse("shop:account-closed")
    # Signed out everywhere at once; the rows go after the commit, by a task.
    assert elsewhere.get(reverse("shop:order-list")).status_code == 302  # to sign in
    for callback in after_commit:
        callback()
    assert not Session.objects.exists()
    assert "_auth_user_id" not in client.session
    assert sign_in(Client(), privacy.EMAIL).status_code == 200  # the form again, refused
    closed = AuditEntry.objects.get(action="privacy.account_closed", ip=None)
    pseudonym = f"deleted-{person.user.pk}@invalid"
    assert (closed.actor_label, closed.object_label) == (pseudonym, pseudonym)
    assert not AuditEntry.objects.filter(actor_label__iexact=privacy.EMAIL).exists()


def test_closing_needs_the_password_and_the_code_with_two_factor_on(client):
    person = make_person()
    device = sign_in_with_second_factor(client, person.user)
    wrong = close(client, password="not my password", code="000000")
    assert wrong.status_code == 200
    assert "That is not your password." in wrong.content.decode()
    no_code = close(client)
    assert "Enter a code." in no_code.content.decode()
    assert User.objects.get(pk=person.user.pk).is_active

    assert close(client, code=code_for(device)).status_code == 302
    assert not User.objects.get(pk=person.user.pk).is_active


def test_the_page_says_what_to_wait_for_and_closes_nothing(client):
    person = make_person()
    variant = person.orders[0].lines.get().variant
    unpaid = place(variant, user=person.user)
    client.force_login(person.user)
    page = client.get(CLOSE).content.decode()
    assert f"Order {unpaid.number} is waiting for payment" in page
    response = close(client)
    assert response.status_code == 200
    assert f"Order {unpaid.number} is waiting for payment" in response.content.decode()
    assert User.objects.get(pk=person.user.pk).is_active


def test_no_order_email_goes_to_a_closed_account():
    person = make_person()
    erasure.erase_account(user_id=person.user.pk)
    mail.outbox.clear()
    waiting = OrderEmail.objects.filter(order__in=person.orders, sent_at=None)
    assert waiting.exists()
    for email in waiting:
        assert notifications.send_order_email.call(email_id=email.pk) is False
    assert mail.outbox == []
    assert not OrderEmail.objects.filter(sent_at=None).exists()


def test_staff_close_an_account_from_the_admin_with_the_permission(staff_client):
    person = make_person()
    changelist = reverse("admin:shop_user_changelist")
    data = {"action": "erase_personal_data", "_selected_action": [person.user.pk]}
    confirm = staff_client.post(changelist, data)
    assert confirm.status_code == 200
    assert privacy.EMAIL in confirm.content.decode()
    assert User.objects.get(pk=person.user.pk).is_active

    done = staff_client.post(changelist, {**data, "confirm": "1"}, follow=True)

    assert "Closed the account" in done.content.decode()
    user = User.objects.get(pk=person.user.pk)
    assert not user.is_active
    entry = AuditEntry.objects.get(action="customer.erased")
    assert (entry.actor_label, entry.object_label) == ("staff@example.com", user.email)


def test_the_admin_action_needs_the_permission(client):
    person = make_person()
    support = make_account("support@example.com", is_staff=True)
    support.user_permissions.add(Permission.objects.get(codename="view_user"),
                                 Permission.objects.get(codename="change_user"))
    sign_in_with_second_factor(client, support)
    changelist = reverse("admin:shop_user_changelist")
    page = client.get(changelist).content.decode()
    assert "erase_personal_data" not in page
    client.post(changelist, {"action": "erase_personal_data", "confirm": "1",
                             "_selected_action": [person.user.pk]})
    assert User.objects.get(pk=person.user.pk).is_active
