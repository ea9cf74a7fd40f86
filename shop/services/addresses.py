"""The address book: add, change, remove and choose the default address."""

from django.db import transaction

from shop.models import Address, User


@transaction.atomic
def save_address(*, user: User, values: dict, address: Address | None = None) -> Address:
    """Add an address (or change `address`). The first address becomes the default."""
    if address is None:
        address = Address(user=user)
    for name, value in values.items():
        setattr(address, name, value)
    if not Address.objects.filter(user=user).exclude(pk=address.pk).exists():
        address.is_default = True  # the only one: nothing else to take the mark from
    address.save()
    return address


@transaction.atomic
def delete_address(*, user: User, address_id: int) -> None:
    """Remove an address; if it was the default, the newest remaining one takes its place."""
    address = Address.objects.select_for_update().filter(user=user, pk=address_id).first()
    if address is None:
        return
    address.delete()
    if address.is_default:
        replacement = Address.objects.filter(user=user).order_by("-created_at", "-pk").first()
        if replacement:
            replacement.is_default = True
            replacement.save(update_fields=["is_default"])


@transaction.atomic
def make_default_address(*, user: User, address_id: int) -> Address | None:
    """Make one of the customer's addresses their default. Locks the customer's addresses
    (in primary-key order) so two such changes at once cannot both leave a default.
    Returns None, changing nothing, when the address is not theirs."""
    addresses = list(Address.objects.select_for_update().filter(user=user).order_by("pk"))
    chosen = next((a for a in addresses if a.pk == address_id), None)
    if chosen is None:
        return None
    if not chosen.is_default:
        Address.objects.filter(user=user, is_default=True).update(is_default=False)
        chosen.is_default = True
        chosen.save(update_fields=["is_default"])
    return chosen
