from django.core.management.base import BaseCommand

from dashboard import retention


class Command(BaseCommand):
    help = (
        "Delete or reduce what is kept of people past its period (dashboard.retention): idle "
        "guest carts, sign-ups never verified, expired sessions, storefront visitors past "
        "their period (kept as daily totals), webhook payloads' personal fields. Safe to run "
        "at any time (a cron job or a Kubernetes CronJob once a day)."
    )

    def handle(self, *args: object, **options: object) -> None:
        for what, count in retention.apply().items():
            self.stdout.write(f"{what}: {count:,}")
