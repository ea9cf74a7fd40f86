"""`python -m bench.dashboard_scale`: the staff dashboard as history grows, measured in this
process against the database DATABASE_URL names (seeded by bench.seed, or larger).

1. cold ranges on one connection: the whole dashboard page for ranges nobody asked for yet
   (each range measured COLD_TRIES times, moved a day each time, so every panel is worked
   out afresh), the median in ms;
2. a stampede: THREADS requests at once for one range nobody asked for yet, then the same
   once its panels fell due: each request's time (p50, p99, ms) and how many of them worked
   the key figures out (the rest waited for, or were served, the copy one of them made);
3. what the rollups hold (days, customer, product and risk rows), and whether they are in
   use (`rollups`: built or not; the page reads the orders directly until they are).

`--build` builds the rollups first (dashboard.rollup_build.build) and says how long it took.
Prints one line of JSON. Needs the benchmark's production-like settings: PostgreSQL, and
Redis (REDIS_URL), whose keys it reads and deletes by pattern. The stampede's threads share
one process and its interpreter lock: their times are longer than gunicorn's workers would
take; the number of computations is the point.
"""

import argparse
import json
import statistics
import threading
import time
from datetime import date, timedelta

import django
from django.apps import apps

if not apps.ready:  # run as a script; imported by the tests, Django is set up already
    django.setup()

from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections, connection
from django.test import Client

from bench.fixtures import staff_session
from dashboard import home_page, rollup_build, rollup_figures, rollup_sums
from dashboard.models import DailyCustomers, DailyRisk, DailySalesSlot, ProductSales
from shop.models import Order

COLD_TRIES = 3
THREADS = 16
# (name, days, how many days before the last paid day the range ends)
RANGES = (
    ("7 days", 7, 0),
    ("30 days", 30, 0),
    ("90 days, a month back", 90, 30),
    ("12 months", 365, 0),
    ("200 days, odd ends", 200, 45),
)


def measure(*, build: bool = False, threads: int = THREADS) -> dict:
    result: dict = {"orders": Order.objects.count(),
                    "paid": Order.objects.filter(paid_at__isnull=False).count()}
    rollup_figures.forget_built()  # the cache may hold another database's answer
    if build:
        result["build"] = _build()
    result["rollups"] = {
        "built": rollup_figures.built(),
        "days": DailySalesSlot.objects.values("day").distinct().count(),
        "customer_rows": DailyCustomers.objects.count(),
        "product_rows": ProductSales.objects.count(), "risk_rows": DailyRisk.objects.count(),
    }
    client = _client()
    last = _last_paid_day()
    # What does not depend on the range (low stock, the forecasts' backtest) and the session
    # counts of days gone by are kept as a running shop keeps them: asked for once here.
    _get(client, "/dashboard/?period=12m")
    result["cold_ms"] = {
        name: _cold(client, last - timedelta(days=back + days - 1), last - timedelta(days=back))
        for name, days, back in RANGES
    }
    result["stampede"] = _stampede(last, threads)
    return result


def _build() -> dict:
    started = time.perf_counter()
    built = rollup_build.build()
    return {"days": built.days, "customer_rows": built.customer_rows,
            "product_rows": built.product_rows,
            "seconds": round(time.perf_counter() - started, 2)}


def _client() -> Client:
    client = Client(HTTP_HOST="127.0.0.1", headers={"X-Forwarded-Proto": "https"})
    client.cookies[settings.SESSION_COOKIE_NAME] = staff_session()
    return client


def _last_paid_day() -> date:
    latest = Order.objects.filter(paid_at__isnull=False).latest("paid_at").paid_at
    return rollup_sums.local_day(latest)


def _path(start: date, end: date) -> str:
    return f"/dashboard/?period=custom&start={start}&end={end}"


def _get(client: Client, path: str) -> float:
    started = time.perf_counter()
    response = client.get(path, secure=True)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}")
    return elapsed


def _cold(client: Client, start: date, end: date) -> float:
    times = []
    for shift in range(COLD_TRIES):
        moved = timedelta(days=shift)
        _forget_panels(start - moved, end - moved)
        times.append(_get(client, _path(start - moved, end - moved)))
    return round(statistics.median(times), 1)


def _forget_panels(start: date, end: date) -> None:
    """Nobody asked for this range yet (say, in a run a minute ago)."""
    cache.delete_pattern(f"dashboard:panel:*:{start}:{end}*")


def _stampede(last: date, threads: int) -> dict:
    """THREADS requests at once for one unseen range; then again once its panels fell due."""
    start, end = last - timedelta(days=364 + 7), last - timedelta(days=7)
    computed = []
    original = home_page.figures  # the name the page's panels call

    def counted(period):
        computed.append(period)
        return original(period)

    home_page.figures = counted
    try:
        _forget_panels(start, end)
        cold = _at_once(_path(start, end), threads)
        first = len(computed)
        _expire_panels()
        due = _at_once(_path(start, end), threads)
    finally:
        home_page.figures = original
    return {"threads": threads, "cold": {**cold, "computed": first},
            "fallen_due": {**due, "computed": len(computed) - first}}


def _expire_panels() -> None:
    """Every kept panel falls due now: its copy stays, marked as past its time."""
    for key in cache.keys("dashboard:panel:*"):
        found = cache.get(key)
        if isinstance(found, tuple):
            cache.set(key, (0.0, found[1]), 300)


def _at_once(path: str, threads: int) -> dict:
    session = _client().cookies[settings.SESSION_COOKIE_NAME].value
    barrier = threading.Barrier(threads)
    times: list[float] = []

    def one() -> None:
        client = Client(HTTP_HOST="127.0.0.1", headers={"X-Forwarded-Proto": "https"})
        client.cookies[settings.SESSION_COOKIE_NAME] = session
        barrier.wait()
        try:
            times.append(_get(client, path))
        finally:
            close_old_connections()
            connection.close()

    workers = [threading.Thread(target=one) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    times.sort()
    return {"p50_ms": round(statistics.median(times), 1),
            "p99_ms": round(times[min(len(times) - 1, int(len(times) * 0.99))], 1)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", action="store_true", help="build the rollups first")
    parser.add_argument("--threads", type=int, default=THREADS)
    arguments = parser.parse_args()
    print(json.dumps(measure(build=arguments.build, threads=arguments.threads)))
