"""The benchmark's results as a Markdown table, each figure against its budget; appended to
bench/RESULTS.md and quoted in the README between its bench markers."""

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

# Reads: (label, the least ratio to the floor's list page, the most p99 in ms). Every page
# a shopper reads, whoever they are, within the floor list's cost.
PAGES = {
    "home": ("home `/`", 1.0, 60),
    "listing": ("listing: category + size, by price, page 2", 1.0, 60),
    "search": ("search `/products/?q=wool`", 1.0, 60),
    "detail": ("product detail", 1.0, 60),
    "listing with a cart": ("listing, a session with a cart", 1.0, 60),
    "search with a cart": ("search, a session with a cart", 1.0, 60),
    "detail with a cart": ("product detail, a session with a cart", 1.0, 60),
    "cart": ("cart, 3 lines", 1.0, 60),
    "checkout": ("checkout page, 3 lines", 1.0, 60),
    "listing signed in": ("listing, signed in", 1.0, 60),
    "search signed in": ("search, signed in", 1.0, 60),
    "detail signed in": ("product detail, signed in", 1.0, 60),
    "orders signed in": ("my orders, signed in", 1.0, 60),
    "order signed in": ("an order's page, signed in", 1.0, 60),
    "addresses signed in": ("my addresses, signed in", 1.0, 60),
    "dashboard": ("dashboard, 12 months", None, None),
    "liveness": ("`/liveness/`", None, None),
}
# Reads while 16 shoppers buy: the pages that must survive a sale, each against its own
# read-only throughput in the same run.
DURING_SALE = ("listing", "search", "detail")
SALE_LEAST_SHARE, SALE_MOST_P99 = 0.7, 100
DASHBOARD_SINGLE_MS = 150
LIVENESS_RATIO_CONSTANT = 0.9
ORDERS_PER_SECOND = 50
XLSX_SECONDS, CSV_SECONDS, MEMORY_GROWTH_MB = 30, 5, 100
# Rebuilding the recommendation tables: at most this long, and at most this much resident
# memory at its peak (the whole process: Python, Django, numpy, scipy and scikit-learn).
REBUILD_SECONDS, REBUILD_MEMORY_MB = 60, 512
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


@dataclass(frozen=True)
class Results:
    when: str
    commit: str
    machine: str
    seeded: dict
    reads: dict
    writes: dict
    exports: list[dict]
    recommendations: dict
    settings: str
    minutes: float
    sale: dict | None = None  # reads while shoppers buy, and what they bought


def render(results: Results) -> str:
    checks: list[bool] = []

    def verdict(ok: bool) -> str:
        checks.append(ok)
        return "met" if ok else "**missed**"

    seeded = results.seeded
    lines = [
        f"### {results.when} · commit {results.commit}",
        "",
        f"Machine: {results.machine}. Reads: {results.settings}; medians. CPU ms a request: "
        "the whole machine's CPU time (both servers, PostgreSQL, Redis, wrk) over the requests "
        "served meanwhile: a spell that gives the machine less of its cores lowers req/s and "
        "not this; one that slows the cores raises both.",
        f"Seeded {seeded['products']:,} products, {seeded['variants']:,} variants, "
        f"{seeded['customers']:,} customers, {seeded['orders']:,} orders ({seeded['paid']:,} "
        f"paid, {seeded['lines']:,} lines) and {seeded['sessions']:,} sessions in "
        f"{seeded['seconds']} s.",
        "",
        "| read | req/s | p50 ms | p99 ms | × floor list | CPU ms a request | × floor list by CPU "
        "| one connection, ms | budget |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    reads = results.reads
    for name, label in (("floor constant", "floor: constant 1 KiB page"),
                        ("floor list", "floor: 20 rows through a template")):
        lines.append(_read_row(label, reads[name], ""))
    for name, (label, least_ratio, most_p99) in PAGES.items():
        figures = reads[name]
        budget = []
        if least_ratio is not None:
            text = f"≥ {least_ratio:.1f}× floor list"
            if most_p99 is not None:
                text += f", p99 < {most_p99} ms"
            ok = figures["ratio"] >= least_ratio and (
                most_p99 is None or figures["p99_ms"] < most_p99
            )
            budget.append(f"{text}: {verdict(ok)}")
        if name == "dashboard":
            ok = figures["single_ms"] < DASHBOARD_SINGLE_MS
            budget.append(f"one connection < {DASHBOARD_SINGLE_MS} ms: {verdict(ok)}; a "
                          f"range nobody asked for yet: {figures['cold_ms']:,.0f} ms")
        if name == "liveness":
            ratio = figures["ratio_constant"]
            ok = ratio >= LIVENESS_RATIO_CONSTANT
            budget.append(f"{ratio:.2f}× floor constant, ≥ {LIVENESS_RATIO_CONSTANT}: "
                          f"{verdict(ok)}")
        if figures["bad"]:
            budget.append(f"**{figures['bad']} failed responses**")
            checks.append(False)
        if not figures["rps"]:  # no request finished: no figure of this row is a measurement
            budget.append("**no request finished**")
            checks.append(False)
        lines.append(_read_row(label, figures, "; ".join(budget)))

    if results.sale:
        lines += _sale_rows(results.sale, reads, verdict)
    writes = results.writes
    exact = writes.get("exact", True) and writes["sold"] == writes["units"] == writes["reserved"]
    runs = writes.get("runs", [])
    of_runs = (f" (the median of {len(runs)} runs: {', '.join(map(str, runs))} orders/s)"
               if len(runs) > 1 else "")
    lines += [
        "",
        "| writes | orders | seconds | orders/s | units sold (lines / reserved) | budget |",
        "|---|---:|---:|---:|---:|---|",
        f"| {writes['clients']} shoppers buy 1 of {writes['units']} units until sold out"
        f"{of_runs} | {writes['orders']} | {writes['seconds']} | {writes['orders_per_second']} "
        f"| {writes['sold']} / {writes['reserved']} "
        f"| ≥ {ORDERS_PER_SECOND}/s: {verdict(writes['orders_per_second'] >= ORDERS_PER_SECOND)}"
        f"; exactly {writes['units']} sold: {verdict(exact)} |",
        "",
        "| export | period | rows | seconds | peak memory MB | budget |",
        "|---|---|---:|---:|---:|---|",
    ]
    for export in results.exports:
        most = CSV_SECONDS if export["report"].endswith(".csv") else XLSX_SECONDS
        budget = ""
        if export["period"] == "year":
            budget = f"< {most} s: {verdict(export['seconds'] < most)}"
        lines.append(
            f"| {export['report']} | {export['start']} to {export['end']} | {export['rows']:,} "
            f"| {export['seconds']} | {export['peak_mb']} | {budget} |"
        )
    growth = []
    for name in ("sales.csv", "sales.xlsx"):
        recent, year = (
            next(e for e in results.exports if e["report"] == name and e["period"] == period)
            for period in ("recent", "year")
        )
        more = year["peak_mb"] - recent["peak_mb"]
        growth.append(f"{name} {more:+.1f} MB: {verdict(more <= MEMORY_GROWTH_MB)}")
    rebuilt = results.recommendations
    lines += [
        "",
        f"Peak memory for the year against the recent days (at most {MEMORY_GROWTH_MB} MB "
        f"more): {'; '.join(growth)}.",
        "",
        "| recommendations rebuild | products | paid orders | links | seconds | peak memory MB "
        "| budget |",
        "|---|---:|---:|---:|---:|---:|---|",
        f"| also bought, similar, best sellers, trending | {rebuilt['products']:,} "
        f"| {rebuilt['orders']:,} | {rebuilt['links']:,} | {rebuilt['seconds']} "
        f"| {rebuilt['peak_mb']} (before: {rebuilt['before_mb']}) "
        f"| < {REBUILD_SECONDS} s: {verdict(rebuilt['seconds'] < REBUILD_SECONDS)}; "
        f"< {REBUILD_MEMORY_MB} MB: {verdict(rebuilt['peak_mb'] < REBUILD_MEMORY_MB)} |",
        "",
        f"Budgets met: {sum(checks)} of {len(checks)}. The whole run took "
        f"{results.minutes:.1f} minutes.",
    ]
    return "\n".join(lines) + "\n"


def _sale_rows(sale: dict, reads: dict, verdict) -> list[str]:
    lines = [
        "",
        f"| during a sale ({sale['clients']} shoppers, {sale['orders_per_second']} orders/s) "
        "| req/s | p99 ms | share of read-only req/s | the shop's CPU ms a read, alone / in the "
        "sale | budget |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for name in DURING_SALE:
        figures = sale["reads"][name]
        share = figures["rps"] / reads[name]["rps"] if reads[name]["rps"] else 0.0
        ok = share >= SALE_LEAST_SHARE and 0 < figures["p99_ms"] < SALE_MOST_P99
        lines.append(
            f"| {PAGES[name][0]} | {figures['rps']:,.0f} | {figures['p99_ms']:.1f} "
            f"| {share:.0%} | {figures['alone_workers_cpu_ms']:.2f} / "
            f"{figures['workers_cpu_ms']:.2f} | ≥ {SALE_LEAST_SHARE:.0%}, p99 < "
            f"{SALE_MOST_P99} ms: {verdict(ok and not figures['bad'])} |"
        )
    lines += [
        "",
        f"The shoppers' process used {sale['shoppers_cores']:.2f} of the machine's cores "
        "while the pages were read (its own Python, not the work of its queries in "
        "PostgreSQL); the shop's CPU a read counts its gunicorn workers only.",
    ]
    return lines


def _read_row(label: str, figures: dict, budget: str) -> str:
    return (
        f"| {label} | {figures['rps']:,.0f} | {figures['p50_ms']:.1f} | {figures['p99_ms']:.1f} "
        f"| {figures['ratio']:.2f} | {figures['cpu_ms']:.1f} | {figures['cpu_ratio']:.2f} "
        f"| {figures['single_ms']:.1f} | {budget} |"
    )


def commit_measured() -> str:
    """The commit the run measures, and whether the code differs from it."""
    def git(*arguments: str) -> str:
        return subprocess.run(  # noqa: S603
            ["git", *arguments], cwd=RESULTS.parent, capture_output=True, text=True,  # noqa: S607
            check=False,
        ).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    changed = [
        line for line in git("status", "--porcelain", "--untracked-files=no").splitlines()
        if not line.endswith(("bench/RESULTS.md", "README.md"))
    ]
    return f"{commit} with uncommitted changes" if changed else commit


def record(text: str, results_file: Path = RESULTS, readme: Path | None = None) -> None:
    """Print the table and append it to the results file; with `readme`, put it there too,
    between the markers."""
    print(text)
    with results_file.open("a") as file:
        file.write("\n" + text)
    if readme is None:
        return
    quoted = readme.read_text()
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.DOTALL)
    if pattern.search(quoted):
        readme.write_text(pattern.sub(lambda _: f"{START}\n{text}{END}", quoted))
