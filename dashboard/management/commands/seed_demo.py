"""`manage.py seed_demo`: a year of made-up order history for the dashboard (see
dashboard.demo.history). For the demo and the benchmark, under the dev settings only
(settings.DEMO_ACCOUNTS)."""

import time
from argparse import ArgumentParser

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dashboard.demo.history import AlreadySeeded, SeedError, seed_order_history

MOST = 1_000_000


class Command(BaseCommand):
    help = (
        "Add a year of made-up order history (orders, customers, payments, refunds, "
        "sessions, reviews) up to yesterday, the same for the same --seed and --orders. A seed's "
        "history is added once: running again with it adds nothing. Needs the demo "
        "catalogue (manage.py load_demo) and the dev settings."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--orders", type=int, default=3000,
                            help="How many orders to add (default 3000).")
        parser.add_argument("--seed", type=int, default=1,
                            help="Another seed adds another history on top (default 1).")

    def handle(self, *args: object, orders: int, seed: int, **options: object) -> None:
        if not settings.DEMO_ACCOUNTS:
            raise CommandError(
                "seed_demo adds made-up orders, so it runs only under the demo's settings "
                "(config.settings.dev, DEMO_ACCOUNTS on), never against a real shop's "
                "database, even with DEBUG on."
            )
        if not 1 <= orders <= MOST:
            raise CommandError(f"--orders must be between 1 and {MOST:,}, not {orders:,}.")
        started = time.perf_counter()
        try:
            result = seed_order_history(orders=orders, seed=seed)
        except AlreadySeeded as error:
            self.stdout.write(str(error))
            return
        except SeedError as error:
            raise CommandError(str(error)) from None
        seconds = time.perf_counter() - started
        attacks = (f", {result.attacks} of the orders by attackers, {result.held} held for review"
                   if result.attacks else "")
        self.stdout.write(self.style.SUCCESS(
            f"Order history added from {result.first_day} to {result.last_day}: "
            f"{result.orders:,} orders ({result.paid:,} paid), {result.lines:,} lines, "
            f"{result.payments:,} payments, {result.customers:,} customers, "
            f"{result.sessions:,} sessions, {result.reviews:,} reviews{attacks}, {seconds:.1f} s."
        ))
