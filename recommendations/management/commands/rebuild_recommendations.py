from django.core.management.base import BaseCommand

from recommendations import services


class Command(BaseCommand):
    help = (
        "Rebuild the recommendation tables (customers also bought, similar products, best "
        "sellers, trending) from the orders, page views and catalogue. Safe to run at any time "
        "(a cron job or a Kubernetes CronJob every hour)."
    )

    def handle(self, *args: object, **options: object) -> None:
        rebuilt = services.rebuild()
        self.stdout.write(
            f"Scored {rebuilt.products:,} products from {rebuilt.baskets:,} paid "
            f"order{'s' if rebuilt.baskets != 1 else ''}: "
            f"{rebuilt.bought_links:,} bought-together and {rebuilt.similar_links:,} similar links."
        )
