import time

from django.core.management.base import BaseCommand

from shop.promotions import live
from shop.selectors import catalogue
from shop.selectors.listing import ListingFilters, product_listing


class Command(BaseCommand):
    help = (
        "Fill the catalogue cache: the offers in force, the home page, the category tree, "
        "the first listing page of each top-level category and the featured products' pages. "
        "Run after a deploy or a cache flush so the first shoppers do not wait for it."
    )

    def handle(self, *args: object, **options: object) -> None:
        started = time.monotonic()
        live.live_offers()
        home = catalogue.home_page()
        self.stdout.write("Warmed the offers, the home page and the category tree.")
        for node in home["categories"]:
            filters = ListingFilters(category=node.category.slug)
            product_listing(filters, page_number=1)
            self.stdout.write(f"Warmed the listing of {node.category.name}.")
        for featured in home["featured"]:
            product = catalogue.product_detail(featured.slug)
            if product is not None:
                self.stdout.write(f"Warmed the page of {product.name}.")
        self.stdout.write(f"Done in {time.monotonic() - started:.2f} s.")
