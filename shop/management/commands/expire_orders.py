from django.core.management.base import BaseCommand

from shop.services import orders


class Command(BaseCommand):
    help = (
        "Expire orders left unpaid past ORDER_PAYMENT_TIMEOUT_MINUTES and release their stock. "
        "Safe to run as often as you like (a cron job or a Kubernetes CronJob every minute)."
    )

    def handle(self, *args: object, **options: object) -> None:
        expired = orders.expire_unpaid_orders()
        self.stdout.write(f"Expired {expired} unpaid order{'s' if expired != 1 else ''}.")
