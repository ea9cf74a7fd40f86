"""`bash bench/run --workers` (`make bench-workers`): gunicorn's workers, chosen by measurement.

The shop seeded with the benchmark's 2,000 products (bench.catalogue, as `--scale` seeds
its smallest size), then served by config/gunicorn.py under each configuration in turn
(GUNICORN_WORKERS, GUNICORN_THREADS: one thread is gunicorn's sync worker, more its gthread
worker), Redis emptied before each. Each configuration reads, at 16 connections for 10 s a
page: a shared listing (a visitor's: the page comes from the cache), a personal page (the
cart of a session holding 3 lines) and a product page, after a warming second each. The
configurations take turns, round after round (2 by default), so a disturbance from the other
users of the machine lands on one configuration's round, not on all its figures; each
figure is the median of its rounds. Printed, and appended to bench/RESULTS.md.
"""

import argparse
import json
import tempfile
import time
from pathlib import Path
from statistics import median

from bench import report, scale, serve
from bench.load import run_wrk
from bench.serve import SHOP_HEADERS

PORT = 8812
DATABASE = "shop_bench_scale_workers"
PRODUCTS = 2_000
CONNECTIONS = 16
# (worker class, workers, threads a worker); gunicorn runs gthread when threads > 1.
CONFIGURATIONS = (
    ("sync", 2, 1), ("sync", 3, 1), ("sync", 5, 1),
    ("gthread", 2, 4), ("gthread", 5, 2), ("gthread", 5, 4),
)
PAGES = {"listing": "shared listing", "cart": "cart of a session, 3 lines",
         "detail": "product page"}


def main() -> None:
    options = _options()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="shop-workers-") as work:
        env = serve.shop_environment(Path(work), database=DATABASE, redis_url=scale.REDIS_URL)
        print("\n--- a seeded shop", flush=True)
        scale.prepare(env)
        print(json.dumps(scale.seed(PRODUCTS, env)), flush=True)
        targets = None
        runs: dict[tuple, list[dict]] = {configuration: [] for configuration in CONFIGURATIONS}
        for number in range(1, options.rounds + 1):
            for configuration in CONFIGURATIONS:
                kind, workers, threads = configuration
                print(f"\n--- round {number}: {kind} {workers} × {threads}", flush=True)
                serve.manage(["migrate", "--noinput", "-v", "0"], env)  # any added since
                serve.empty_redis(scale.REDIS_URL)
                configured = {**env, "GUNICORN_WORKERS": str(workers),
                              "GUNICORN_THREADS": str(threads)}
                with serve.served(configured, PORT, Path(work), name=f"{kind}-{workers}"):
                    targets = targets or serve.run_json(["-m", "bench.scale_targets"], env)
                    runs[configuration].append(_measure(targets, options.seconds))
        if not options.keep:
            serve.drop_databases(scale.TEMPLATE, DATABASE)
    text = render({configuration: _median(figures) for configuration, figures in runs.items()},
                  when=f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} · commit "
                       f"{report.commit_measured()}",
                  seconds=options.seconds, rounds=options.rounds,
                  minutes=(time.perf_counter() - started) / 60)
    report.record(text)


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="each load run (default 10)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds (default 2)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return parser.parse_args()


def _measure(targets: dict, seconds: int) -> dict:
    figures = {}
    for name in PAGES:
        target = targets[name]
        url = f"http://127.0.0.1:{PORT}{target['path']}"
        headers = dict(SHOP_HEADERS)
        if "cookie" in target:
            headers["Cookie"] = target["cookie"]
        serve.get_page(url, headers)
        run_wrk(url, connections=CONNECTIONS, seconds=1, headers=headers)  # warm
        run = run_wrk(url, connections=CONNECTIONS, seconds=seconds, headers=headers)
        figures[name] = {"rps": run.requests_per_second, "p99_ms": run.p99_ms, "bad": run.bad}
        print(f"{name}: {run.requests_per_second:.0f} req/s, p99 {run.p99_ms:.0f} ms",
              flush=True)
    return figures


def _median(rounds: list[dict]) -> dict:
    return {
        name: {
            "rps": median(r[name]["rps"] for r in rounds),
            "p99_ms": median(r[name]["p99_ms"] for r in rounds),
            "bad": sum(r[name]["bad"] for r in rounds),
        }
        for name in PAGES
    }


def render(figures: dict[tuple, dict], *, when: str, seconds: int, rounds: int,
           minutes: float) -> str:
    lines = [
        f"### Workers: {when}",
        "",
        f"{PRODUCTS:,} products; wrk at {CONNECTIONS} connections, {seconds} s a page; the "
        f"median of {rounds} rounds.",
        "",
        "| gunicorn | " + " | ".join(f"{label}: req/s, p99 ms" for label in PAGES.values())
        + " |",
        "|---|" + "---:|" * len(PAGES),
    ]
    for (kind, workers, threads), pages in figures.items():
        name = f"{kind} {workers}" if threads == 1 else f"{kind} {workers} × {threads}"
        cells = []
        for page in PAGES:
            page_figures = pages[page]
            bad = f" **{page_figures['bad']} failed**" if page_figures["bad"] else ""
            cells.append(f"{page_figures['rps']:,.0f}, {page_figures['p99_ms']:,.0f}{bad}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", f"The run took {minutes:.1f} minutes."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
