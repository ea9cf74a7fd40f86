"""`manage.py sync_payment_events [--hours N]`: fetch recent events from the providers that
list them (Stripe) and apply any whose webhook never arrived."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from payments import sync


class Command(BaseCommand):
    help = "Fetch recent payment events from Stripe and apply any that were missed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--hours", type=int, default=sync.HOURS,
                            help=f"How far back to look (default {sync.HOURS}).")

    def handle(self, *args: Any, hours: int, **options: Any) -> None:
        found = sync.sync_recent_events(hours=hours)
        self.stdout.write(f"{found} missed event{'s' if found != 1 else ''} applied.")
