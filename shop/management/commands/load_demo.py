"""`manage.py load_demo`: load the demo catalogue and promotions (see shop.demo); safe to run
again."""

import time

from django.core.management.base import BaseCommand
from django.template.defaultfilters import pluralize

from shop import demo
from shop.demo.promotions import load_demo_promotions


class Command(BaseCommand):
    help = (
        "Load the demo catalogue (categories, products, variants with stock, and images drawn "
        "locally) and its promotions. Only what is missing is added, so running it again "
        "changes nothing."
    )

    def handle(self, *args: object, **options: object) -> None:
        started = time.perf_counter()
        result = demo.load_demo_catalogue()
        promotions = load_demo_promotions()
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
