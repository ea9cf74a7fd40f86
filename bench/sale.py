"""`python -m bench.sale SECONDS`: 16 shoppers buy for SECONDS while the reads are measured.

Each shopper, in a thread with its own database connection, starts a cart, adds one unit
of a variant drawn from the 200 with the most stock, places the order and has it paid, again
and again: every order moves stock twice (reserved, then taken off the shelf), as a sale does.
Prints one line of JSON: shoppers, orders placed and paid, and orders a second.
"""

import json
import random
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import django
from django.apps import apps

if not apps.ready:  # run as a script; imported by the tests, Django is set up already
    django.setup()

from django.db import connection
from django.db.models import F

from bench.writes import ADDRESS, CLIENTS
from shop.errors import ShopError
from shop.models import ShippingMethod, Variant
from shop.services import cart as cart_services
from shop.services import checkout, orders

STOCKED = 200


def buy_for(seconds: float, *, clients: int = CLIENTS) -> dict:
    variants = list(
        Variant.objects.filter(product__is_active=True, product__seller__is_store=True)
        .annotate(left=F("on_hand") - F("reserved")).order_by("-left", "pk")[:STOCKED]
    )
    method = ShippingMethod.objects.filter(is_active=True).order_by("pk").first()
    until = time.monotonic() + seconds
    stop = threading.Event()

    def shopper(number: int) -> int:
        rng = random.Random(number)  # noqa: S311 - which variant to buy, not security
        buyer = checkout.Buyer(email=f"sale-{number}@bench.example.com", user=None)
        bought = 0
        try:
            while time.monotonic() < until and not stop.is_set():
                cart = cart_services.start_cart()
                try:
                    cart_services.add_to_cart(cart=cart, variant=rng.choice(variants), quantity=1)
                    order = checkout.place_order(
                        cart=cart, buyer=buyer, address=ADDRESS, shipping_method_id=method.pk,
                        provider="stripe",
                    )
                    orders.mark_paid(order_id=order.pk, amount=order.total,
                                     currency=order.currency, provider="stripe")
                except ShopError:
                    continue  # that variant ran out: another next time
                bought += 1
        finally:
            connection.close()
        return bought

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        bought = sum(pool.map(shopper, range(clients)))
    elapsed = time.perf_counter() - started
    return {"clients": clients, "orders": bought, "seconds": round(elapsed, 1),
            "orders_per_second": round(bought / elapsed, 1)}


if __name__ == "__main__":
    print(json.dumps(buy_for(float(sys.argv[1]))))
