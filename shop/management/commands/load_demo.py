"""`manage.py load_demo`: load the demo catalogue, its promotions and its sellers (see
shop.demo); safe to run again."""

import time

from django.core.management.base import BaseCommand
from django.template.defaultfilters import pluralize

from shop import demo
from shop.demo.promotions import load_demo_promotions
from shop.demo.sellers import load_demo_sellers


class Command(BaseCommand):
    help = (
        "Load the demo catalogue (categories, products, variants with stock, and images drawn "
        "locally), its promotions and its sellers. Only what is missing is added, so running "
        "it again changes nothing."
    )

    def handle(self, *args: object, **options: object) -> None:
        started = time.perf_counter()
        result = demo.load_demo_catalogue()
        promotions = load_demo_promotions()
        sellers = load_demo_sellers()  # after the catalogue: each takes its aisle's products
        seconds = time.perf_counter() - started
        totals = ", ".join(f"{count} {noun}" for noun, count in result.totals.items())
        if not result.changed_anything:
            self.stdout.write(
                f"Demo catalogue already loaded ({totals}); nothing changed, {seconds:.1f} s."
            )
        else:
            added = ", ".join(f"{count} {noun}" for noun, count in result.created.items())
            count = result.ratings_recounted
            recounted = (f", {count} rating{pluralize(count)} recounted from reviews"
                         if count else "")
            self.stdout.write(self.style.SUCCESS(
                f"Demo catalogue loaded: added {added}, {result.files_written} image files"
                f"{recounted} ({totals} in all), {seconds:.1f} s."
            ))
        if promotions.created:
            self.stdout.write(f"Demo promotions added: {promotions.created}.")
        self.stdout.write(
            f"Promotions: 20% off Knitwear, $20 off orders over $400, and the code "
            f"{promotions.code} to try in the cart (10% off $50 or more, on top of the "
            "offers, once per customer)."
        )
        if sellers.created:
            self.stdout.write(f"Demo sellers added: {sellers.created}, with "
                              f"{sellers.products_moved} of the store's products.")
        shops = ", ".join(f"{name} ({count} products, {rate.normalize():f}% commission)"
                          for name, rate, count in sellers.sellers)
        self.stdout.write(f"Sellers beside the store: {shops or 'none'}.")
