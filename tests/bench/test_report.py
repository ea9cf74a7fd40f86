"""The benchmark's arithmetic and its table: each read's ratios to the floor's list, every
budget judged against its own figure, a missed one said plainly."""

from pathlib import Path

import pytest

from bench import history, report
from bench import run as bench_run
from bench.load import Run

FLOOR_LIST_CPU_MS = 1.5


def read(rps, *, p99=20.0, single=5.0, ratio=None, ratio_constant=1.0, bad=0,
         cpu_ms=FLOOR_LIST_CPU_MS):
    return {"rps": rps, "p50_ms": 10.0, "p99_ms": p99, "single_ms": single,
            "ratio": rps / 1000 if ratio is None else ratio,
            "ratio_constant": ratio_constant, "bad": bad, "cpu_ms": cpu_ms,
            "cpu_ratio": FLOOR_LIST_CPU_MS / cpu_ms}


def results(**changes) -> report.Results:
    reads = {name: read(1200) for name in report.PAGES}
    reads["dashboard"]["cold_ms"] = 900.0
    reads |= {"floor constant": read(3000), "floor list": read(1000)}
    reads |= changes.pop("reads", {})
    export = {"report": "sales.csv", "start": "2026-01-01", "end": "2026-12-31", "rows": 10,
              "seconds": 1.0, "peak_mb": 90.0, "bytes": 100}
    values = {
        "when": "2026-11-21 12:00 UTC", "commit": "abc1234", "machine": "2 CPUs",
        "seeded": {"products": 2000, "variants": 8000, "customers": 20000, "orders": 100000,
                   "paid": 92000, "lines": 175000, "sessions": 4000000, "seconds": 90.0},
        "reads": reads,
        "writes": {"clients": 16, "units": 500, "orders": 500, "seconds": 5.0,
                   "orders_per_second": 100.0, "sold": 500, "reserved": 500, "on_hand": 500},
        "exports": [
            {**export, "period": period, "report": name}
            for period in ("recent", "year") for name in ("sales.csv", "sales.xlsx")
        ],
        "recommendations": {"products": 2000, "orders": 92000, "links": 80000,
                            "seconds": 12.0, "before_mb": 120.0, "peak_mb": 300.0},
        "settings": "3 rounds", "minutes": 9.0,
        "sale": {"clients": 16, "orders": 900, "seconds": 34.0, "orders_per_second": 26.5,
                 "shoppers_cores": 0.65,
                 "reads": {name: {"rps": 1000.0, "p99_ms": 40.0, "bad": 0,
                                  "workers_cpu_ms": 2.9, "alone_workers_cpu_ms": 2.3}
                           for name in report.DURING_SALE}},
    }
    return report.Results(**(values | changes))


# Every budget: a ratio and a p99 per shopper's page, the dashboard's and the probe's, two
# for the writes, four for the exports, two for the rebuild and one per page read in a sale.
BUDGETS = 15 + 2 + 2 + 4 + 2 + 3


def test_a_run_within_every_budget_says_so():
    text = report.render(results())

    assert f"Budgets met: {BUDGETS} of {BUDGETS}." in text
    assert "missed" not in text


def test_each_read_says_what_a_request_cost_the_machine_against_the_floor_list():
    text = report.render(results(reads={"cart": read(1200, cpu_ms=6.0)}))

    row = next(line for line in text.splitlines() if line.startswith("| cart, 3 lines |"))
    # 1,200 req/s, 1.20 times the floor list's; 6.0 ms of CPU a request, the floor list's 1.5.
    assert "| 1.20 | 6.0 | 0.25 |" in row


def test_a_reads_ratios_are_to_the_floor_lists_figures_in_the_same_round(monkeypatch):
    # (req/s, CPU ms a request) of each target: the page serves half the floor list's
    # requests a second at twice its CPU a request, and so costs twice as much both ways.
    measured = {"/list/": (1000.0, 2.0), "/constant/": (4000.0, 0.5), "/page/": (500.0, 4.0)}
    monkeypatch.setattr(bench_run, "run_wrk", lambda url, **kwargs: Run(
        requests_per_second=measured[url][0], p50_ms=1.0, p99_ms=2.0, bad=0,
        requests=int(measured[url][0]), cpu_ms=measured[url][1]))
    targets = {name: (url, {}) for name, url in
               (("floor list", "/list/"), ("floor constant", "/constant/"), ("page", "/page/"))}

    page = bench_run._reads(targets, seconds=1, rounds=1)["page"]

    assert (page["ratio"], page["cpu_ratio"], page["cpu_ms"]) == (0.5, 0.5, 4.0)
    assert page["ratio_constant"] == 0.125


@pytest.mark.parametrize(("status", "measured"), [
    ("", "abc1234"),
    (" M README.md\n M bench/RESULTS.md", "abc1234"),  # what a run itself writes
    (" M README.md\n M shop/views/catalogue.py", "abc1234 with uncommitted changes"),
])
def test_a_run_names_the_commit_it_measured_and_says_when_the_code_differs(
    monkeypatch, status, measured
):
    said = {"rev-parse": "abc1234\n", "status": status}
    monkeypatch.setattr(report.subprocess, "run", lambda command, **kwargs: type(
        "Finished", (), {"stdout": said[command[1]]})())

    assert report.commit_measured() == measured


@pytest.mark.parametrize(("changes", "missed"), [
    ({"reads": {"home": read(900)}}, "home `/`"),
    ({"reads": {"search": read(1200, p99=75.0)}}, "search"),
    ({"reads": {"cart": read(650)}}, "cart, 3 lines"),
    ({"reads": {"dashboard": read(50, single=180.0) | {"cold_ms": 900.0}}},
     "dashboard, 12 months"),
    ({"reads": {"liveness": read(2500, ratio_constant=0.8)}}, "`/liveness/`"),
    ({"reads": {"detail": read(1200, bad=4)}}, "product detail"),
    # Nothing finished: a time of 0.0 ms is no time within the budget.
    ({"reads": {"dashboard": read(0, p99=0.0, single=0.0, ratio=0.0) | {"cold_ms": 0.0}}},
     "dashboard, 12 months"),
])
def test_a_read_outside_its_budget_is_marked_missed(changes, missed):
    text = report.render(results(**changes))

    row = next(line for line in text.splitlines() if line.startswith(f"| {missed}"))
    assert "missed" in row or "failed responses" in row or "no request finished" in row
    assert (f"Budgets met: {BUDGETS - 1} of {BUDGETS}." in text
            or f"Budgets met: {BUDGETS} of {BUDGETS + 1}." in text)


def test_oversold_or_slow_writes_are_marked_missed():
    writes = {"clients": 16, "units": 500, "orders": 501, "seconds": 20.0,
              "orders_per_second": 25.0, "sold": 501, "reserved": 500, "on_hand": 500}

    text = report.render(results(writes=writes))

    assert f"Budgets met: {BUDGETS - 2} of {BUDGETS}." in text


def test_memory_growing_with_rows_is_marked_missed():
    run = results()
    exports = [dict(e) for e in run.exports]
    exports[3]["peak_mb"] = 250.0  # sales.xlsx for the year

    text = report.render(results(exports=exports))

    assert "sales.xlsx +160.0 MB: **missed**" in text


@pytest.mark.parametrize(("rebuilt", "missed"), [
    ({"seconds": 75.0}, "< 60 s: **missed**"),
    ({"peak_mb": 600.0}, "< 512 MB: **missed**"),
])
def test_a_slow_or_large_recommendations_rebuild_is_marked_missed(rebuilt, missed):
    run = results()

    text = report.render(results(recommendations=run.recommendations | rebuilt))

    row = next(line for line in text.splitlines() if line.startswith("| also bought"))
    assert missed in row
    assert f"Budgets met: {BUDGETS - 1} of {BUDGETS}." in text


def test_the_run_is_appended_and_quoted_in_the_readme(tmp_path: Path):
    results_file = tmp_path / "RESULTS.md"
    results_file.write_text("# Results\n")
    readme = tmp_path / "README.md"
    readme.write_text(f"Intro\n{report.START}\nold table\n{report.END}\nAfter\n")

    report.record("new table\n", results_file, readme)
    report.record("newer table\n", results_file, readme)

    assert results_file.read_text() == "# Results\n\nnew table\n\nnewer table\n"
    assert readme.read_text() == f"Intro\n{report.START}\nnewer table\n{report.END}\nAfter\n"


@pytest.mark.parametrize(("sold", "missed"), [
    ({"rps": 780.0, "p99_ms": 40.0}, "65%"),  # under 70 % of its read-only 1,200
    ({"rps": 1080.0, "p99_ms": 140.0}, "90%"),  # p99 over 100 ms
])
def test_reads_that_do_not_survive_a_sale_are_marked_missed(sold, missed):
    run = results()
    sale = run.sale | {"reads": run.sale["reads"] | {"search": run.sale["reads"]["search"] | sold}}

    text = report.render(results(sale=sale))

    row = [line for line in text.splitlines() if line.startswith("| search `")][-1]
    assert f"| {missed} |" in row and "**missed**" in row
    assert f"Budgets met: {BUDGETS - 1} of {BUDGETS}." in text


def test_a_sale_says_what_a_read_cost_the_shop_alone_and_in_it_and_the_shoppers_cores():
    run = results()
    sale = run.sale | {"shoppers_cores": 0.71, "reads": run.sale["reads"] | {
        "detail": run.sale["reads"]["detail"] | {"alone_workers_cpu_ms": 2.28,
                                                 "workers_cpu_ms": 3.114}}}

    text = report.render(results(sale=sale))

    row = [line for line in text.splitlines() if line.startswith("| product detail |")][-1]
    assert "| 2.28 / 3.11 |" in row
    assert "The shoppers' process used 0.71 of the machine's cores" in text


def test_the_writes_row_is_the_median_run_and_any_run_that_oversold_misses():
    median = {"clients": 16, "units": 500, "orders": 500, "seconds": 8.0,
              "orders_per_second": 62.5, "sold": 500, "reserved": 500, "on_hand": 500,
              "runs": [55.1, 62.5, 70.2], "exact": True}

    text = report.render(results(writes=median))

    assert "(the median of 3 runs: 55.1, 62.5, 70.2 orders/s) | 500 | 8.0 | 62.5 |" in text
    assert f"Budgets met: {BUDGETS} of {BUDGETS}." in text
    text = report.render(results(writes=median | {"exact": False}))
    assert f"Budgets met: {BUDGETS - 1} of {BUDGETS}." in text


def history_run(*, cold_ms: float, served_p99: float, computed: int) -> dict:
    stampede = {"p50_ms": 900.0, "p99_ms": 1100.0, "computed": computed}
    served = {"p50_ms": 100.0, "p99_ms": served_p99}
    return {
        "dashboard": {"orders": 100_000, "paid": 92_000, "build": {"seconds": 10.4},
                      "cold_ms": {"7 days": 60.0, "12 months": cold_ms},
                      "stampede": {"cold": stampede, "fallen_due": stampede},
                      "served_stampede": {"cold": served, "fallen_due": served}},
        "exports": {"csv": {"rows": 92_000, "seconds": 0.9, "peak_mb": 190.0}},
        "period": ("2025-12-05", "2026-12-04"),
    }


def test_the_history_judges_the_slowest_range_and_the_served_stampede():
    met = history.render({100_000: history_run(cold_ms=120.0, served_p99=400.0, computed=1)},
                         when="now", minutes=1.0)
    missed = history.render({100_000: history_run(cold_ms=160.0, served_p99=600.0,
                                                  computed=16)}, when="now", minutes=1.0)

    assert "| 100,000 | 92,000 | 10.4 | 60.0 | 120.0 | slowest < 150: met |" in met
    assert ("| 100,000 | cold | 100.0 | 400.0 | 900.0 | 1,100.0 | 1 | p99 < 500: met; "
            "worked out once: met |") in met
    assert "Budgets met: 5 of 5." in met
    assert "slowest < 150: **missed**" in missed
    assert "p99 < 500: **missed**; worked out once: **missed**" in missed
    assert "Budgets met: 0 of 5." in missed
