"""`python -m bench.seed`: the benchmark's shop, in bulk and the same on every run.

2,000 products (125 in each of the demo's 16 aisles) with at most 5 variants each (about
8,000), then 100,000 orders over the 12 months up to yesterday from 20,000 customers, with
their payments, refunds and storefront sessions (dashboard.demo.history). Images are rows
without files: no page fetch in the benchmark asks for them. Prints one line of JSON: what
was made and how long each part took.
"""

import json
import time

import django
from django.apps import apps

if not apps.ready:  # run as a script; imported by the tests, Django is set up already
    django.setup()

from django.db import connection

from dashboard.demo.history import seed_order_history
from shop.demo import load_demo_catalogue
from shop.demo.plan import plan_catalogue

PRODUCTS_PER_AISLE = 125
VARIANTS_PER_PRODUCT = 5
ORDERS = 100_000
CUSTOMERS = 20_000


def seed(
    *, products_per_aisle: int = PRODUCTS_PER_AISLE,
    variants_per_product: int = VARIANTS_PER_PRODUCT, orders: int = ORDERS,
    customers: int = CUSTOMERS,
) -> dict:
    """Seed the shop at these sizes (the benchmark's by default); what was made, and when."""
    started = time.perf_counter()
    catalogue = plan_catalogue(
        products_per_aisle=products_per_aisle, variants_per_product=variants_per_product
    )
    loaded = load_demo_catalogue(catalogue, draw_images=False)
    catalogue_seconds = time.perf_counter() - started
    history = seed_order_history(orders=orders, customers=customers)
    # As after any bulk load: the planner's statistics for every table (the catalogue's had
    # none, so a search scanned every product) and the visibility map for index-only scans.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {
        "products": loaded.totals["products"],
        "variants": loaded.totals["variants"],
        "orders": history.orders,
        "paid": history.paid,
        "lines": history.lines,
        "customers": history.customers,
        "sessions": history.sessions,
        "catalogue_seconds": round(catalogue_seconds, 1),
        "seconds": round(time.perf_counter() - started, 1),
    }


if __name__ == "__main__":
    print(json.dumps(seed()))
