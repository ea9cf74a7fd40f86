"""What the shop deletes of people it no longer needs to know, run daily with the other
retention jobs (dashboard.retention): guest carts nobody has touched for
RETENTION_GUEST_CART_DAYS, and accounts whose email was never verified within
RETENTION_UNVERIFIED_SIGNUP_DAYS of signing up (such an account could never sign in).

Each `…_due` is exactly what its job deletes, for the job and its tests alike.
"""

from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from shop.models import Cart, Order, SellerMember, User


def idle_guest_carts_due(now: datetime | None = None) -> QuerySet[Cart]:
    """Carts of no account, untouched for the period (every change to a cart touches it),
    and holding no order still waiting for its payment (the cart keeps its lines for it)."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.RETENTION_GUEST_CART_DAYS)
    waiting = Order.objects.filter(cart=OuterRef("pk"), status=Order.Status.AWAITING_PAYMENT)
    return Cart.objects.filter(user=None, updated_at__lt=cutoff).exclude(Exists(waiting))


def unverified_signups_due(now: datetime | None = None) -> QuerySet[User]:
    """Accounts that signed up before the period and never verified an email: not staff,
    never signed in, in no seller's team, and with no order (an order's customer is kept
    with it)."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.RETENTION_UNVERIFIED_SIGNUP_DAYS)
    verified = EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)
    return User.objects.filter(
        date_joined__lt=cutoff, is_staff=False, is_superuser=False, last_login=None,
    ).exclude(Exists(verified)).exclude(
        Exists(Order.objects.filter(user=OuterRef("pk")))
    ).exclude(Exists(SellerMember.objects.filter(user=OuterRef("pk"))))


def delete_idle_guest_carts(now: datetime | None = None) -> int:
    """Delete the carts due, with their lines; how many carts."""
    return idle_guest_carts_due(now).delete()[1].get(Cart._meta.label, 0)


def delete_unverified_signups(now: datetime | None = None) -> int:
    """Delete the accounts due, with all that hangs on them; how many accounts."""
    return unverified_signups_due(now).delete()[1].get(User._meta.label, 0)
