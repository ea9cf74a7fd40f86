"""A guest's data: the orders placed without an account under one email address. Asking
for a link (`request_link`: a task looks the address up and emails it, so the answer and
the work done while answering are the same whatever is typed), opening it
(`guest_for_token`), downloading those orders (`export_guest_data`) and erasing them
(`erase_guest_data`).

The link is signed, expires after PRIVACY_GUEST_LINK_HOURS, and names the address's first
order and its last one when the link was made, not the address itself (links end up in
logs): it covers the guest orders under that address up to that last one. Once they are
erased the first order carries the pseudonym, and the link opens nothing any more.

An address that is an account's verified one is not a guest's: the account's own export
and erasure cover the orders placed as a guest with it, so its owner is pointed to signing
in instead.
"""

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from functools import partial
from importlib import import_module

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.sessions.models import Session
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from core import retries
from security.models import AuditEntry, LoginLock
from shop import access
from shop.errors import ShopError
from shop.models import Order, OrderRisk, User
from shop.models.customers import PSEUDONYM_DOMAIN, is_pseudonym
from shop.services import data_export, erasure
from shop.signals import collect_personal_data, personal_data_erased

SALT = "shop.guest-privacy"
EXPORT_REQUESTED = "privacy.export_requested"  # as the account's download writes it
ERASED = "privacy.guest_erased"
PERSONAL_FIELDS = ["full_name", "line1", "line2", "city", "postal_code", "phone"]
# What a guest's browser session keeps of them (shop.views.checkout sets these): the
# checkout's details (email and address) and the number of the order it placed last.
CHECKOUT_KEY, PLACED_KEY = "checkout", "placed_order"


class GuestLinkInvalid(ShopError):
    message = ("This link is not valid: it may have been mistyped or cut short. Ask for a "
               "new one on our privacy page.")


class GuestLinkExpired(ShopError):
    message = "This link has expired. Ask for a new one on our privacy page."


class GuestLinkUsed(ShopError):
    message = ("There is nothing left to see through this link: the orders it opened have "
               "been erased. If you have ordered since, ask for a new link on our privacy "
               "page.")


class GuestHasAccount(ShopError):
    message = ("This email address belongs to an account, and the orders placed with it are "
               "the account's: sign in and open “Your data” to download or delete them.")


class Sent(StrEnum):
    """What went to an address that asked for its link."""

    NOTHING = ""  # no guest orders under it, or it is a pseudonym
    LINK = "link"  # the link to its guest orders
    ACCOUNT = "account"  # a pointer to signing in: it is an account's address


@dataclass(frozen=True)
class GuestData:
    """What a good link opens: the guest orders under `email` (lower case) up to `last`."""

    email: str
    first: int
    last: int

    def orders(self) -> QuerySet[Order]:
        return guest_orders(self.email).filter(pk__gte=self.first, pk__lte=self.last)


def link_hours() -> int:
    return settings.PRIVACY_GUEST_LINK_HOURS


def guest_orders(email: str) -> QuerySet[Order]:
    """The orders placed without an account under `email`, whatever its case."""
    return Order.objects.alias(email_lower=Lower("email")).filter(
        user__isnull=True, email_lower=email.strip().lower()
    )


def has_account(email: str) -> bool:
    """Whether `email` is an account's verified address (its orders are then the
    account's, as the account's export and erasure take them)."""
    return EmailAddress.objects.filter(email__iexact=email.strip(), verified=True).exists()


def guest_pseudonym(first_order_id: int) -> str:
    """The stand-in for a guest's address: named after their first order, so it is stable
    and no two guests share one (the dashboard counts a customer per address)."""
    return f"deleted-guest-{first_order_id}@{PSEUDONYM_DOMAIN}"


def request_link(*, email: str) -> None:
    """Have the link (or, for an account's address, a pointer to signing in) emailed to
    `email` after the commit, if there is anything to send."""
    transaction.on_commit(partial(send_guest_link.enqueue, email=email.strip().lower()))


# Beside the service it runs, as data_export keeps its task: shop.tasks imports the services.
@task
def send_guest_link(*, email: str, attempt: int = 1) -> Sent:
    """Email `email` its link, or a pointer to signing in; a mail server that fails for now
    gets it retried with backoff. A second run sends a second, equally good link."""
    return retries.run_with_retries(
        send_guest_link, send_link, attempt=attempt, retry_on=(OSError,), email=email,
        site_url=settings.SITE_URL,
    )


def send_link(*, email: str, site_url: str) -> Sent:
    """Email `email` what it should get, if anything, and say what went."""
    if not email or is_pseudonym(email):
        return Sent.NOTHING
    if has_account(email):
        _send(email, "guest_privacy_account", "How to see or delete your data",
              {"sign_in": site_url + reverse("account_login")
               + "?next=" + reverse("shop:your-data")})
        return Sent.ACCOUNT
    ids = list(guest_orders(email).order_by("pk").values_list("pk", flat=True))
    if not ids:
        return Sent.NOTHING
    path = reverse("shop:guest-data", args=[link_token(first=ids[0], last=ids[-1])])
    _send(email, "guest_privacy_link", "Your orders' data", {"link": site_url + path,
                                                            "hours": link_hours()})
    return Sent.LINK


def _send(email: str, template: str, subject: str, context: dict) -> None:
    context = {**context, "store_name": settings.STORE_NAME, "shop_url": settings.SITE_URL}
    message = EmailMultiAlternatives(
        f"[{settings.STORE_NAME}] {subject}", render_to_string(f"emails/{template}.txt", context),
        to=[email],
    )
    message.attach_alternative(render_to_string(f"emails/{template}.html", context), "text/html")
    message.send()


def link_token(*, first: int, last: int) -> str:
    return signing.dumps({"first": first, "last": last}, salt=SALT, compress=True)


def guest_for_token(token: str) -> GuestData:
    """The guest orders a link opens. Raises GuestLinkInvalid (tampered, made up),
    GuestLinkExpired (too old), GuestLinkUsed (its orders erased since) or GuestHasAccount
    (the address is an account's now)."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=timedelta(hours=link_hours()))
    except signing.SignatureExpired:
        raise GuestLinkExpired from None
    except (signing.BadSignature, ValueError):
        raise GuestLinkInvalid from None
    first, last = (payload.get(key) if isinstance(payload, dict) else None
                   for key in ("first", "last"))
    if not (isinstance(first, int) and isinstance(last, int)):
        raise GuestLinkInvalid
    order = Order.objects.filter(pk=first).only("email", "user").first()
    if order is None or order.user_id is not None or is_pseudonym(order.email):
        raise GuestLinkUsed
    if has_account(order.email):
        raise GuestHasAccount
    return GuestData(email=order.email.lower(), first=first, last=last)


def export_guest_data(*, guest: GuestData) -> bytes:
    """The guest's ZIP, as an account's but for their orders alone: the orders with their
    lines, payments and refunds, and the audit entries about them or naming the address.
    The download is recorded first, without the client address, so it is in it."""
    orders = list(guest.orders().prefetch_related(
        "lines", "events", "discounts", "shipments__seller"))
    order_ids = [order.pk for order in orders]
    _record(EXPORT_REQUESTED, guest.email, orders=len(order_ids))
    sections: dict[str, dict | list[dict]] = {
        **data_export.order_sections(orders),
        "audit_log": _audit(guest.email, order_ids),
    }
    for _receiver, answer in collect_personal_data.send(User, user=None, order_ids=order_ids):
        sections.update(answer or {})
    return data_export.zip_of(sections, readme="shop/guest_data_readme.txt")


def _audit(email: str, order_ids: list[int]) -> list[dict]:
    """As an account's: what the guest did ("you"), and what the shop did to their orders
    ("the shop", without the staff member's name, address or details)."""
    rows = []
    for entry in concerning(email, order_ids).order_by("created_at", "pk"):
        yours = entry.actor_id is None and entry.actor_label.lower() == email
        rows.append({
            "at": entry.created_at, "who": "you" if yours else "the shop",
            "action": entry.action, "object": entry.object_label,
            "client_address": "", "details": entry.details if yours else {},
        })
    return rows


def concerning(email: str, order_ids: list[int]) -> QuerySet[AuditEntry]:
    """The audit entries about the guest's orders, or naming their address."""
    return AuditEntry.objects.filter(
        Q(object_type=Order._meta.label, object_id__in=[str(pk) for pk in order_ids])
        | erasure.naming([email])
    )


def check_erasable(*, guest: GuestData) -> None:
    """Raises AccountNotClosable with the account's reasons while an order is open."""
    erasure.check_orders_closed(orders=list(guest.orders().only("pk", "number", "status")),
                                user=None)


@transaction.atomic
def erase_guest_data(*, guest: GuestData) -> str:
    """Erase the guest's personal data as an account's erasure does its orders', in one
    transaction with the orders' rows locked (in pk order); returns the pseudonym. Raises
    AccountNotClosable (an order open), GuestLinkUsed (erased meanwhile) or
    GuestHasAccount, and then changes nothing."""
    orders = list(guest.orders().select_for_update().order_by("pk")
                  .only("pk", "number", "status"))
    if not orders:
        raise GuestLinkUsed
    if has_account(guest.email):
        raise GuestHasAccount
    erasure.check_orders_closed(orders=orders, user=None)
    order_ids = [order.pk for order in orders]
    stand_in = guest_pseudonym(order_ids[0])
    rows = Order.objects.filter(pk__in=order_ids)
    scrub = erasure.scrubber(_personal_values(guest.email, stand_in, rows))

    erasure.erase_orders(rows, {guest.email: stand_in}, scrub)
    erasure.scrub_rows(concerning(guest.email, order_ids),
                       ["actor_label", "object_label", "details"], scrub)
    mentions = Q(object_repr__icontains=guest.email) | Q(change_message__icontains=guest.email)
    erasure.scrub_rows(LogEntry.objects.filter(mentions), ["object_repr", "change_message"],
                       scrub)
    LoginLock.objects.filter(identifier__iexact=guest.email).delete()
    personal_data_erased.send(User, user=None, order_ids=order_ids, scrub=scrub)
    # The sessions still holding the address go after the commit (every live one is read).
    transaction.on_commit(partial(end_guest_sessions_of.enqueue, email=guest.email,
                                  numbers=sorted(order.number for order in orders)))
    _record(ERASED, stand_in, orders=len(order_ids))
    return stand_in


def _personal_values(email: str, stand_in: str, rows: QuerySet[Order]) -> dict[str, str]:
    """Every personal value of the guest → what replaces it in free text."""
    values = {email: stand_in}
    texts = [text for row in rows.values_list(*PERSONAL_FIELDS) for text in row]
    # A guest has no first and last name apart: each word of the name they gave stands too.
    texts += [word for (name,) in rows.values_list("full_name") for word in name.split()]
    texts += [ip for ip in OrderRisk.objects.filter(order__in=rows)
              .values_list("client_ip", flat=True) if ip]
    for text in texts:
        # Too short to stand for the person: a one-letter initial, say.
        if text and len(text.strip()) >= 3:
            values.setdefault(text.strip().lower(), erasure.REMOVED)
    return values


@task
def end_guest_sessions_of(email: str, numbers: list[str]) -> int:
    return end_guest_sessions(email=email, numbers=set(numbers))


def end_guest_sessions(*, email: str, numbers: set[str]) -> int:
    """End the live sessions that hold the address typed at checkout or one of the orders'
    numbers (the browser that placed or opened them), the cached copy with the row; returns
    how many ended. Sessions keep these only inside their signed data, so each is read."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    live = Session.objects.filter(expire_date__gt=timezone.now())
    for key, data in live.values_list("session_key", "session_data").iterator(chunk_size=2000):
        session = store().decode(data)
        details = session.get(CHECKOUT_KEY)
        typed = details.get("email", "") if isinstance(details, dict) else ""
        if (str(typed).strip().lower() == email or session.get(PLACED_KEY) in numbers
                or numbers & set(session.get(access.SESSION_KEY, []))):
            store(session_key=key).delete()
            ended += 1
    return ended


def _record(action: str, label: str, **details: object) -> AuditEntry:
    """An entry as the account's flow writes it, the guest's address (or its pseudonym) as
    who acted, and no client address: the entry outlives what it is about. Written here,
    not by security.audit, which names only accounts as actors."""
    return AuditEntry.objects.create(actor_label=label, action=action, object_label=label,
                                     details=details)
