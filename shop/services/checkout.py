"""Placing an order: the one transaction that turns a cart into an order with its stock
reserved, ready to be paid. The cart keeps its lines until the order is paid (shop.services.
orders.mark_paid takes them out then), so a shopper whose payment fails still has them."""

import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.money import ZERO
from monitoring import metrics
from shop.errors import EmptyCart, ShippingUnavailable, UnpaidOrderFromCart
from shop.models import Cart, CartLine, Order, OrderEvent, OrderLine, ShippingMethod, Variant
from shop.services import addresses, expiry, inventory, orders, pricing
from shop.services import cart as cart_services
from worker.enqueue import enqueue_with_transaction

# No 0/O, 1/I/L: read out over the phone without confusion.
NUMBER_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class Buyer:
    email: str
    user: object | None  # the signed-in customer, or None for a guest


def new_order_number() -> str:
    """Ten random characters in two groups (about 49 bits): unguessable, easy to read."""
    chars = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(10))
    return f"{chars[:5]}-{chars[5:]}"


def quote(*, line_totals: list[Decimal], method: ShippingMethod) -> pricing.Totals:
    """What lines of these totals cost with this shipping method: the review step shows
    it and placing the order charges it."""
    subtotal = sum(line_totals, ZERO)
    shipping = pricing.shipping_cost(
        price=method.price, free_above=method.free_above, subtotal=subtotal
    )
    return pricing.price_order(
        line_totals=line_totals, shipping=shipping, tax_rate=settings.STORE_TAX_RATE
    )


@transaction.atomic
def place_order(
    *, cart: Cart, buyer: Buyer, address: dict, shipping_method_id: int, provider: str,
    save_address: bool = False,
) -> Order:
    """Reserve the cart's stock (all lines or none) and write the order with its lines
    priced now; the cart keeps its lines until the order is paid. `save_address` also adds
    the address to a signed-in buyer's address book. Raises EmptyCart, ShippingUnavailable,
    OutOfStock or UnpaidOrderFromCart, leaving everything as it was.

    The cart row is locked first, then the orders from it still awaiting payment, then the
    stock rows of theirs and the cart's lines, all in primary-key order. An unpaid order
    that is what this call would place (a double click, another tab, the review submitted
    again) is returned instead of placing a second. One past its deadline is expired here,
    as its task would. Any other may still be paid on its provider's page, so it is not
    replaced behind the shopper's back: UnpaidOrderFromCart asks them to pay or cancel it."""
    cart_services.lock_cart(cart)
    unpaid = list(Order.objects.select_for_update().filter(
        cart=cart, status=Order.Status.AWAITING_PAYMENT).order_by("pk"))
    lines = list(
        CartLine.objects.filter(cart=cart).select_related("variant").order_by("variant_id")
    )
    if not lines:
        raise EmptyCart()
    method = ShippingMethod.objects.filter(pk=shipping_method_id, is_active=True).first()
    if method is None:
        raise ShippingUnavailable()
    wanted = {"email": buyer.email, "user_id": getattr(buyer.user, "pk", None),
              "shipping_method_id": method.pk, **address}
    if unpaid:  # expiring one releases its stock: every row this call touches, locked at once
        inventory.lock_variants(
            {line.variant_id for line in lines}
            | set(OrderLine.objects.filter(order__in=unpaid).values_list("variant_id", flat=True))
        )
    for order in unpaid:
        if not order.can_be_paid:
            orders.expire_order(order_id=order.pk)
        elif _is_the_same(order, lines, wanted):
            return orders.choose_payment_provider(order_id=order.pk, provider=provider)
        else:
            raise UnpaidOrderFromCart(number=order.number)
    variants = inventory.reserve_stock(
        quantities={line.variant_id: line.quantity for line in lines}
    )

    order_lines = [_order_line(variants[line.variant_id], line.quantity) for line in lines]
    totals = quote(line_totals=[line.line_total for line in order_lines], method=method)
    order = _create_order(
        user=buyer.user, email=buyer.email, status=Order.Status.AWAITING_PAYMENT,
        currency=settings.STORE_CURRENCY, subtotal=totals.subtotal,
        shipping_total=totals.shipping, tax_total=totals.tax, discount_total=totals.discount,
        total=totals.total, tax_rate=settings.STORE_TAX_RATE, shipping_method=method,
        shipping_method_name=method.name, payment_provider=provider,
        pay_by=timezone.now() + timedelta(minutes=settings.ORDER_PAYMENT_TIMEOUT_MINUTES),
        cart=cart, **address,
    )
    for line in order_lines:
        line.order = order
    OrderLine.objects.bulk_create(order_lines)
    OrderEvent.objects.create(
        order=order, kind=OrderEvent.Kind.PLACED, to_status=order.status, actor=buyer.user,
        note=f"{_units(order_lines)}, {method.name} shipping.",
    )
    if save_address and buyer.user:
        addresses.save_address(user=buyer.user, values=address)
    _schedule_expiry(order)
    transaction.on_commit(metrics.record_order_placed)
    return order


def _is_the_same(order: Order, lines: list[CartLine], wanted: dict) -> bool:
    """Whether the unpaid order is what placing the cart now would place: the same units
    of the same variants at the same prices, for the same buyer, address and shipping
    method."""
    bought = sorted(order.lines.values_list("variant_id", "quantity", "unit_price"))
    cart = sorted((line.variant_id, line.quantity, line.variant.price) for line in lines)
    return bought == cart and all(
        getattr(order, field) == value for field, value in wanted.items()
    )


def _units(lines: list[OrderLine]) -> str:
    units = sum(line.quantity for line in lines)
    return f"{units} item{'s' if units != 1 else ''}"


def _order_line(variant: Variant, quantity: int) -> OrderLine:
    return OrderLine(
        variant=variant, product_name=variant.product.name, options=variant.options,
        sku=variant.sku, unit_price=variant.price, quantity=quantity,
        line_total=pricing.line_total(variant.price, quantity),
    )


def _create_order(**fields: object) -> Order:
    """Insert the order under a fresh number, drawing again in the unlikely event of a
    clash (inside a savepoint, so the surrounding transaction survives it)."""
    for _ in range(5):
        try:
            with transaction.atomic():
                return Order.objects.create(number=new_order_number(), **fields)
        except IntegrityError:
            continue
    raise IntegrityError("Could not find a free order number.")


def _schedule_expiry(order: Order) -> None:
    """Where the task backend can run work later, expire this order at its deadline;
    otherwise `manage.py expire_orders`, run every minute, does."""
    if not expiry.expire_order.get_backend().supports_defer:
        return
    enqueue_with_transaction(expiry.expire_order.using(run_after=order.pay_by), order_id=order.pk)
