"""One order of the demo history (see dashboard.demo.history): what is in it, what it costs
and what became of it.

Owns make_order (an everyday customer's: their basket, to their taste and the season's, priced
as checkout prices it, then expired, cancelled or paid and fulfilled) and make_attempt (an
attacker's, from its plan in dashboard.demo.attacks, scored for risk as shop scores it when
it is paid, and held then when risky). Both return model instances not saved yet.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings

from core.money import ZERO
from dashboard.demo import attacks, fulfilment, risk
from dashboard.demo.attacks import Attempt, Fate
from dashboard.demo.catalogue import Stock
from dashboard.demo.people import Customer
from shop.models import DiscountCode, Order, OrderLine, Shipment, ShippingMethod
from shop.promotions import codes, rules
from shop.services import pricing
from shop.services.risk import is_risky

EXPIRED, CANCELLED = 0.05, 0.03  # shares of orders never paid
CODE_SHARE = 0.1  # orders whose customer enters the shop's code, where it applies
EXPRESS_SHARE = 0.15
MOST_LINES = 4


@dataclass(frozen=True)
class _Basket:
    """An order's lines and shipping method, priced as checkout prices them, and the code
    used, if any."""

    lines: list[OrderLine]
    method: ShippingMethod
    priced: rules.Priced
    code: DiscountCode | None


def make_order(rng: random.Random, later: random.Random, stock: Stock, number: str,
               person: Customer, user_id: int | None, placed_at: datetime, horizon: datetime):
    """An order with its lines, payments, discounts and parcels, as model instances not
    saved yet."""
    basket = _basket(rng, stock, person.email, placed_at.date())
    while not _adds_up_in_floating_point(basket.priced):
        basket = _basket(rng, stock, person.email, placed_at.date())
    order, discounts, shipments = _placed(stock, number, person, user_id, placed_at, basket)
    fate = rng.random()
    if fate < EXPIRED:
        return _unpaid(rng, order, Fate.EXPIRED), basket.lines, [], discounts, shipments
    if fate < EXPIRED + CANCELLED:
        return _unpaid(rng, order, Fate.CANCELLED), basket.lines, [], discounts, shipments
    payments = fulfilment.pay(rng, later, order, basket.lines, shipments, horizon)
    stock.shelves.note_bought(person.email, [line.variant_id for line in basket.lines])
    return order, basket.lines, payments, discounts, shipments


def make_attempt(rng: random.Random, stock: Stock, number: str, attempt: Attempt,
                 horizon: datetime):
    """An attacker's order (dashboard.demo.attacks) with its risk row, scored as shop scores
    it: paid and risky, it is held at payment and nothing of it ships; any other is closed
    unpaid, or paid and fulfilled, as every order is. The rows placed before it must be in."""
    by_price = sorted((price, pk) for pk, (_, price, *_) in stock.variants.items())
    email = attempt.person.email

    def basket() -> _Basket:
        # Each attacker's address places one order: the code is theirs to use on a redraw too.
        lines = _chosen(stock, attacks.goods(rng, by_price, attempt.goods))
        return _priced(stock, lines, stock.standard, email, wants_code=attempt.takes_code)

    chosen = basket()
    while not _adds_up_in_floating_point(chosen.priced):
        chosen = basket()
    order, discounts, shipments = _placed(stock, number, attempt.person, None,
                                          attempt.placed_at, chosen)
    row = risk.row(order, attempt.origin, failed_tries=attempt.failed_tries)
    if attempt.fate is not Fate.PAID:
        risk.assess(_unpaid(rng, order, attempt.fate), row)
        return order, chosen.lines, [], discounts, shipments, row
    capture = fulfilment.charge(rng, order)
    risk.assess(order, row)
    until = order.paid_at if is_risky(row) else horizon
    payments = fulfilment.fulfil(rng, rng, order, chosen.lines, shipments, capture, until)
    return order, chosen.lines, payments, discounts, shipments, row


def _placed(stock: Stock, number: str, person: Customer, user_id: int | None,
            placed_at: datetime, basket: _Basket) -> tuple[Order, list, list[Shipment]]:
    """The order as checkout places it, with its discounts and parcels."""
    priced, method = basket.priced, basket.method
    order = Order(
        number=number, user_id=user_id, email=person.email, currency=settings.STORE_CURRENCY,
        subtotal=priced.subtotal, shipping_total=priced.shipping, tax_total=priced.tax,
        discount_total=priced.discount, shipping_discount=priced.shipping_discount,
        total=priced.total, tax_rate=settings.STORE_TAX_RATE,
        shipping_method=method, shipping_method_name=method.name,
        payment_provider=fulfilment.PROVIDER,
        created_at=placed_at, **person.address,
    )
    for line in basket.lines:
        line.order = order
    discounts = codes.order_discounts(priced, basket.code)
    for discount in discounts:
        discount.order = order
    return order, discounts, fulfilment.parcels(order, basket.lines, stock.rank)


def _unpaid(rng: random.Random, order: Order, fate: Fate) -> Order:
    """The order closed unpaid: expired when the time to pay ran out, or cancelled."""
    if fate is Fate.EXPIRED:
        order.status = Order.Status.EXPIRED
        order.closed_at = order.created_at + timedelta(
            minutes=settings.ORDER_PAYMENT_TIMEOUT_MINUTES)
    else:
        order.status = Order.Status.CANCELLED
        order.closed_at = order.created_at + timedelta(minutes=rng.randint(2, 25))
    return order


def _basket(rng: random.Random, stock: Stock, email: str, day: date) -> _Basket:
    """What the customer buys on `day`, to their taste and the season's, the shipping
    method they choose, and the code for some who have not used it."""
    lines = _lines(stock, email, day)
    method = stock.express if rng.random() < EXPRESS_SHARE else stock.standard
    wants_code = email not in stock.code_users and rng.random() < CODE_SHARE
    return _priced(stock, lines, method, email, wants_code=wants_code)


def _priced(stock: Stock, lines: list[OrderLine], method: ShippingMethod, email: str, *,
            wants_code: bool) -> _Basket:
    """The lines priced as checkout prices them: the offers, and the code where it is
    wanted and applies; shipping once per parcel, a parcel per seller."""
    items = [
        rules.Item(product_id=stock.product_of[line.variant_id],
                   category_ids=frozenset({stock.category_of[line.variant_id]}),
                   unit_price=line.unit_price, quantity=line.quantity)
        for line in lines
    ]
    code_offer = stock.code_offer if wants_code else None
    tax_rate = settings.STORE_TAX_RATE
    priced = rules.price(items, shipping=ZERO, tax_rate=tax_rate, offers=stock.offers,
                         code=code_offer)
    goods = priced.subtotal - sum(priced.line_discounts, ZERO)
    parcels = len({line.seller_id for line in lines})
    shipping = parcels * pricing.shipping_cost(price=method.price, free_above=method.free_above,
                                               subtotal=goods)
    priced = rules.price(items, shipping=shipping, tax_rate=tax_rate, offers=stock.offers,
                         code=code_offer)
    code = stock.code if priced.code_applied is not None else None
    if code is not None:
        stock.code_users.add(email)
    for line, discount in zip(lines, priced.line_discounts, strict=True):
        line.discount = discount
    return _Basket(lines, method, priced, code)


def _adds_up_in_floating_point(priced: rules.Priced) -> bool:
    """Whether SQLite accepts these totals: it checks `order_total_adds_up` in floating
    point, where some sums (10.20 + 5.00 + 1.22 ≠ 16.42) miss by a rounding error. Such
    baskets are drawn again, on every database, so the history is the same everywhere."""
    added = float(priced.subtotal) + float(priced.shipping) + float(priced.tax)
    return added - float(priced.discount) == float(priced.total)


def _lines(stock: Stock, email: str, day: date) -> list[OrderLine]:
    """The customer's basket, and the season's goods they take besides while it has room."""
    chosen = stock.shelves.basket(email)
    products = {variant.product_id for variant, _ in chosen}
    for extra in stock.seasons.extras(day):
        if len(chosen) < MOST_LINES and extra.product_id not in products:
            chosen.append((extra, 1))
            products.add(extra.product_id)
    return _chosen(stock, [(variant.pk, quantity) for variant, quantity in chosen])


def _chosen(stock: Stock, wanted: list[tuple[int, int]]) -> list[OrderLine]:
    """Lines of the variants wanted, as (pk, quantity), at their prices and sellers' terms."""
    lines = []
    for pk, quantity in wanted:
        sku, price, options, name = stock.variants[pk]
        seller_id = stock.seller_of[pk]
        lines.append(OrderLine(
            variant_id=pk, product_name=name, options=options, sku=sku, unit_price=price,
            quantity=quantity, line_total=pricing.line_total(price, quantity),
            seller_id=seller_id, commission_rate=stock.commission[seller_id],
        ))
    return lines
