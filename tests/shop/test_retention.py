"""The shop's retention jobs delete exactly what is due: guest carts nobody touched for the
period, and sign-ups never verified; everything else stays."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from shop.models import Cart, CartLine, Order, Seller, SellerMember, User
from shop.retention import delete_idle_guest_carts, delete_unverified_signups
from tests.factories import OrderFactory, UserFactory, VariantFactory

pytestmark = pytest.mark.django_db


def _ago(days: int):
    return timezone.now() - timedelta(days=days)


def _cart(*, days: int, user=None, lines: int = 1) -> Cart:
    cart = Cart.objects.create(user=user)
    for _ in range(lines):
        CartLine.objects.create(cart=cart, variant=VariantFactory(), quantity=1)
    Cart.objects.filter(pk=cart.pk).update(updated_at=_ago(days))
    return cart


def test_guest_carts_untouched_for_the_period_go_with_their_lines(settings):
    settings.RETENTION_GUEST_CART_DAYS = 30
    due = [_cart(days=31, lines=2), _cart(days=90)]
    kept = [
        _cart(days=29),  # touched inside the period
        _cart(days=90, user=UserFactory()),  # a customer's own
    ]
    waiting = _cart(days=60)  # an order placed from it still waits for its payment
    OrderFactory(cart=waiting, status=Order.Status.AWAITING_PAYMENT)
    paid_from = _cart(days=60)  # its order was paid: nothing holds it
    OrderFactory(cart=paid_from, status=Order.Status.PAID)

    assert delete_idle_guest_carts() == 3

    remaining = set(Cart.objects.values_list("pk", flat=True))
    assert remaining == {cart.pk for cart in [*kept, waiting]}
    assert not CartLine.objects.filter(cart_id__in=[cart.pk for cart in due]).exists()
    assert Order.objects.count() == 2  # the orders stay, the paid one without its cart
    assert delete_idle_guest_carts() == 0


def _signup(*, days: int, verified: bool = False, **fields) -> User:
    user = UserFactory(**fields)
    User.objects.filter(pk=user.pk).update(date_joined=_ago(days))
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=verified)
    return user


def test_sign_ups_never_verified_go_after_the_period(settings):
    settings.RETENTION_UNVERIFIED_SIGNUP_DAYS = 14
    due = [_signup(days=15), _signup(days=200)]
    _cart(days=1, user=due[0])  # what hangs on the account goes with it
    kept = [
        _signup(days=13),  # inside the period
        _signup(days=200, verified=True),
        _signup(days=200, is_staff=True),
        _signup(days=200, last_login=_ago(100)),  # signed in some other way
    ]
    ordered = _signup(days=200)
    OrderFactory(user=ordered)
    in_a_team = _signup(days=200)
    seller = Seller.objects.create(name="Makers", slug="makers", contact_email="m@example.com")
    SellerMember.objects.create(seller=seller, user=in_a_team)

    assert delete_unverified_signups() == 2

    remaining = set(User.objects.values_list("pk", flat=True))
    assert remaining == {user.pk for user in [*kept, ordered, in_a_team]}
    assert not EmailAddress.objects.filter(user_id__in=[user.pk for user in due]).exists()
    assert not Cart.objects.filter(user_id__in=[user.pk for user in due]).exists()
    assert delete_unverified_signups() == 0
