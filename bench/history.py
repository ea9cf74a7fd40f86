"""`bash bench/run --history` (`make bench-history`): the staff dashboard and the sales
exports as the order history grows.

1. At each size (100,000 and 1,000,000 orders over the 12 months up to yesterday, a customer
   for every five orders), a database seeded by bench.seed, or copied from one seeded
   before (`--from 1000000=NAME`: much faster than seeding a million orders again); then
   the migrations added since, and the static files.
2. The dashboard measured by bench.dashboard_scale with `--build` (the rollups built afresh,
   timed): each range cold on one connection, and a stampede of requests at once, in its
   process (how many worked the figures out) and through the shop served by gunicorn with
   its production settings, as `make bench` serves it (each request's time).
3. The sales report for the last year, as CSV and as XLSX (bench.exports, each in a process
   of its own).
4. A table with the budgets (below), printed and appended to bench/RESULTS.md.

The machine is shared and noisy: run it when nothing else is busy.
"""

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import report, serve

SIZES = (100_000, 1_000_000)
ORDERS_PER_CUSTOMER = 5
PREFIX = "shop_bench_history"
REDIS_URL = "redis://127.0.0.1:6379/10"
PORT = 8811
# A range nobody asked for yet, the whole page on one connection, at most (ms), by orders.
COLD_MS = {100_000: 150, 1_000_000: 300}
STAMPEDE_P99_MS = 500
# The last year's sales report at a million orders, at most (s).
EXPORT_SECONDS = {"csv": 10, "xlsx": 60}
BUDGET_SIZE = 1_000_000


def main() -> None:
    options = _options()
    started = time.perf_counter()
    measured = {}
    with tempfile.TemporaryDirectory(prefix="shop-history-") as work:
        for size in options.sizes:
            env = serve.shop_environment(Path(work), database=database(options.prefix, size),
                                         redis_url=options.redis_url)
            _step(f"{size:,} orders")
            seeded = _prepare(size, env, options.copies.get(size))
            serve.empty_redis(options.redis_url)
            with serve.served(env, PORT, Path(work)):
                dashboard = serve.run_json(
                    ["-m", "bench.dashboard_scale", "--build",
                     "--served", f"http://127.0.0.1:{PORT}"], env)
            print(json.dumps(dashboard), flush=True)
            start, end = _last_year()
            exports = {}
            for file_format in ("csv", "xlsx"):
                exports[file_format] = serve.run_json(
                    ["-m", "bench.exports", "sales", file_format, start, end], env)
                print(json.dumps(exports[file_format]), flush=True)
            measured[size] = {"seeded": seeded, "dashboard": dashboard, "exports": exports,
                              "period": (start, end)}
            if not options.keep:
                serve.drop_databases(database(options.prefix, size))
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    text = render(measured, when=f"{when} · commit {report.commit_measured()}",
                  minutes=(time.perf_counter() - started) / 60)
    report.record(text)


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=lambda text: [int(n) for n in text.split(",")],
                        default=list(SIZES), help="orders, comma-separated "
                        "(default 100000,1000000)")
    parser.add_argument("--from", dest="copies", action="append", default=[],
                        metavar="ORDERS=DATABASE",
                        help="copy this database, seeded by bench.seed with ORDERS orders, "
                        "instead of seeding one (nobody may be connected to it); repeatable")
    parser.add_argument("--prefix", default=PREFIX,
                        help=f"the databases' names begin with this (default {PREFIX})")
    parser.add_argument("--redis-url", default=REDIS_URL,
                        help=f"the Redis database used, emptied (default {REDIS_URL})")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    options = parser.parse_args()
    copies = {}
    for each in options.copies:
        orders, _, name = each.partition("=")
        copies[int(orders)] = name
    options.copies = copies
    return options


def _step(text: str) -> None:
    print(f"\n--- {text}", flush=True)


def database(prefix: str, size: int) -> str:
    return f"{prefix}_{size}"


def _prepare(size: int, env: dict, template: str | None) -> dict:
    """The size's database, seeded or copied, migrated; the static files."""
    name = env["DATABASE_URL"].rsplit("/", 1)[1]
    if template:
        serve.fresh_databases(name, template=template)
        seeded = {"orders": size, "copied_from": template}
    else:
        serve.fresh_databases(name)
        serve.manage(["migrate", "--noinput", "-v", "0"], env)
        code = ("from bench.seed import seed; import json; "
                f"print(json.dumps(seed(orders={size}, "
                f"customers={size // ORDERS_PER_CUSTOMER})))")
        seeded = serve.run_json(["-c", code], env)
    serve.manage(["migrate", "--noinput", "-v", "0"], env)
    serve.manage(["collectstatic", "--noinput", "-v", "0"], env)
    return seeded


def _last_year() -> tuple[str, str]:
    """The 365 days up to yesterday, as the seed spreads its orders."""
    end = datetime.now(UTC).date() - timedelta(days=1)
    return (end - timedelta(days=364)).isoformat(), end.isoformat()


def render(measured: dict[int, dict], *, when: str, minutes: float) -> str:
    sizes = sorted(measured)
    met = total = 0

    def judge(value: float, most: float | None) -> str:
        nonlocal met, total
        if most is None:
            return ""
        total += 1
        met += value < most
        return f"< {most:g}: " + ("met" if value < most else "**missed**")

    def once(computed: int) -> str:
        nonlocal met, total
        total += 1
        met += computed == 1
        return "worked out once: " + ("met" if computed == 1 else "**missed**")

    lines = [f"### History: {when}", "",
             "The dashboard for ranges nobody asked for yet, the whole page on one connection "
             "(ms, the median of 3); a stampede of 16 requests at once for a year nobody asked "
             "for yet, then once its panels fell due: through gunicorn as deployed (its p99 "
             "judged), and in one process, whose threads share one interpreter lock and open "
             "a connection each (how many of them worked the key figures out); the last "
             "year's sales report.", "",
             "| orders | paid | rollups built in s | "
             + " | ".join(measured[sizes[0]]["dashboard"]["cold_ms"]) + " | budget |",
             "|---:|---:|---:|" + "---:|" * len(measured[sizes[0]]["dashboard"]["cold_ms"])
             + "---|"]
    for size in sizes:
        dashboard = measured[size]["dashboard"]
        cold = dashboard["cold_ms"]
        lines.append(
            f"| {dashboard['orders']:,} | {dashboard['paid']:,} | "
            f"{dashboard.get('build', {}).get('seconds', '–')} | "
            + " | ".join(f"{ms:,.1f}" for ms in cold.values())
            + f" | slowest {judge(max(cold.values()), COLD_MS.get(size))} |")
    lines += ["", "| orders | stampede | served: p50 ms | p99 ms | in one process: p50 ms "
              "| p99 ms | worked out | budget |",
              "|---:|---|---:|---:|---:|---:|---:|---|"]
    for size in sizes:
        dashboard = measured[size]["dashboard"]
        for phase in ("cold", "fallen_due"):
            served = dashboard["served_stampede"][phase]
            figures = dashboard["stampede"][phase]
            lines.append(f"| {size:,} | {phase.replace('_', ' ')} | {served['p50_ms']:,.1f} | "
                         f"{served['p99_ms']:,.1f} | {figures['p50_ms']:,.1f} | "
                         f"{figures['p99_ms']:,.1f} | {figures['computed']} | "
                         f"p99 {judge(served['p99_ms'], STAMPEDE_P99_MS)}; "
                         f"{once(figures['computed'])} |")
    lines += ["", "| orders | export | period | rows | seconds | peak memory MB | budget |",
              "|---:|---|---|---:|---:|---:|---|"]
    for size in sizes:
        start, end = measured[size]["period"]
        for file_format, figures in measured[size]["exports"].items():
            most = EXPORT_SECONDS[file_format] if size >= BUDGET_SIZE else None
            lines.append(
                f"| {size:,} | sales.{file_format} | {start} to {end} | "
                f"{figures.get('rows', 0):,} | {figures.get('seconds', 0):,.2f} | "
                f"{figures.get('peak_mb', '–')} | "
                f"{judge(figures.get('seconds', 0), most)} |")
    lines += ["", f"Budgets met: {met} of {total}. The whole run took {minutes:.1f} minutes.",
              ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
