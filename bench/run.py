"""`make bench`: the load benchmark, from an empty database to the results table.

1. Fresh PostgreSQL databases for the shop and the floor (bench.floor), an empty Redis
   database, migrations, the seeded shop (bench.seed, timed) and the static files.
2. Both served by gunicorn with the shop's settings (config/gunicorn.py, 2 workers) on
   127.0.0.1, the shop under its production settings (DEBUG off, PostgreSQL, Redis).
3. Reads: wrk at 16 connections for 10 s against every target in turn, 3 rounds, then each
   target on one connection; medians, and each figure as a ratio to the floor's list page
   measured in the same round.
4. Reads during a sale: the listing, the search and a product page at 16 connections while
   16 shoppers buy (bench.sale), each against its read-only figure.
5. Writes (bench.writes, three times: the median), exports (bench.exports) and a rebuild of
   the recommendation tables (bench.recommendations), each in a process of its own.
6. The table, printed, appended to bench/RESULTS.md and quoted in the README.

`bash bench/run --seconds 2 --rounds 1` takes a quicker, rougher look. `bash bench/run --scale`
(bench.scale) measures the pages at three sizes of catalogue, `bash bench/run --workers`
(bench.workers) gunicorn's worker settings; both serve the shop with bench.serve, as this does.
"""

import argparse
import json
import os
import platform
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from statistics import median

import psycopg
import redis

from bench import report, serve
from bench.load import Run, run_wrk
from bench.serve import BROWSER_HEADERS, PYTHON, ROOT, SHOP_HEADERS

SHOP_PORT, FLOOR_PORT = 8801, 8802
SHOP_DB, FLOOR_DB = "shop_bench", "shop_bench_floor"
REDIS_URL = "redis://127.0.0.1:6379/2"
CONNECTIONS = 16
SINGLE_SECONDS = 2
WRITE_RUNS = 3
FLOOR_TARGETS = {"floor constant": "/constant/", "floor list": "/items/"}


def main() -> None:
    options = _options()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="shop-bench-") as work:
        shop_env, floor_env = _environments(Path(work))
        _step("fresh databases, migrations, seeding")
        seeded = _prepare(shop_env, floor_env)
        _step(f"seeded in {seeded['seconds']} s: {json.dumps(seeded)}")
        with _served(shop_env, floor_env, Path(work)) as shop:
            fixtures = serve.run_json(["-m", "bench.fixtures"], shop_env)
            targets = _targets(fixtures["targets"])
            _check(targets)
            _step(f"reads: {options.rounds} rounds of {len(targets)} targets")
            reads = _reads(targets, options.seconds, options.rounds)
            dashboard = fixtures["targets"]["dashboard"]
            reads["dashboard"]["cold_ms"] = _first_views(dashboard["cold"], dashboard["cookie"])
            _step("reads during a sale")
            sale = _during_sale(targets, options.seconds, shop_env, shop)
        _step("writes")
        writes = _writes(shop_env)
        _step("exports")
        exports = [
            {"period": period, **serve.run_json(
                ["-m", "bench.exports", "sales", file_format, *fixtures["exports"][period]],
                shop_env,
            )}
            for period in ("recent", "year") for file_format in ("csv", "xlsx")
        ]
        _step("recommendations")
        recommendations = serve.run_json(["-m", "bench.recommendations"], shop_env)
    results = report.Results(
        when=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        commit=report.commit_measured(),
        machine=_machine(shop_env),
        seeded=seeded,
        reads=reads,
        writes=writes,
        exports=exports,
        recommendations=recommendations,
        sale=sale,
        settings=f"{options.rounds} rounds, {options.seconds} s a target at {CONNECTIONS} "
                 f"connections, {SINGLE_SECONDS} s on one connection",
        minutes=(time.perf_counter() - started) / 60,
    )
    text = report.render(results)
    report.record(text, readme=ROOT / "README.md")


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="each load run (default 10)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of reads (default 3)")
    return parser.parse_args()


def _step(text: str) -> None:
    print(f"\n--- {text}", flush=True)


# --- the shop, the floor and their data ----------------------------------------------------


def _environments(work: Path) -> tuple[dict, dict]:
    shop = serve.shop_environment(work, database=SHOP_DB, redis_url=REDIS_URL)
    floor = {
        **serve.common_environment(shop["SECRET_KEY"]),
        "DJANGO_SETTINGS_MODULE": "bench.floor.settings",
        "FLOOR_DATABASE_URL": serve.database_url(FLOOR_DB),
    }
    return shop, floor


def _prepare(shop_env: dict, floor_env: dict) -> dict:
    serve.fresh_databases(SHOP_DB, FLOOR_DB)
    serve.empty_redis(REDIS_URL)
    serve.manage(["migrate", "--noinput", "-v", "0"], shop_env)
    serve.manage(["migrate", "--noinput", "-v", "0"], floor_env)
    seeded = serve.run_json(["-m", "bench.seed"], shop_env)
    serve.manage(["collectstatic", "--noinput", "-v", "0"], shop_env)
    return seeded



@contextmanager
def _served(shop_env: dict, floor_env: dict, work: Path):
    with serve.served(shop_env, SHOP_PORT, work) as shop:
        floor = serve.gunicorn(floor_env, FLOOR_PORT, "bench.floor.wsgi:application",
                               work / "floor.log")
        try:
            serve.wait_until_up(f"http://127.0.0.1:{FLOOR_PORT}/constant/", work / "floor.log")
            yield shop
        finally:
            serve.stop(floor)


# --- writes ----------------------------------------------------------------------------------


def _writes(shop_env: dict) -> dict:
    """bench.writes WRITE_RUNS times, each selling out a product of its own: the median run,
    with every run's orders a second, and whether every run sold exactly its units. One
    run is over in seconds, short enough for a slow spell of the machine to take it whole."""
    runs = [serve.run_json(["-m", "bench.writes", str(run)], shop_env)
            for run in range(1, WRITE_RUNS + 1)]
    middle = sorted(runs, key=lambda run: run["orders_per_second"])[len(runs) // 2]
    return {**middle, "runs": [run["orders_per_second"] for run in runs],
            "exact": all(run["sold"] == run["units"] == run["reserved"] for run in runs)}


# --- reads -----------------------------------------------------------------------------------


def _targets(shop_targets: dict) -> dict[str, tuple[str, dict]]:
    """Every target's URL and headers, the floor's first."""
    targets = {
        name: (f"http://127.0.0.1:{FLOOR_PORT}{path}", dict(BROWSER_HEADERS))
        for name, path in FLOOR_TARGETS.items()
    }
    for name, target in shop_targets.items():
        headers = dict(SHOP_HEADERS)
        if "cookie" in target:
            headers["Cookie"] = target["cookie"]
        targets[name] = (f"http://127.0.0.1:{SHOP_PORT}{target['path']}", headers)
    return targets


def _check(targets: dict[str, tuple[str, dict]]) -> None:
    """Every target answers 200 with a page, not a redirect to sign in: else the load would
    measure the wrong thing."""
    for url, headers in targets.values():
        serve.get_page(url, headers)


def _first_views(paths: list[str], cookie: str) -> float:
    """The median time of one request to each page, each asked for the first time."""
    times = []
    for path in paths:
        started = time.perf_counter()
        serve.get_page(f"http://127.0.0.1:{SHOP_PORT}{path}",
                       {**SHOP_HEADERS, "Cookie": cookie})
        times.append((time.perf_counter() - started) * 1000)
    return median(times)


def _reads(targets: dict[str, tuple[str, dict]], seconds: int, rounds: int) -> dict:
    """Each target's medians over the rounds; `ratio` is to the floor's list page in the
    same round, `ratio_constant` to its constant page; `cpu_ratio` is the floor list's CPU
    time a request over the target's (more than 1: the target costs less)."""
    for url, headers in targets.values():  # warm the caches and the connections
        run_wrk(url, connections=CONNECTIONS, seconds=1, headers=headers)
    runs = {name: [] for name in targets}
    singles = {name: [] for name in targets}
    for number in range(1, rounds + 1):
        for name, (url, headers) in targets.items():
            runs[name].append(run_wrk(url, connections=CONNECTIONS, seconds=seconds,
                                      headers=headers))
            singles[name].append(run_wrk(url, connections=1, seconds=SINGLE_SECONDS,
                                         headers=headers))
        summary = ", ".join(f"{name} {runs[name][-1].requests_per_second:.0f}" for name in runs)
        print(f"round {number}: {summary} req/s", flush=True)
    floor_list, floor_constant = runs["floor list"], runs["floor constant"]
    return {
        name: {
            "rps": median(r.requests_per_second for r in runs[name]),
            "p50_ms": median(r.p50_ms for r in runs[name]),
            "p99_ms": median(r.p99_ms for r in runs[name]),
            "single_ms": median(r.p50_ms for r in singles[name]),
            "ratio": median(
                r.requests_per_second / f.requests_per_second
                for r, f in zip(runs[name], floor_list, strict=True)
            ),
            "cpu_ms": median(r.cpu_ms for r in runs[name]),
            "cpu_ratio": median(
                f.cpu_ms / r.cpu_ms if r.cpu_ms else 0.0
                for r, f in zip(runs[name], floor_list, strict=True)
            ),
            "ratio_constant": median(
                r.requests_per_second / f.requests_per_second
                for r, f in zip(runs[name], floor_constant, strict=True)
            ),
            "bad": sum(r.bad for r in runs[name] + singles[name]),
        }
        for name in runs
    }


def _during_sale(targets: dict[str, tuple[str, dict]], seconds: int, env: dict,
                 shop: subprocess.Popen) -> dict:
    """The pages that must survive a sale, read at 16 connections while bench.sale's shoppers
    buy, one after the other; and what the shoppers bought meanwhile. Each page is read alone
    just before, for the CPU time a read costs the shop's workers without the sale and with it
    (a cache emptied by the shoppers' stock movements would show as more), and the shoppers'
    process is timed: every core it takes is one the reads no longer have."""
    names = report.DURING_SALE
    workers = serve.workers_of(shop)
    alone = {name: _workers_cpu_a_read(targets[name], seconds, workers) for name in names}
    buying = subprocess.Popen(  # noqa: S603 - our own arguments
        [PYTHON, "-m", "bench.sale", str(seconds * len(names) + 4)], env=env, cwd=ROOT,
        stdout=subprocess.PIPE, text=True,
    )
    time.sleep(2)  # the shoppers under way
    shoppers_cpu, started = serve.cpu_ms([buying.pid]), time.monotonic()
    reads = {}
    for name in names:
        run, cpu = _workers_cpu_a_read(targets[name], seconds, workers)
        reads[name] = {"rps": run.requests_per_second, "p99_ms": run.p99_ms, "bad": run.bad,
                       "workers_cpu_ms": cpu, "alone_workers_cpu_ms": alone[name][1]}
    shoppers_cores = ((serve.cpu_ms([buying.pid]) - shoppers_cpu)
                      / ((time.monotonic() - started) * 1000))
    output, _ = buying.communicate(timeout=600)
    if buying.returncode:
        raise SystemExit("the shoppers of the sale stopped with an error")
    return {**json.loads(output.strip().splitlines()[-1]), "reads": reads,
            "shoppers_cores": shoppers_cores}


def _workers_cpu_a_read(target: tuple[str, dict], seconds: int,
                        workers: list[int]) -> tuple[Run, float]:
    """A run at 16 connections, and the CPU time the shop's workers spent a request in it."""
    url, headers = target
    before = serve.cpu_ms(workers)
    run = run_wrk(url, connections=CONNECTIONS, seconds=seconds, headers=headers)
    return run, (serve.cpu_ms(workers) - before) / run.requests if run.requests else 0.0


# --- where it ran ----------------------------------------------------------------------------


def _machine(shop_env: dict) -> str:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor() or "unknown CPU",
    )
    memory_kib = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    with psycopg.connect(shop_env["DATABASE_URL"]) as connection:
        postgres = connection.execute("SHOW server_version").fetchone()[0].split()[0]
    redis_version = redis.Redis.from_url(REDIS_URL).info("server")["redis_version"]
    return (
        f"{os.cpu_count()} × {cpu}, {memory_kib / 1024 / 1024:.0f} GiB, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}, "
        f"PostgreSQL {postgres}, Redis {redis_version}"
    )


if __name__ == "__main__":
    main()
