from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from shop.risk import labelled


class Command(BaseCommand):
    help = (
        "Measure the order-risk rules on a labelled set of made orders (ordinary customers, "
        "card testing, account farms, reshippers): what RISK_REVIEW_THRESHOLD flags of each, "
        "its precision and recall, and the same at other thresholds. The set is written in a "
        "transaction that is rolled back: the database is left as it was."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--seed", type=int, default=7, help="Makes another set (default 7).")

    def handle(self, *args: object, seed: int, **options: object) -> None:
        with transaction.atomic():
            scored = labelled.scores(seed=seed)
            transaction.set_rollback(True)
        threshold = settings.RISK_REVIEW_THRESHOLD
        result = labelled.outcome(scored, threshold)
        self.stdout.write(f"{len(scored):,} made orders, threshold {threshold}:")
        for label in labelled.LABELS:
            orders, flagged = result.by_label[label]
            self.stdout.write(f"  {label:<14} {orders:>5} orders {flagged:>5} flagged "
                              f"({flagged / orders:.0%})")
        self.stdout.write(f"Precision {result.precision:.1%}, recall {result.recall:.1%}.")
        self.stdout.write("")
        self.stdout.write("threshold  precision  recall")
        for other in range(20, 90, 10):
            at = labelled.outcome(scored, other)
            mark = "  (the setting)" if other == threshold else ""
            self.stdout.write(f"{other:>9}  {at.precision:>9.1%}  {at.recall:>6.1%}{mark}")
