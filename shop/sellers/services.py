"""A seller's life: applying, the staff's decision (approve with a commission, or reject
with a reason), suspension and reinstatement, and commission changes. Each step is one
transaction that locks the seller's row, writes its audit row and emails the shop.

While a seller is not approved its products are off the storefront (`Product.seller_listed`,
kept here so that no page joins the sellers to know), its open orders stay fulfillable.
"""

from decimal import Decimal

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from security import audit
from shop.caching import bump_catalogue_version
from shop.errors import ShopError
from shop.models import Product, Seller, SellerBranch, SellerMember, User
from shop.slugs import free_slug


class SellerError(ShopError):
    pass


def _lock(seller_id: int) -> Seller:
    return Seller.objects.select_for_update().get(pk=seller_id, is_store=False)


@transaction.atomic
def apply(*, user: User, values: dict, branches: list[dict]) -> Seller:
    """A signed-in customer asks to open a shop: pending until staff decide; they own it."""
    if SellerMember.objects.filter(user=user).exists():
        raise SellerError("You already have a shop or an application.")
    if Seller.objects.filter(name__iexact=values["name"]).exists():
        raise SellerError(f"A shop called “{values['name']}” exists already: choose another name.")
    seller = Seller.objects.create(
        **values, slug=free_slug(Seller, values["name"], fallback="shop"), applied_by=user
    )
    SellerBranch.objects.bulk_create(SellerBranch(seller=seller, **branch) for branch in branches)
    SellerMember.objects.create(seller=seller, user=user, role=SellerMember.Role.OWNER)
    audit.record(None, "seller.applied", seller, actor=user)
    _tell(seller, "Your application was received",
          f"Thank you for applying to sell on {settings.STORE_NAME} as {seller.name}. "
          "We will write to you once we have looked at it.")
    return seller


def _move(seller: Seller, to: Seller.Status, allowed: set[str], verb: str) -> None:
    if seller.status not in allowed:
        raise SellerError(
            f"{seller.name} is {seller.get_status_display().lower()}: it cannot be {verb}."
        )
    seller.status = to


def _list_products(seller: Seller, listed: bool) -> None:
    Product.objects.filter(seller=seller).update(seller_listed=listed)
    bump_catalogue_version()  # cached pages drop (or show) its products at once


@transaction.atomic
def approve(*, seller_id: int, commission_rate: Decimal, actor: User) -> Seller:
    commission_rate = _rate(commission_rate)
    seller = _lock(seller_id)
    _move(seller, Seller.Status.APPROVED, {Seller.Status.PENDING}, "approved")
    seller.commission_rate, seller.approved_at, seller.decision_reason = (
        commission_rate, timezone.now(), "")
    seller.save(update_fields=["status", "commission_rate", "approved_at", "decision_reason"])
    _list_products(seller, True)
    audit.record(None, "seller.approved", seller, actor=actor, commission_rate=commission_rate)
    _tell(seller, "Your shop is approved",
          f"{seller.name} is approved: sign in and open the seller portal at "
          f"{settings.SITE_URL}/sell/ to add your products. The store's commission is "
          f"{commission_rate}% of each sale.")
    return seller


@transaction.atomic
def reject(*, seller_id: int, reason: str, actor: User) -> Seller:
    reason = _reason(reason, "rejecting an application")
    seller = _lock(seller_id)
    _move(seller, Seller.Status.REJECTED, {Seller.Status.PENDING}, "rejected")
    seller.decision_reason = reason
    seller.save(update_fields=["status", "decision_reason"])
    audit.record(None, "seller.rejected", seller, actor=actor, reason=reason)
    _tell(seller, "Your application was not accepted",
          f"We are sorry: we cannot open {seller.name} on {settings.STORE_NAME}.\n\n"
          f"The reason: {reason}")
    return seller


@transaction.atomic
def suspend(*, seller_id: int, reason: str, actor: User) -> Seller:
    """Its products leave the storefront at once; its open orders stay to be shipped."""
    reason = _reason(reason, "suspending a shop")
    seller = _lock(seller_id)
    _move(seller, Seller.Status.SUSPENDED, {Seller.Status.APPROVED}, "suspended")
    seller.decision_reason = reason
    seller.save(update_fields=["status", "decision_reason"])
    _list_products(seller, False)
    audit.record(None, "seller.suspended", seller, actor=actor, reason=reason)
    _tell(seller, "Your shop is suspended",
          f"{seller.name} is suspended: its products are off the shop until it is "
          f"reinstated. Orders already placed are still yours to ship.\n\nThe reason: {reason}")
    return seller


@transaction.atomic
def reinstate(*, seller_id: int, actor: User) -> Seller:
    seller = _lock(seller_id)
    _move(seller, Seller.Status.APPROVED, {Seller.Status.SUSPENDED}, "reinstated")
    seller.decision_reason = ""
    seller.save(update_fields=["status", "decision_reason"])
    _list_products(seller, True)
    audit.record(None, "seller.reinstated", seller, actor=actor)
    _tell(seller, "Your shop is open again", f"{seller.name} is back on the shop.")
    return seller


@transaction.atomic
def set_commission(*, seller_id: int, commission_rate: Decimal, actor: User) -> Seller:
    """For orders placed from now on: lines already bought keep the rate they copied."""
    commission_rate = _rate(commission_rate)
    seller = _lock(seller_id)
    before = seller.commission_rate
    seller.commission_rate = commission_rate
    seller.save(update_fields=["commission_rate"])
    audit.record(None, "seller.commission_changed", seller, actor=actor,
                 before=before, after=commission_rate)
    return seller


def _rate(commission_rate: Decimal) -> Decimal:
    if not Decimal("0") <= commission_rate <= Decimal("100"):
        raise SellerError("A commission is a percentage from 0 to 100.")
    return commission_rate.quantize(Decimal("0.01"))


def _reason(reason: str, doing: str) -> str:
    reason = reason.strip()
    if not reason:
        raise SellerError(f"Give the reason for {doing}: the seller is told it.")
    return reason


def _tell(seller: Seller, subject: str, body: str) -> None:
    recipients = [seller.contact_email]
    transaction.on_commit(lambda: send_mail(
        f"[{settings.STORE_NAME}] {subject}", body, None, recipients
    ))
