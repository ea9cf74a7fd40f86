"""`python -m bench.dashboard_scale`: the staff dashboard as history grows, measured in this
process against the database DATABASE_URL names (seeded by bench.seed, or larger).

1. cold ranges on one connection: the whole dashboard page for ranges nobody asked for yet
   (each range measured COLD_TRIES times, moved a day each time, so every panel is worked
   out afresh), the median in ms;
2. a stampede: THREADS requests at once for one range nobody asked for yet, then the same
   once its panels fell due: each request's time (p50, p99, ms) and how many of them worked
   the key figures out (the rest waited for, or were served, the copy one of them made);
   with `--served URL`, the same again through the shop served there (gunicorn, as
   deployed), for another range: each request's time, the threads here only waiting on
   their sockets;
3. what the rollups hold (days, customer, product and risk rows), and whether they are in
   use (`rollups`: built or not; the page reads the orders directly until they are).

`--build` builds the rollups first (dashboard.rollup_build.build) and says how long it took.
Prints one line of JSON. Needs the benchmark's production-like settings: PostgreSQL, and
Redis (REDIS_URL), whose keys it reads and deletes by pattern. The stampede's threads here
share one process and its interpreter lock, each opening its own database connection: their
times are far longer than gunicorn's workers take (the served stampede's); the number of
computations is the point.
"""

import argparse
import json
import statistics
import threading
import time
import urllib.request
from collections.abc import Callable
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
from bench.serve import SHOP_HEADERS
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


def measure(*, build: bool = False, threads: int = THREADS, served: str = "") -> dict:
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
    if served:
        result["served_stampede"] = _served_stampede(served, last, threads)
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
        cold = _at_once(threads, _in_process(_path(start, end)))
        first = len(computed)
        _expire_panels()
        due = _at_once(threads, _in_process(_path(start, end)))
    finally:
        home_page.figures = original
    return {"threads": threads, "cold": {**cold, "computed": first},
            "fallen_due": {**due, "computed": len(computed) - first}}


def _served_stampede(url: str, last: date, threads: int) -> dict:
    """THREADS requests at once through the shop served at `url`, for another unseen range
    than `_stampede`'s; then again once its panels fell due."""
    start, end = last - timedelta(days=364 + 14), last - timedelta(days=14)
    _forget_panels(start, end)
    headers = {**SHOP_HEADERS, "Cookie": f"{settings.SESSION_COOKIE_NAME}={staff_session()}"}
    page = f"{url}{_path(start, end)}"
    # Each worker has served the dashboard before, as a running shop's have.
    _at_once(threads, lambda: _fetch(f"{url}/dashboard/?period=12m", headers))
    cold = _at_once(threads, lambda: _fetch(page, headers))
    _expire_panels()
    due = _at_once(threads, lambda: _fetch(page, headers))
    return {"threads": threads, "cold": cold, "fallen_due": due}


def _fetch(url: str, headers: dict) -> float:
    started = time.perf_counter()
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - our own server
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        response.read()
        if response.status != 200 or response.url != url:
            raise RuntimeError(f"{url} answered {response.status} from {response.url}")
    return (time.perf_counter() - started) * 1000


def _expire_panels() -> None:
    """Every kept panel falls due now: its copy stays, marked as past its time."""
    for key in cache.keys("dashboard:panel:*"):
        found = cache.get(key)
        if isinstance(found, tuple):
            cache.set(key, (0.0, found[1]), 300)


def _in_process(path: str) -> Callable[[], float]:
    """A request for `path` in this process, by a client of its own and its own database
    connection, as a thread of the stampede makes it: its time."""
    session = _client().cookies[settings.SESSION_COOKIE_NAME].value

    def request() -> float:
        client = Client(HTTP_HOST="127.0.0.1", headers={"X-Forwarded-Proto": "https"})
        client.cookies[settings.SESSION_COOKIE_NAME] = session
        try:
            return _get(client, path)
        finally:
            close_old_connections()
            connection.close()

    return request


def _at_once(threads: int, request: Callable[[], float]) -> dict:
    """`request` made by THREADS threads at once: their times."""
    barrier = threading.Barrier(threads)
    times: list[float] = []

    def one() -> None:
        barrier.wait()
        times.append(request())

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
    parser.add_argument("--served", default="", metavar="URL",
                        help="the shop served there (http://127.0.0.1:PORT): a stampede "
                        "through it too")
    arguments = parser.parse_args()
    print(json.dumps(measure(build=arguments.build, threads=arguments.threads,
                             served=arguments.served)))
