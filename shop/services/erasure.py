"""Closing a customer's account and erasing its personal data, at their request or by staff
on it (`erase_account`), and whether it may be closed now (`check_closable`).

The account row stays, under the pseudonym `deleted-<id>@invalid`, inactive and with no
usable password, because orders and reviews point at it. Its orders, their lines, payments
and refunds stay too, with their amounts, for the years the books must be kept: only their
copies of the email, name, street address and phone are replaced. Each email address the
orders carried gets a pseudonym of its own, so the dashboard (which counts a customer per
email address) counts the same customers before and after. What only served the person goes:
addresses, wishlist, saved shops, cart, downloads of their data, email addresses, second
factors, sign-in locks and sessions. Reviews keep their rating and text (product averages
do not move), their author shown as "A deleted customer". The audit log keeps its entries,
their copy of the email replaced and the person's client address cleared.
"""

import json
import re
from collections.abc import Callable, Iterable
from functools import partial
from importlib import import_module

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.tasks import task
from django.utils import timezone
from django_otp import devices_for_user

from security.models import AuditEntry, LoginLock
from shop import caching
from shop.errors import AccountNotClosable
from shop.models import (
    Address,
    Cart,
    DataExport,
    Order,
    OrderEvent,
    OrderRisk,
    Review,
    SavedSeller,
    SellerMember,
    SellerReview,
    User,
    WishlistItem,
)
from shop.models.customers import PSEUDONYM_DOMAIN
from shop.signals import check_account_closable, personal_data_erased

DELETED_NAME = "Deleted customer"
REMOVED = "[removed]"
# An order the customer is still waiting for (or the shop for them): an account with one
# is not closed, and the message says what to wait for.
UNPAID = {Order.Status.AWAITING_PAYMENT}
NOT_SHIPPED = {Order.Status.PAID, Order.Status.PARTIALLY_REFUNDED,
               Order.Status.PARTIALLY_SHIPPED}
# The orders' address fields that name the person; the country and the region stay, for
# the sales-tax records.
ERASED_ADDRESS = {"full_name": DELETED_NAME, "line1": "", "line2": "", "city": "",
                  "postal_code": "", "phone": ""}

Scrub = Callable[[object], object]


def pseudonym(user_id: int, index: int = 1) -> str:
    """The stand-in for the account's email address (index 1), or for another address its
    orders were placed with (2, 3, …): stable, and never a real mailbox."""
    suffix = "" if index == 1 else f"-{index}"
    return f"deleted-{user_id}{suffix}@{PSEUDONYM_DOMAIN}"


def customer_orders(user: User):
    """The orders that are the person's: those placed signed in, and those placed as a
    guest with one of the account's verified email addresses."""
    emails = verified_emails(user)
    return Order.objects.alias(email_lower=Lower("email")).filter(
        Q(user=user) | (Q(user__isnull=True) & Q(email_lower__in=emails))
    )


def verified_emails(user: User) -> set[str]:
    return {email.lower() for email in EmailAddress.objects.filter(user=user, verified=True)
            .values_list("email", flat=True)}


def check_closable(*, user: User) -> list[int]:
    """The ids of the person's orders, when the account may be closed now. Raises
    AccountNotClosable saying what to wait for: an order unpaid, not yet shipped, or with a
    refund under way; or an account that is not a customer's alone."""
    if user.erased_at is not None:
        raise AccountNotClosable(["This account is already closed."])
    if user.is_staff or user.is_superuser:
        raise AccountNotClosable([
            "This is a staff account: the owner takes it off the staff first "
            "(Dashboard → Staff)."
        ])
    teams = sorted(SellerMember.objects.filter(user=user).values_list("seller__name", flat=True))
    if teams:
        raise AccountNotClosable([
            f"You are on the team of {', '.join(teams)}: ask the shop's owner to take you off "
            "the team first, or write to us to close the shop."
        ])
    orders = list(customer_orders(user).only("pk", "number", "status"))
    check_orders_closed(orders=orders, user=user)
    return [order.pk for order in orders]


def check_orders_closed(*, orders: list[Order], user: User | None) -> None:
    """Raises AccountNotClosable saying what to wait for when one of `orders` is still open:
    unpaid, not yet shipped, or with a refund under way. `user` is None for a guest's."""
    reasons = [reason for reason in map(_open_reason, orders) if reason]
    order_ids = [order.pk for order in orders]
    for _receiver, answer in check_account_closable.send(User, user=user, order_ids=order_ids):
        reasons.extend(answer or [])
    if reasons:
        raise AccountNotClosable(reasons)


def _open_reason(order: Order) -> str:
    if order.status in UNPAID:
        return (f"Order {order.number} is waiting for payment: pay for it or cancel it on its "
                "page, or wait until it expires.")
    if order.status in NOT_SHIPPED:
        return (f"Order {order.number} has not shipped yet: wait until it has (we email you "
                "when it leaves).")
    return ""


@transaction.atomic
def erase_account(*, user_id: int) -> User:
    """Close the account and erase its personal data, in one transaction with the account's
    row locked; its sessions end too. Raises AccountNotClosable, and then changes nothing."""
    user = User.objects.select_for_update().get(pk=user_id)
    order_ids = check_closable(user=user)
    orders = Order.objects.filter(pk__in=order_ids)
    emails = _order_emails(user, orders)
    scrub = scrubber(_personal_values(user, orders, emails))

    erase_orders(orders, emails, scrub)
    _erase_reviews(user, scrub)
    _erase_belongings(user)
    _erase_sign_in(user, emails)
    _erase_logs(user, order_ids, emails, scrub)
    personal_data_erased.send(User, user=user, order_ids=order_ids, scrub=scrub)

    user.email = emails[user.email.lower()]
    user.first_name = user.last_name = ""
    user.set_unusable_password()
    user.is_active = False
    user.erased_at = timezone.now()
    user.save(update_fields=["email", "first_name", "last_name", "password", "is_active",
                             "erased_at"])
    # Signed out everywhere at once (no password, inactive); the session rows go after the
    # commit, as reading every live session would hold the request and the account's lock.
    transaction.on_commit(partial(end_sessions_of.enqueue, user_id=user.pk))
    return user


def _order_emails(user: User, orders) -> dict[str, str]:
    """Each email address (lower case) of the account and its orders → its pseudonym: the
    account's own first, the others in the order they were first used."""
    seen = [user.email.lower()]
    for email in orders.order_by("created_at", "pk").values_list(Lower("email"), flat=True):
        if email not in seen:
            seen.append(email)
    seen += sorted(verified_emails(user) - set(seen))
    return {email: pseudonym(user.pk, index) for index, email in enumerate(seen, start=1)}


def _personal_values(user: User, orders, emails: dict[str, str]) -> dict[str, str]:
    """Every personal value of the account → what replaces it in free text."""
    values: dict[str, str] = dict(emails)
    texts = [user.first_name, user.last_name, user.get_full_name()]
    fields = ["full_name", "line1", "line2", "city", "postal_code", "phone"]
    for row in [*orders.values(*fields), *Address.objects.filter(user=user).values(*fields)]:
        texts += list(row.values())
    risks = OrderRisk.objects.filter(order__in=orders).values_list("client_ip", flat=True)
    texts += [ip for ip in risks if ip]
    texts += [ip for ip in AuditEntry.objects.filter(actor_id=user.pk, ip__isnull=False)
              .values_list("ip", flat=True)]
    for text in texts:
        # Too short to stand for the person: a state code, a one-letter initial.
        if text and len(text.strip()) >= 3:
            values.setdefault(text.strip().lower(), REMOVED)
    return values


def scrubber(values: dict[str, str]) -> Scrub:
    """A function that replaces each of `values` (case apart, as a whole word) by its
    stand-in, in a text or anywhere inside a JSON value."""
    if not values:
        return lambda value: value
    pattern = whole_words(values)

    def scrub(value):
        match value:
            case str():
                return pattern.sub(lambda found: values[found.group(0).lower()], value)
            case dict():
                return {key: scrub(item) for key, item in value.items()}
            case list():
                return [scrub(item) for item in value]
        return value

    return scrub


def whole_words(values: Iterable[str]) -> re.Pattern:
    """A pattern matching any of `values` (case apart) where it stands alone: not part of a
    longer word or address (`bob@x.com` is not found in `jo.bob@x.com` or `bob@x.com.au`,
    `Ann` not in `Ann-Marie`), a full stop after it allowed."""
    longest_first = sorted(values, key=len, reverse=True)
    return re.compile("|".join(
        rf"(?<![\w.+-]){re.escape(value)}(?![\w-]|\.\w)" for value in longest_first
    ), re.IGNORECASE)


def naming(emails: Iterable[str]) -> Q:
    """The audit entries that name one of `emails` (as a whole address: a longer one that
    contains it is someone else's), as a filter."""
    emails = [email.lower() for email in emails]
    if not emails:
        return Q(pk__in=[])
    named = Q()
    for email in emails:
        named |= (Q(actor_label__iexact=email) | Q(object_label__icontains=email)
                  | Q(details__icontains=email))
    pattern = whole_words(emails)
    rows = AuditEntry.objects.filter(named).values_list("pk", "actor_label", "object_label",
                                                        "details")
    return Q(pk__in=[pk for pk, *texts in rows
                     if any(pattern.search(json.dumps(text)) for text in texts)])


def erase_orders(orders, emails: dict[str, str], scrub: Scrub) -> None:
    """Each of `emails` (lower case → pseudonym) on `orders` becomes its pseudonym, their
    name and street address go, their risk rows lose what points at the person, and their
    timeline notes are scrubbed; every amount stays."""
    for email, stand_in in emails.items():
        orders.alias(email_lower=Lower("email")).filter(email_lower=email).update(
            email=stand_in, **ERASED_ADDRESS
        )
    OrderRisk.objects.filter(order__in=orders).update(
        client_ip=None, email_key="", address_key="", card_fingerprint=""
    )
    scrub_rows(OrderEvent.objects.filter(order__in=orders).exclude(note=""), ["note"], scrub)


def _erase_reviews(user: User, scrub: Scrub) -> None:
    """Reviews stay (with their ratings, so no product's or shop's average moves), their
    author now shown as "A deleted customer"; a name or address in their text goes. The
    pages kept with the old name and text are dropped (shop.caching)."""
    reviews, shop_reviews = Review.objects.filter(user=user), SellerReview.objects.filter(user=user)
    if reviews.exists() or shop_reviews.exists():
        scrub_rows(reviews, ["title", "body"], scrub)
        scrub_rows(shop_reviews, ["body"], scrub)
        caching.bump_catalogue_version()


def _erase_belongings(user: User) -> None:
    Address.objects.filter(user=user).delete()
    WishlistItem.objects.filter(user=user).delete()
    SavedSeller.objects.filter(user=user).delete()
    Cart.objects.filter(user=user).delete()
    for export in DataExport.objects.filter(user=user):
        if export.file_name:
            default_storage.delete(export.file_name)
    DataExport.objects.filter(user=user).delete()


def _erase_sign_in(user: User, emails: dict[str, str]) -> None:
    EmailAddress.objects.filter(user=user).delete()
    for device in devices_for_user(user, confirmed=None):
        device.delete()
    locks = Q()
    for email in emails:
        locks |= Q(identifier__iexact=email)
    LoginLock.objects.filter(locks).delete()


def _erase_logs(user: User, order_ids: list[int], emails: dict[str, str], scrub: Scrub) -> None:
    """The audit log and the admin's history keep their entries; the person's email in them
    becomes the pseudonym, and their client address is cleared."""
    stand_in = emails[user.email.lower()]
    AuditEntry.objects.filter(actor_id=user.pk).update(actor_label=stand_in, ip=None)
    AuditEntry.objects.filter(object_type=User._meta.label, object_id=str(user.pk)).update(
        object_label=stand_in
    )
    scrub_rows(concerning(user, order_ids, emails), ["actor_label", "object_label", "details"],
                scrub)
    user_type = ContentType.objects.get_for_model(User)
    LogEntry.objects.filter(content_type=user_type, object_id=str(user.pk)).update(
        object_repr=stand_in
    )
    mentions = Q()
    for email in emails:
        mentions |= Q(object_repr__icontains=email) | Q(change_message__icontains=email)
    scrub_rows(LogEntry.objects.filter(mentions), ["object_repr", "change_message"], scrub)


def concerning(user: User, order_ids: Iterable[int], emails: Iterable[str]):
    """The audit entries that concern the person: what they did, what was done to their
    account or their orders, and any that names one of their email addresses."""
    about = (Q(actor_id=user.pk)
             | Q(object_type=User._meta.label, object_id=str(user.pk))
             | Q(object_type=Order._meta.label, object_id__in=[str(pk) for pk in order_ids]))
    return AuditEntry.objects.filter(about | naming(emails))


def scrub_rows(rows, fields: list[str], scrub: Scrub) -> None:
    for row in rows.only("pk", *fields):
        changed = {name: scrub(getattr(row, name)) for name in fields}
        if any(changed[name] != getattr(row, name) for name in fields):
            type(row).objects.filter(pk=row.pk).update(**changed)


# Kept beside the service that enqueues it, as shop.services.data_export keeps its task.
@task
def end_sessions_of(user_id: int) -> int:
    return end_sessions(user_id=user_id)


def end_sessions(*, user_id: int) -> int:
    """End every session signed in to the account, the cached copy with the row. Sessions
    name their user only inside their signed data, so each live one is read; returns how
    many ended."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    live = Session.objects.filter(expire_date__gt=timezone.now())
    for key, data in live.values_list("session_key", "session_data").iterator(chunk_size=2000):
        if str(store().decode(data).get("_auth_user_id")) == str(user_id):
            store(session_key=key).delete()
            ended += 1
    return ended
