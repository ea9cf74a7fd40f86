from django.core.management.base import BaseCommand

from dashboard import rollup_build


class Command(BaseCommand):
    help = (
        "Build the dashboard's daily rollups afresh from the orders and storefront sessions "
        "(one transaction). Run it once after deploying them, and whenever orders were "
        "written around the shop's services (bulk loads, SQL by hand); the shop keeps them "
        "in step from then on. Safe to run again at any time, best when no payment comes in."
    )

    def handle(self, *args: object, **options: object) -> None:
        built = rollup_build.build()
        self.stdout.write(f"Built the rollups of {built.days:,} days "
                          f"({built.customer_rows:,} customer rows, {built.product_rows:,} "
                          f"product rows) in {built.seconds} s.")
