"""Sellers for tests: an approved shop with an owner who can sign in to the portal."""

from decimal import Decimal

from shop.models import Seller, SellerMember
from tests.accounts import make_account
from tests.factories import ProductFactory, VariantFactory
from tests.second_factor import sign_in_with_second_factor


def make_seller(name: str, *, commission: str = "10", status=Seller.Status.APPROVED) -> Seller:
    slug = name.lower().replace(" ", "-")
    seller = Seller.objects.create(name=name, slug=slug, contact_email=f"{slug}@example.com",
                                   status=status, commission_rate=Decimal(commission))
    owner = make_account(f"owner@{slug}.example.com")
    SellerMember.objects.create(seller=seller, user=owner, role=SellerMember.Role.OWNER)
    return seller


def owner_of(seller: Seller):
    return seller.members.get(role=SellerMember.Role.OWNER).user


def sign_in_as_seller(client, seller: Seller):
    sign_in_with_second_factor(client, owner_of(seller))
    return client


def variant_of(seller: Seller, *, price: str = "20.00", on_hand: int = 10, **fields):
    product = ProductFactory(seller=seller, seller_listed=seller.status == "approved", **fields)
    return VariantFactory(product=product, price=Decimal(price), on_hand=on_hand)
