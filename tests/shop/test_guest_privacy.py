"""A guest's data, by a signed link emailed to the address they ordered with: the link goes
only to an address with guest orders (the answer is the same for any address), the export
holds those orders and nothing of anyone else's, the erasure leaves nothing personal of the
guest in any table and the money as it was, an open order refuses it, and a link that is
expired, tampered with or used up is refused with a page of its own."""

import io
import json
import re
import time
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core import mail, signing
from django.test import Client
from django.urls import reverse

from payments.models import Payment
from security.models import AuditEntry, LoginLock
from shop.models import Cart, CartLine, Order, OrderRisk
from shop.services import checkout, guest_privacy, orders
from tests.accounts import make_account
from tests.factories import ProductFactory, VariantFactory
from tests.shop import privacy
from tests.shop.buying import standard_shipping
from tests.shop.privacy import ADDRESS, CLIENT_IP, tables_holding

pytestmark = pytest.mark.django_db
GUEST = "Philippa.Quartermaine@Example.org"  # ordered without an account
OTHER = "osgood.vantablack@example.net"  # another guest, who asked for nothing
OTHER_ADDRESS = {
    "full_name": "Osgood Vantablack", "line1": "4 Brimstone Row", "line2": "",
    "city": "Quillfield", "region": "OH", "postal_code": "43999", "country": "US",
    "phone": "+1 614 555 0142",
}
ASK = reverse("shop:guest-privacy")
LINK = re.compile(r"https?://[^/\s]+(/privacy/link/[^/\s]+/)")
PERSONAL = [GUEST, "Philippa", "Quartermaine", ADDRESS["full_name"], ADDRESS["line1"],
            ADDRESS["line2"], ADDRESS["city"], ADDRESS["postal_code"], ADDRESS["phone"],
            CLIENT_IP]


def place_other(variant) -> Order:
    cart = Cart.objects.create()
    CartLine.objects.create(cart=cart, variant=variant, quantity=1)
    order = checkout.place_order(
        cart=cart, buyer=checkout.Buyer(email=OTHER, user=None), address=OTHER_ADDRESS,
        shipping_method_id=standard_shipping().pk, provider="test", client_ip="198.51.100.9",
    )
    return orders.mark_paid(order_id=order.pk, amount=order.total, currency=order.currency,
                            provider="test")


@pytest.fixture
def variant():
    product = ProductFactory(name="Linen Shirt", slug="linen-shirt")
    return VariantFactory(product=product, sku="LIN-M", price=Decimal("30.00"), on_hand=50)


@pytest.fixture
def guest(variant) -> list[Order]:
    """The guest's orders (delivered; shipped and partly refunded; expired; one typed in
    lower case), a staff note and the admin's history naming them, a sign-in lock; and
    another guest's paid order."""
    delivered = privacy.ship(privacy.pay(privacy.place(variant, email=GUEST)), deliver=True)
    refunded = privacy.ship(privacy.pay(privacy.place(variant, email=GUEST.lower())))
    privacy.refund(refunded, Decimal("5.00"))
    expired = privacy.place(variant, email=GUEST)
    orders.expire_order(order_id=expired.pk, now=expired.payment_deadline + timedelta(minutes=1))
    orders.add_note(order_id=delivered.pk, note=f"Philippa called from {ADDRESS['phone']}.")
    AuditEntry.objects.create(actor_label="staff@example.com", action="order.note",
                              object_type="shop.Order", object_id=str(delivered.pk),
                              object_label=delivered.number, ip="192.0.2.1",
                              details={"note": f"Philippa asked about {GUEST}"})
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Order), object_id=str(delivered.pk),
        object_repr=delivered.number, action_flag=CHANGE,
        change_message=f"Changed email to {GUEST}.",
        user=make_account("admin@example.com", is_staff=True),
    )
    LoginLock.objects.create(identifier=GUEST, ip=CLIENT_IP, failures=1)
    place_other(variant)
    return [Order.objects.get(pk=o.pk) for o in (delivered, refunded, expired)]


def ask(client, capture, email: str = GUEST):
    with capture(execute=True):
        return client.post(ASK, {"email": email}, follow=True)


def answer(response) -> tuple:
    """What a visitor sees after asking: where they were sent, and the page's main part
    (the rest of the page differs by its CSP nonce alone)."""
    main = re.search(r"<main.*</main>", response.content.decode(), re.DOTALL).group(0)
    return response.redirect_chain, response.status_code, main


def link_for(capture, client=None) -> str:
    """Ask for the guest's link and return its path."""
    ask(client or Client(), capture)
    (message,) = [m for m in mail.outbox if m.to == [GUEST.lower()]]
    return LINK.search(message.body).group(1)


def zip_files(response) -> dict[str, object]:
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    return {name: json.loads(archive.read(name)) for name in archive.namelist()
            if name.endswith(".json")}


def erase(client, link: str):
    return client.post(f"{link}erase/", {"understood": "on"})


def test_the_link_goes_only_to_an_address_with_guest_orders(
        client, guest, django_capture_on_commit_callbacks):
    answers = [answer(ask(client, django_capture_on_commit_callbacks, email))
               for email in (GUEST, "nobody@example.com", OTHER.upper())]
    assert "If we hold orders under this address, we have sent it a link" in answers[0][2]
    assert answers[0] == answers[1] == answers[2]
    assert sorted(message.to[0] for message in mail.outbox) == [OTHER, GUEST.lower()]
    assert LINK.search(mail.outbox[0].body)
    assert mail.outbox[0].alternatives  # an HTML part too


def test_the_page_asks_for_the_address(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(0):
        page = client.get(ASK)
    assert page.status_code == 200
    assert 'name="email"' in page.content.decode()


def test_what_goes_to_each_address(guest):
    make_account("ada@example.com")
    sent = {email: guest_privacy.send_link(email=email, site_url="https://shop.test")
            for email in (GUEST.lower(), "ada@example.com", "nobody@example.com",
                          "deleted-guest-1@invalid")}
    assert sent == {GUEST.lower(): guest_privacy.Sent.LINK,
                    "ada@example.com": guest_privacy.Sent.ACCOUNT,
                    "nobody@example.com": guest_privacy.Sent.NOTHING,
                    "deleted-guest-1@invalid": guest_privacy.Sent.NOTHING}


def test_nothing_is_sent_to_an_address_without_guest_orders(
        client, django_capture_on_commit_callbacks):
    ask(client, django_capture_on_commit_callbacks, "nobody@example.com")
    assert mail.outbox == []


def test_a_mistyped_address_is_refused_with_a_message(client, django_capture_on_commit_callbacks):
    for typed, error in (("not an address", "Enter an email address, such as"),
                         ("", "Enter the email address you ordered with.")):
        response = ask(client, django_capture_on_commit_callbacks, typed)
        assert response.status_code == 200
        assert error in response.content.decode()
    assert mail.outbox == []


def test_asking_is_rate_limited_per_address(client, guest, django_capture_on_commit_callbacks):
    for _ in range(5):
        ask(client, django_capture_on_commit_callbacks, f"  {GUEST}")
    assert client.post(ASK, {"email": GUEST}).status_code == 429
    assert len(mail.outbox) == 5


def test_the_link_does_not_carry_the_address(guest, django_capture_on_commit_callbacks):
    token = link_for(django_capture_on_commit_callbacks).rstrip("/").rsplit("/", 1)[1]
    payload = signing.loads(token, salt=guest_privacy.SALT)
    assert payload == {"first": guest[0].pk, "last": guest[2].pk}


def test_the_link_opens_the_guests_orders(guest, django_capture_on_commit_callbacks,
                                          django_assert_max_num_queries):
    link = link_for(django_capture_on_commit_callbacks)
    with django_assert_max_num_queries(5):
        page = Client().get(link)
    assert page.status_code == 200
    text = page.content.decode()
    assert all(order.number in text for order in guest)
    assert "Osgood" not in text
    assert f'href="{link}download/"' in text and f'href="{link}erase/"' in text


def test_the_export_holds_the_guests_orders_and_nothing_of_anothers(
        guest, django_capture_on_commit_callbacks):
    link = link_for(django_capture_on_commit_callbacks)
    response = Client().get(f"{link}download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    files = zip_files(response)
    numbers = {order.number for order in guest}
    assert {order["number"] for order in files["orders.json"]} == numbers
    assert {line["order"] for line in files["order_lines.json"]} == numbers
    assert {row["order__number"] for row in files["payments.json"]} == numbers - {
        guest[2].number}  # the expired one was never paid
    (refund,) = files["refunds.json"]
    assert (refund["order__number"], refund["amount"]) == (guest[1].number, "5.00")
    actions = {row["action"]: row for row in files["audit_log.json"]}
    assert set(actions) >= {"order.note", guest_privacy.EXPORT_REQUESTED}
    assert (actions["order.note"]["who"], actions["order.note"]["client_address"]) == (
        "the shop", "")
    assert actions[guest_privacy.EXPORT_REQUESTED]["who"] == "you"
    everything = json.dumps(files)
    assert "Osgood" not in everything and OTHER not in everything


def test_erasure_leaves_no_personal_value_of_the_guest_in_any_table(
        client, guest, django_capture_on_commit_callbacks):
    link = link_for(django_capture_on_commit_callbacks)
    assert client.get(f"{link}erase/").status_code == 200
    assert tables_holding(GUEST) and tables_holding(ADDRESS["line1"])

    response = erase(client, link)

    assert response.status_code == 302
    assert response["Location"] == reverse("shop:guest-data-erased")
    left = {value: tables_holding(value) for value in PERSONAL}
    assert left == {value: [] for value in PERSONAL}
    assert tables_holding(OTHER) and tables_holding(OTHER_ADDRESS["line1"])


def test_erasure_keeps_the_money_and_the_dashboards_figures(
        client, guest, django_capture_on_commit_callbacks):
    fields = ["pk", "status", "total", "subtotal", "tax_total", "refunded_total", "country",
              "region", "user"]
    before = (list(Order.objects.order_by("pk").values(*fields)), privacy.figures())
    link = link_for(django_capture_on_commit_callbacks)

    erase(client, link)

    assert (list(Order.objects.order_by("pk").values(*fields)), privacy.figures()) == before
    pseudonym = f"deleted-guest-{guest[0].pk}@invalid"
    for order in Order.objects.filter(pk__in=[order.pk for order in guest]):
        assert (order.email, order.full_name, order.line1, order.phone) == (
            pseudonym, "Deleted customer", "", "")
    for risk in OrderRisk.objects.filter(order__in=guest):
        assert (risk.client_ip, risk.email_key, risk.address_key) == (None, "", "")
    other = Order.objects.get(email=OTHER)
    assert other.full_name == OTHER_ADDRESS["full_name"]


def test_erasure_writes_audit_entries_without_the_client_address(
        client, guest, django_capture_on_commit_callbacks):
    link = link_for(django_capture_on_commit_callbacks)
    client.get(f"{link}download/")
    erase(client, link)
    pseudonym = f"deleted-guest-{guest[0].pk}@invalid"
    exported = AuditEntry.objects.get(action=guest_privacy.EXPORT_REQUESTED)
    erased = AuditEntry.objects.get(action=guest_privacy.ERASED)
    for entry in (exported, erased):
        assert (entry.actor_id, entry.actor_label, entry.ip) == (None, pseudonym, None)
    assert erased.details == {"orders": 3}
    assert AuditEntry.objects.get(action="order.note").details == {
        "note": f"[removed] asked about {pseudonym}"}


@pytest.mark.parametrize("kind", ["unpaid", "unshipped", "refund"])
def test_an_open_order_refuses_the_erasure_and_changes_nothing(
        client, guest, variant, kind, django_capture_on_commit_callbacks):
    order = privacy.place(variant, email=GUEST)
    if kind == "unpaid":
        wanted = (f"Order {order.number} is waiting for payment: pay for it or cancel it on "
                  "its page, or wait until it expires.")
    elif kind == "unshipped":
        privacy.pay(order)
        wanted = f"Order {order.number} has not shipped yet: wait until it has"
    else:
        privacy.refund(privacy.ship(privacy.pay(order)), Decimal("1.00"), pending=True)
        wanted = f"A refund for order {order.number} is under way"
    link = link_for(django_capture_on_commit_callbacks)
    assert wanted in client.get(f"{link}erase/").content.decode()
    rows = list(Order.objects.order_by("pk").values())

    response = erase(client, link)

    assert response.status_code == 200
    assert wanted in response.content.decode()
    assert list(Order.objects.order_by("pk").values()) == rows
    assert OrderRisk.objects.filter(client_ip=CLIENT_IP).count() == 4
    assert not AuditEntry.objects.filter(action=guest_privacy.ERASED).exists()


def test_erasure_needs_the_box_ticked(client, guest, django_capture_on_commit_callbacks):
    link = link_for(django_capture_on_commit_callbacks)
    response = client.post(f"{link}erase/")
    assert response.status_code == 200
    assert "Tick the box" in response.content.decode()
    assert Order.objects.filter(email__iexact=GUEST).count() == 3


def test_a_link_used_for_the_erasure_is_refused(client, guest,
                                                django_capture_on_commit_callbacks):
    link = link_for(django_capture_on_commit_callbacks)
    erase(client, link)
    for path in (link, f"{link}download/", f"{link}erase/"):
        response = client.get(path)
        assert response.status_code == 410, path
        assert "the orders it opened have been erased" in response.content.decode()
    assert erase(client, link).status_code == 410


@pytest.mark.parametrize("bad", ["tampered", "not-a-token", "x" * 300, "e30:1vAbcd:sig"])
def test_a_tampered_or_made_up_link_is_refused(client, guest, bad,
                                               django_capture_on_commit_callbacks):
    link = link_for(django_capture_on_commit_callbacks)
    token = link.rstrip("/").rsplit("/", 1)[1]
    if bad == "tampered":
        bad = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    for view in ("shop:guest-data", "shop:guest-data-download", "shop:guest-data-erase"):
        response = client.get(reverse(view, args=[bad]))
        assert response.status_code == 400
        assert "This link is not valid" in response.content.decode()
    assert erase(client, reverse("shop:guest-data", args=[bad])).status_code == 400


def test_a_signed_link_naming_no_orders_is_refused(client):
    token = guest_privacy.link_token(first=987654, last=987654)
    assert client.get(reverse("shop:guest-data", args=[token])).status_code == 410
    forged = signing.dumps({"first": "1"}, salt=guest_privacy.SALT)
    assert client.get(reverse("shop:guest-data", args=[forged])).status_code == 400


def test_an_expired_link_is_refused(client, guest, monkeypatch):
    with monkeypatch.context() as past:
        made_at = time.time() - 25 * 3600
        past.setattr(signing.time, "time", lambda: made_at)
        token = guest_privacy.link_token(first=guest[0].pk, last=guest[2].pk)
    link = reverse("shop:guest-data", args=[token])
    response = client.get(link)
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    assert erase(client, link).status_code == 410
    assert Order.objects.filter(email__iexact=GUEST).count() == 3


def test_an_accounts_address_is_pointed_to_signing_in(client, guest,
                                                      django_capture_on_commit_callbacks):
    link = link_for(django_capture_on_commit_callbacks)
    mail.outbox.clear()
    make_account(GUEST.lower())

    ask(client, django_capture_on_commit_callbacks)

    (message,) = mail.outbox
    assert "/accounts/login/?next=/accounts/data/" in message.body
    assert not LINK.search(message.body)
    response = client.get(link)
    assert response.status_code == 403
    assert "sign in and open “Your data”" in response.content.decode()
    assert erase(client, link).status_code == 403
    assert Order.objects.filter(email__iexact=GUEST).count() == 3


def test_erasure_ends_the_sessions_that_hold_the_guests_details(
        client, guest, django_capture_on_commit_callbacks):
    browser = Client()
    session = browser.session
    session["checkout"] = {"email": GUEST, "address": ADDRESS}
    session.save()
    bystander = Client()
    kept = bystander.session
    kept["checkout"] = {"email": OTHER}
    kept.save()
    link = link_for(django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):  # the task that ends them
        erase(client, link)

    keys = set(Session.objects.values_list("session_key", flat=True))
    assert session.session_key not in keys
    assert kept.session_key in keys


def test_the_payments_of_other_customers_keep_their_notes(client, guest,
                                                          django_capture_on_commit_callbacks):
    other = Order.objects.get(email=OTHER)
    Payment.objects.create(order=other, provider="test", kind=Payment.Kind.REFUND,
                           amount=Decimal("1.00"), currency=other.currency,
                           status=Payment.Status.PENDING, note="For Philippa's friend")
    erase(client, link_for(django_capture_on_commit_callbacks))
    assert Payment.objects.get(order=other, kind=Payment.Kind.REFUND).note == (
        "For Philippa's friend")
