from django.core.management.base import BaseCommand

from recommendations import evaluation, history
from shop.models import Product


class Command(BaseCommand):
    help = (
        "Measure the recommendations on the orders in the database: hold out each customer's "
        "last paid order, recommend from the rest, and print hit rate, mean reciprocal rank and "
        "catalogue coverage for each source beside a best-seller baseline."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "-k", type=int, default=evaluation.K,
            help=f"How many products each source recommends (default {evaluation.K}).",
        )

    def handle(self, *args: object, k: int, **options: object) -> None:
        if k < 1:
            self.stderr.write("Ask for at least one product (-k 1 or more).")
            raise SystemExit(2)
        result = evaluation.evaluate(history.baskets(), history.documents(Product.objects.all()),
                                     k=k)
        if not result.customers:
            self.stdout.write(
                f"Nothing to measure: none of the {result.buyers:,} customers with a paid order "
                "has placed a second one."
            )
            return
        self.stdout.write(
            f"Held out the last paid order of {result.customers:,} customers (of "
            f"{result.buyers:,} with a paid order); catalogue of {result.catalogue:,} products."
        )
        self.stdout.write("")
        self.stdout.write(f"{'source':<26} {f'hit rate@{k}':>12} {f'MRR@{k}':>8} {'coverage':>9}"
                          f" {'× baseline':>11}")
        for score in result.scores:
            lift = result.lift(score.source)
            self.stdout.write(
                f"{score.source:<26} {score.hit_rate:>11.1%} {score.reciprocal_rank:>8.3f} "
                f"{score.coverage:>9.1%} {'' if lift is None else f'{lift:.2f}':>11}"
            )
