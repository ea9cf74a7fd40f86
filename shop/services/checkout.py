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

from core.money import ZERO, format_money
from monitoring import metrics
from shop.errors import EmptyCart, ShippingUnavailable, UnpaidOrderFromCart
from shop.models import (
    Cart,
    CartLine,
    DiscountCode,
    Order,
    OrderDiscount,
    OrderEvent,
    OrderLine,
    Seller,
    ShippingMethod,
    Variant,
)
from shop.promotions import codes, live, quotes, rules
from shop.services import addresses, expiry, inventory, orders, pricing, risk, shipments
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


def quote(
    items: list[rules.Item], *, method: ShippingMethod, code: DiscountCode | None, email: str,
    offers: list[rules.Offer] | None = None, parcels: int = 1,
) -> quotes.Quote:
    """What these items cost with the promotions, the code and this shipping method (free
    from its threshold, for the items after their discounts), once per parcel (one per shop
    the items come from): the review step shows it and placing the order charges it."""
    def shipping(goods: Decimal) -> Decimal:
        return parcels * pricing.shipping_cost(price=method.price, free_above=method.free_above,
                                               subtotal=goods)

    return quotes.quote(items, code=code, email=email, shipping=shipping, offers=offers)


@transaction.atomic
def place_order(
    *, cart: Cart, buyer: Buyer, address: dict, shipping_method_id: int, provider: str,
    save_address: bool = False, client_ip: str | None = None,
) -> Order:
    """Reserve the cart's stock (all lines or none) and write the order with its lines
    priced now; the cart keeps its lines until the order is paid. `save_address` also adds
    the address to a signed-in buyer's address book. `client_ip` is kept with the order's
    risk score (shop.services.risk), worked out here too. Raises EmptyCart, ShippingUnavailable,
    OutOfStock or UnpaidOrderFromCart, leaving everything as it was.

    The cart row is locked first, then the orders from it still awaiting payment, the code
    entered (its uses are counted under that lock), then the stock rows of theirs and the
    cart's lines, all in primary-key order. An unpaid order
    that is what this call would place (a double click, another tab, the review submitted
    again) is returned instead of placing a second. One past its deadline is expired here,
    as its task would. Any other may still be paid on its provider's page, so it is not
    replaced behind the shopper's back: UnpaidOrderFromCart asks them to pay or cancel it."""
    # The cart's row, locked, with the code entered on it.
    code_id = Cart.objects.select_for_update().values_list("discount_code_id", flat=True).get(
        pk=cart.pk
    )
    unpaid = list(Order.objects.select_for_update().filter(
        cart=cart, status=Order.Status.AWAITING_PAYMENT).order_by("pk"))
    lines = list(
        CartLine.objects.filter(cart=cart).select_related("variant__product__seller")
        .order_by("variant_id")
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
        elif _is_the_same(order, lines, wanted, code_id):
            return orders.choose_payment_provider(order_id=order.pk, provider=provider)
        else:
            raise UnpaidOrderFromCart(number=order.number)
    # Read before the code's and the stock's locks below (those rows stay locked to the
    # commit, and every order for the same variants waits for them), unless an unpaid order
    # of the cart has had its stock rows locked above.
    offers = live.live_offers(fresh=True)
    # Its uses are counted under this lock: orders placed at once with its last use queue here.
    code = codes.lock(code_id) if code_id else None
    variants = inventory.reserve_stock(
        quantities={line.variant_id: line.quantity for line in lines}
    )

    items = [_item(variants[line.variant_id], line.quantity) for line in lines]
    sellers = parcels_from([line.variant.product.seller for line in lines])
    priced = _priced(quote(items, method=method, code=code, email=buyer.email,
                           offers=offers, parcels=len(sellers)))
    order_lines = [
        _order_line(variants[line.variant_id], line.variant.product.seller, line.quantity,
                    discount)
        for line, discount in zip(lines, priced.line_discounts, strict=True)
    ]
    order = _create_order(
        user=buyer.user, email=buyer.email, status=Order.Status.AWAITING_PAYMENT,
        currency=settings.STORE_CURRENCY, subtotal=priced.subtotal,
        shipping_total=priced.shipping, tax_total=priced.tax, discount_total=priced.discount,
        shipping_discount=priced.shipping_discount,
        total=priced.total, tax_rate=settings.STORE_TAX_RATE, shipping_method=method,
        shipping_method_name=method.name, payment_provider=provider,
        pay_by=timezone.now() + timedelta(minutes=settings.ORDER_PAYMENT_TIMEOUT_MINUTES),
        cart=cart, **address,
    )
    for line in order_lines:
        line.order = order
    OrderLine.objects.bulk_create(order_lines)
    shipments.make(order, [seller.pk for seller in sellers])
    discounts = _record_discounts(order, priced, code)
    OrderEvent.objects.create(
        order=order, kind=OrderEvent.Kind.PLACED, to_status=order.status, actor=buyer.user,
        note=f"{_units(order_lines)}, {method.name} shipping{_saved(discounts)}.",
    )
    if save_address and buyer.user:
        addresses.save_address(user=buyer.user, values=address)
    risk.record_placement(order, client_ip=client_ip)
    _schedule_expiry(order)
    transaction.on_commit(metrics.record_order_placed)
    return order


def _is_the_same(order: Order, lines: list[CartLine], wanted: dict, code_id: int | None) -> bool:
    """Whether the unpaid order is what placing the cart now would place: the same units
    of the same variants at the same prices, with the same code, for the same buyer,
    address and shipping method."""
    bought = sorted(order.lines.values_list("variant_id", "quantity", "unit_price"))
    cart = sorted((line.variant_id, line.quantity, line.variant.price) for line in lines)
    used = order.discounts.filter(code__isnull=False).values_list("code_id", flat=True).first()
    return bought == cart and used == code_id and all(
        getattr(order, field) == value for field, value in wanted.items()
    )


def _item(variant: Variant, quantity: int) -> rules.Item:
    return rules.Item(product_id=variant.product_id,
                      category_ids=frozenset({variant.product.category_id}),
                      unit_price=variant.price, quantity=quantity)


def _priced(quote: quotes.Quote) -> rules.Priced:
    """The quote's prices, or CodeRefused when the code entered may not be used now (used
    up meanwhile, ended, or no longer right for the cart): the shopper decides whether to
    go on without it."""
    if quote.code is not None and quote.code_refusal:
        raise codes.CodeRefused(quote.code.code, quote.code_refusal)
    return quote.priced


def _record_discounts(
    order: Order, priced: rules.Priced, code: DiscountCode | None
) -> list[OrderDiscount]:
    """What each promotion took off the order: the code's row is the use its limits count."""
    rows = codes.order_discounts(priced, code)
    for row in rows:
        row.order = order
    return OrderDiscount.objects.bulk_create(rows)


def _saved(discounts: list[OrderDiscount]) -> str:
    if not discounts:
        return ""
    names = ", ".join(row.code_text or row.name for row in discounts)
    return f", {format_money(sum((row.amount for row in discounts), ZERO))} off ({names})"


def _units(lines: list[OrderLine]) -> str:
    units = sum(line.quantity for line in lines)
    return f"{units} item{'s' if units != 1 else ''}"


def parcels_from(sellers: list[Seller]) -> list[Seller]:
    """The shops items come from, each once, the store's first and then by name: one
    parcel each, in the order the order's pages list them."""
    unique = {seller.pk: seller for seller in sellers}.values()
    return sorted(unique, key=lambda seller: (not seller.is_store, seller.name))


def _order_line(variant: Variant, seller: Seller, quantity: int, discount: Decimal) -> OrderLine:
    return OrderLine(
        variant=variant, product_name=variant.product.name, options=variant.options,
        sku=variant.sku, unit_price=variant.price, quantity=quantity,
        line_total=pricing.line_total(variant.price, quantity), discount=discount,
        seller=seller, commission_rate=seller.commission_rate,
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
