"""The address book as its pages show it."""

from shop.models import Address, User


def address_book(user: User) -> list[Address]:
    """The customer's addresses, the default first, then the newest."""
    return list(Address.objects.filter(user=user))


def customer_address(user: User, address_id: int) -> Address | None:
    """One of the customer's own addresses; someone else's is None, as if it did not exist."""
    return Address.objects.filter(user=user, pk=address_id).first()
