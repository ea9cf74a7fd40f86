"""The shop on a primary and its streaming replica, as one process of its own sees it:
`python -m tests.core.replica_scenario` with DATABASE_URL (the primary, migrated) and
DATABASE_REPLICA_URL (its replica) set.

Run by tests/core/test_replica_postgres.py, which starts the servers. At each step this
prints a line `control: <what>` ("caught up", "pause", "resume", "stop") and waits for the
test to do that to the servers and answer "done"; its last line is one JSON object of what
staff, a shopper and the staff's reports saw at each step, which the test checks. A
process of its own, because the settings read DATABASE_REPLICA_URL once, when Django
starts.
"""

import csv
import io
import json
import os
import re
import sys
import time
from decimal import Decimal

import django

CONTROL = "control:"
KPI_VALUE = re.compile(r'<p class="kpi-value">([^<]*)</p>')


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    django.setup()
    from django.core.cache import cache
    from django.db import connections

    from recommendations import services as recommendations
    from tests.accounts import make_account
    from tests.factories import VariantFactory
    from tests.monitoring.test_outage_postgres import Served
    from tests.second_factor import sign_in_with_second_factor
    from tests.shop.buying import pay, place

    # Served as gunicorn serves them: Django checks kept connections at each request's start.
    staff = Served()
    sign_in_with_second_factor(
        staff, make_account("staff@example.com", is_staff=True, is_superuser=True)
    )
    customer = make_account("pat@example.com")
    shopper = Served()
    shopper.force_login(customer)

    def buy(price: str) -> str:
        variant = VariantFactory(price=Decimal(price), on_hand=5)
        order = place((variant, 1), user=customer, email=customer.email)
        pay(order)
        return order.number

    def dashboard() -> dict:
        cache.clear()  # the panels are kept for a minute
        started = time.monotonic()
        page = staff.get("/dashboard/")
        report = staff.get("/dashboard/reports/sales.csv")
        rows = list(csv.DictReader(io.StringIO(b"".join(report.streaming_content).decode())))
        return {
            "status": page.status_code, "figures": KPI_VALUE.findall(page.text),
            "report_status": report.status_code,
            "report_orders": sorted(row["Order"] for row in rows if row["Order"]),
            "seconds": round(time.monotonic() - started, 2),
            "replica_used": connections["replica"].connection is not None,
        }

    def order_page(number: str) -> dict:
        page = shopper.get(f"/orders/{number}/")
        return {"status": page.status_code, "shows_number": number in page.text}

    seen = {}
    seen["first"] = buy("40.00")
    control("caught up")
    seen["before"] = dashboard()
    control("pause")
    seen["second"] = buy("25.00")
    seen["paused"] = dashboard()
    seen["paused_order_page"] = order_page(seen["second"])
    seen["paused_rebuild_baskets"] = recommendations.rebuild().baskets
    control("resume")
    seen["resumed"] = dashboard()
    seen["resumed_rebuild_baskets"] = recommendations.rebuild().baskets
    # The replica's connection is kept open, as between requests: it finds the server gone.
    control("stop")
    seen["replica_down"] = dashboard()
    seen["replica_down_again"] = dashboard()
    print(json.dumps(seen))


def control(word: str) -> None:
    """Ask the test to do `word` to the servers, and wait until it has."""
    print(f"{CONTROL} {word}", flush=True)
    if sys.stdin.readline().strip() != "done":
        sys.exit(f"the test did not do {word!r}")


if __name__ == "__main__":
    main()
