"""`python -m bench.writes [RUN]`: 16 shoppers at once buy one unit each of a variant with
500 units, through the cart and checkout services on PostgreSQL, until it is sold out (a
product of its own for each RUN, 1 by default, so that a run can follow another).

Each shopper, in a thread with its own database connection, starts a cart, adds a unit and
places the order, again and again, until the shop says the variant is sold out. Prints one
line of JSON: orders placed, orders a second, and the units sold according to the orders'
lines and to the variant's reserved count, which must both be exactly 500.
"""

import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import django
from django.apps import apps

if not apps.ready:  # run as a script; imported by the tests, Django is set up already
    django.setup()

from django.db import connection
from django.db.models import Sum

from shop.errors import OutOfStock
from shop.models import Category, OrderLine, Product, ShippingMethod, Variant
from shop.services import cart as cart_services
from shop.services import checkout

CLIENTS = 16
UNITS = 500
ADDRESS = {
    "full_name": "Load Test", "line1": "1 Bench Street", "line2": "", "city": "Springfield",
    "region": "IL", "postal_code": "62701", "country": "US",
}


def sell_out(*, units: int = UNITS, clients: int = CLIENTS, run: int = 1) -> dict:
    """`clients` shoppers at once buy a variant of `units` units until it is sold out."""
    variant = _limited_edition(units, run)
    method = ShippingMethod.objects.filter(is_active=True).order_by("pk").first()
    stop = threading.Event()

    def shopper(number: int) -> int:
        placed = 0
        buyer = checkout.Buyer(email=f"shopper-{number}@bench.example.com", user=None)
        try:
            while not stop.is_set():
                cart = cart_services.start_cart()
                try:
                    cart_services.add_to_cart(cart=cart, variant=variant, quantity=1)
                    checkout.place_order(
                        cart=cart, buyer=buyer, address=ADDRESS, shipping_method_id=method.pk,
                        provider="stripe",
                    )
                except OutOfStock:
                    stop.set()
                    break
                placed += 1
        finally:
            connection.close()
        return placed

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        placed = sum(pool.map(shopper, range(clients)))
    seconds = time.perf_counter() - started
    variant.refresh_from_db()
    sold = OrderLine.objects.filter(variant=variant).aggregate(units=Sum("quantity"))["units"]
    return {
        "clients": clients, "units": units, "orders": placed, "seconds": round(seconds, 2),
        "orders_per_second": round(placed / seconds, 1), "sold": sold,
        "reserved": variant.reserved, "on_hand": variant.on_hand,
    }


def _limited_edition(units: int, run: int) -> Variant:
    """The run's own product with one variant of `units` units."""
    product = Product.objects.create(
        name=f"Limited Edition Scarf {run}", slug=f"bench-limited-edition-{run}",
        category=Category.objects.order_by("pk").first(),
    )
    return Variant.objects.create(
        product=product, sku=f"BENCH-LIMITED-{run}", price=Decimal("49.00"), on_hand=units,
    )


if __name__ == "__main__":
    print(json.dumps(sell_out(run=int(sys.argv[1]) if len(sys.argv) > 1 else 1)))
