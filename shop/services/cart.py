"""The cart: start one, add a variant, change or remove a line, and merge an anonymous cart
into the customer's at sign-in. Every change is checked against the stock available now, and
a change the stock cannot cover is cut to what is left, with a message naming the line. So is
one past MAX_PER_LINE, the most of one variant a cart may hold, with a message saying so.

Each change locks the cart's row first, touching it, so two changes to one cart (two tabs,
a double click) happen one after the other."""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Case, F, Q, QuerySet, Sum, Value, When
from django.utils import timezone

from shop import caching
from shop.errors import CartLineGone, OutOfStock
from shop.models import Cart, CartLine, Order, OrderLine, User, Variant

MAX_PER_LINE = 99
AT_MOST = f"We can sell at most {MAX_PER_LINE} of one item"


@dataclass(frozen=True)
class CartChange:
    message: str
    ok: bool  # the whole change was made as asked
    count: int  # units in the cart afterwards


def cart_for_user(user: User) -> Cart:
    cart, _ = Cart.objects.get_or_create(user=user)
    return cart


def start_cart() -> Cart:
    """A new, anonymous cart, which the session will name."""
    return Cart.objects.create()


def lock_cart(cart: Cart) -> None:
    """Hold the cart's row until the transaction ends, marking it changed now (one UPDATE,
    which a change that fails takes back): changes to one cart queue up."""
    Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now())


@transaction.atomic
def add_to_cart(*, cart: Cart, variant: Variant, quantity: int) -> CartChange:
    """Add units of a variant. Raises OutOfStock, changing nothing, when none can be added."""
    lock_cart(cart)
    units = _units_by_variant(cart)
    in_cart = units.get(variant.pk, 0)
    _check_on_sale(variant)
    allowed = _allowed(variant, cart) - in_cart
    if allowed <= 0:
        if in_cart >= MAX_PER_LINE:
            raise OutOfStock(f"{AT_MOST}, and you already have {in_cart} of “{variant}”.")
        if in_cart:
            raise OutOfStock(f"You already have all {in_cart} of “{variant}” we can sell you.")
        raise OutOfStock(f"“{variant}” is sold out.")
    added = min(quantity, allowed)
    # The units as this change read them, and those it adds (a payment's page counts the
    # cart again after its order is paid).
    count = sum(units.values()) + added
    # Added to what the line holds now: a payment takes its units out of the cart without
    # waiting for the cart's lock (take_paid_units), some of a line's or all of it.
    line = CartLine.objects.filter(cart=cart, variant=variant)
    if not (in_cart and line.update(quantity=F("quantity") + added)):
        CartLine.objects.create(cart=cart, variant=variant, quantity=added)
        if in_cart:  # the line was taken meanwhile: count again
            count = count_units(cart)
    if added < quantity and in_cart + added == MAX_PER_LINE:
        message = (f"{AT_MOST}: added {added}, so you now have {MAX_PER_LINE} of “{variant}”"
                   " in your cart.")
    elif added < quantity:
        message = f"Only {added} more of “{variant}” could be added; that is all we can sell you."
    else:
        message = f"Added {added} × “{variant}” to your cart."
    return _changed(cart, message=message, ok=added == quantity, count=count)


@transaction.atomic
def change_quantity(*, cart: Cart, line_id: int, quantity: int) -> CartChange:
    """Set a line's quantity; 0 removes it. More than is available, or than one cart may
    hold, is cut to that, and the message says which."""
    if quantity <= 0:
        return remove_line(cart=cart, line_id=line_id)
    lock_cart(cart)
    line = _line(cart, line_id)
    _check_on_sale(line.variant)
    allowed = _allowed(line.variant, cart)
    if allowed <= 0:
        raise OutOfStock(f"“{line.variant}” is sold out; please remove it.")
    line.quantity = min(quantity, allowed)
    # A payment may have taken the line meanwhile (take_paid_units does not wait for the lock).
    if not CartLine.objects.filter(pk=line.pk).update(quantity=line.quantity):
        raise CartLineGone()
    if line.quantity < quantity and allowed == MAX_PER_LINE:
        message = f"{AT_MOST}, so your quantity of “{line.variant}” is now {allowed}."
    elif line.quantity < quantity:
        message = f"Only {allowed} of “{line.variant}” left, so your quantity is now {allowed}."
    else:
        message = f"“{line.variant}”: quantity {line.quantity}."
    return _changed(cart, message=message, ok=line.quantity == quantity,
                    count=count_units(cart))


@transaction.atomic
def remove_line(*, cart: Cart, line_id: int) -> CartChange:
    lock_cart(cart)
    line = _line(cart, line_id)
    line.delete()
    return _changed(cart, message=f"Removed “{line.variant}” from your cart.", ok=True,
                    count=count_units(cart))


@transaction.atomic
def merge_carts(*, source: Cart | None, user: User) -> tuple[Cart, list[str]]:
    """At sign-in, move an anonymous cart's lines into the customer's own cart; where both
    hold a variant the quantities add up, cut to the stock available. Returns the
    customer's cart and a message for each line that was cut."""
    target = cart_for_user(user)
    if source is None or source.pk == target.pk:
        return target, []
    # Both carts in primary-key order, then the anonymous cart's orders, as placing an order
    # locks a cart and then its orders.
    list(Cart.objects.select_for_update().filter(pk__in=[source.pk, target.pk]).order_by("pk"))
    # Its orders come along: paying one takes its lines out of the customer's cart, and the
    # units they hold count as the customer's own.
    moving = list(Order.objects.select_for_update().filter(cart=source).order_by("pk")
                  .values_list("pk", flat=True))
    Order.objects.filter(pk__in=moving).update(cart=target)
    existing = {line.variant_id: line for line in target.lines.all()}
    held = _held_units(target)
    messages = []
    for line in source.lines.select_related("variant__product"):
        current = existing.get(line.variant_id)
        wanted = line.quantity + (current.quantity if current else 0)
        quantity = min(wanted, _allowed(line.variant, target, held))
        if quantity < wanted:
            messages.append(f"Only {quantity} of “{line.variant}” could stay in your cart.")
        if current and quantity > 0:
            current.quantity = quantity
            current.save(update_fields=["quantity"])
        elif current:
            current.delete()
        elif quantity > 0:
            CartLine.objects.create(cart=target, variant=line.variant, quantity=quantity)
    source.delete()
    caching.bump_cart(source.pk)
    caching.bump_cart(target.pk)
    return target, messages


def take_paid_units(*, cart_id: int, bought: dict[int, int]) -> None:
    """An order placed from the cart is paid: the units it bought (variant id → quantity)
    leave the cart. Units added since it was placed stay there. Each statement checks the
    quantity as it runs, so a change the shopper makes at the same moment is kept, not
    overwritten; the cart row is not locked, as the paying transaction holds the order's
    and placing an order takes the cart's first."""
    if not bought:  # its variants are gone: nothing of the cart is the order's
        return
    caching.bump_cart(cart_id)
    lines = CartLine.objects.filter(cart_id=cart_id)
    all_of = Q()
    some_of = Q()
    for variant_id, taken in bought.items():
        all_of |= Q(variant_id=variant_id, quantity__lte=taken)
        some_of |= Q(variant_id=variant_id, quantity__gt=taken)
    lines.filter(all_of).delete()
    lines.filter(some_of).update(quantity=F("quantity") - Case(
        *(When(variant_id=variant_id, then=Value(taken)) for variant_id, taken in bought.items())
    ))


def _changed(cart: Cart, *, message: str, ok: bool, count: int) -> CartChange:
    """The end of every change: the pages kept with the cart's contents go, and the cart now
    holds `count` units."""
    caching.bump_cart(cart.pk)
    return CartChange(message=message, ok=ok, count=count)


def count_units(cart: Cart) -> int:
    return cart.lines.aggregate(units=Sum("quantity"))["units"] or 0


def _units_by_variant(cart: Cart) -> dict[int, int]:
    """The cart's units of each variant it holds (one query)."""
    return dict(CartLine.objects.filter(cart=cart).order_by().values_list("variant_id",
                                                                          "quantity"))


def held_by_unpaid_orders(cart) -> QuerySet[OrderLine]:
    """The lines of orders placed from `cart` (a cart, its id, or an OuterRef to one) and not
    paid yet: the cart keeps those lines until they are paid, so their reserved units are
    the cart's own to count as available."""
    return OrderLine.objects.filter(order__cart=cart, order__status=Order.Status.AWAITING_PAYMENT)


def _held_units(cart: Cart, **only: object) -> dict[int, int]:
    """Units the cart's unpaid orders hold, by variant id (those `only` names), in one
    query."""
    return dict(
        held_by_unpaid_orders(cart).filter(**only).values("variant_id")
        .annotate(units=Sum("quantity")).order_by().values_list("variant_id", "units")
    )


def _allowed(variant: Variant, cart: Cart, held: dict[int, int] | None = None) -> int:
    """How many of the variant the cart may hold: what is available, plus what the cart's own
    orders awaiting payment hold (`held` by variant id, read here when not given), at most
    MAX_PER_LINE."""
    if not variant.product.is_listed:
        return 0
    if held is None:
        held = _held_units(cart, variant=variant)
    return min(max(variant.available + held.get(variant.pk, 0), 0), MAX_PER_LINE)


def _check_on_sale(variant: Variant) -> None:
    if not variant.product.is_listed:
        raise OutOfStock(f"“{variant}” is no longer sold; please remove it from your cart.")


def _line(cart: Cart, line_id: int) -> CartLine:
    line = CartLine.objects.select_related("variant__product").filter(cart=cart, pk=line_id).first()
    if line is None:
        raise CartLineGone()
    return line
