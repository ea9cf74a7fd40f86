"""The shop's Prometheus metrics, all defined here, and the text a scrape of `/metrics` gets.

Other apps record through the small functions below (`record_order_placed()`,
`record_payment(...)`, …), never through the metric objects, so label values stay few:
a route is the URL's name, never its path, and anything a client can choose is folded into
a fixed set.

Under gunicorn each worker is its own process with its own counters. With the
PROMETHEUS_MULTIPROC_DIR environment variable set (before the first import of
prometheus_client, so in the process's environment, not in code), every worker writes its
values to files in that directory, and a scrape adds up the files of all workers, whichever
worker answers it. The directory must be emptied when the server starts (the old files would
otherwise be counted again), and config/gunicorn.py folds the files of workers that exit into
archive files (config.metric_files), read here under the lock the fold takes.
Without the variable the process's own registry is served.
"""

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from config.metric_files import MergedFilesCollector
from monitoring import alerts

CONTENT_TYPE = CONTENT_TYPE_LATEST
UNMATCHED = "unmatched"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
PAYMENT_OUTCOMES = frozenset({
    "captured", "failed", "declined", "pending", "refunded", "disputed", "reversed", "abandoned",
    "screened", "start_failed",
})
WEBHOOK_OUTCOMES = frozenset({"processed", "ignored", "bad_signature", "error"})

http_requests = Counter(
    "shop_http_requests", "HTTP requests answered, by URL name, method and status.",
    ["route", "method", "status"],
)
http_request_duration = Histogram(
    "shop_http_request_duration_seconds", "Time to answer an HTTP request, by URL name.",
    ["route", "method"],
)
orders_placed = Counter("shop_orders_placed", "Orders placed (committed).")
payments = Counter(
    "shop_payments", "Payment events applied, by provider and outcome.", ["provider", "outcome"]
)
webhook_events = Counter(
    "shop_webhook_events", "Provider webhooks received, by provider, event type and outcome.",
    ["provider", "type", "outcome"],
)
cache_requests = Counter("shop_cache_requests", "Cache reads, hit or miss.", ["result"])
# Set from the task table at each scrape (monitoring.scrape); the most recent value wins
# across processes.
task_backlog = Gauge(
    "shop_task_backlog", "Tasks waiting to run.", multiprocess_mode="mostrecent"
)


def record_request(
    *, route: str | None, method: str, status: int, seconds: float,
    database_unavailable: bool = False,
) -> None:
    """One answered request; a 5xx also counts towards the server-error alert, except the 503
    of a database outage (monitoring.outage): readiness reports that, once, not per request."""
    route = route or UNMATCHED
    method = method if method in METHODS else "other"
    http_requests.labels(route=route, method=method, status=str(status)).inc()
    http_request_duration.labels(route=route, method=method).observe(seconds)
    if status >= 500 and not database_unavailable:
        alerts.count_event(alerts.SERVER_ERRORS)


def record_order_placed() -> None:
    orders_placed.inc()


def record_payment(provider: str, outcome: str) -> None:
    """A payment event, its outcome one of PAYMENT_OUTCOMES (an event kind payments applies,
    or "start_failed"); a failure also counts towards the payment-failure alert."""
    if outcome not in PAYMENT_OUTCOMES:
        raise ValueError(f"A payment outcome is one of {sorted(PAYMENT_OUTCOMES)}: {outcome!r}")
    payments.labels(provider=provider, outcome=outcome).inc()
    if outcome == "failed":
        alerts.count_event(alerts.PAYMENT_FAILURES)


def record_webhook_event(provider: str, event_type: str, outcome: str) -> None:
    """A webhook: processed, ignored (a type the shop does not act on), bad_signature or
    error. The type of an unverified webhook is whatever the sender wrote, so it is not kept;
    a bad signature also counts towards the signature-failure alert."""
    if outcome not in WEBHOOK_OUTCOMES:
        raise ValueError(f"A webhook outcome is one of {sorted(WEBHOOK_OUTCOMES)}: {outcome!r}")
    if outcome == "bad_signature":
        event_type = "unverified"
    webhook_events.labels(provider=provider, type=event_type, outcome=outcome).inc()
    if outcome == "bad_signature":
        alerts.count_event(alerts.WEBHOOK_SIGNATURE_FAILURES)


def record_cache_request(*, hit: bool) -> None:
    cache_requests.labels(result="hit" if hit else "miss").inc()


def set_task_backlog(count: int) -> None:
    task_backlog.set(count)


def exposition(*, multiprocess_dir: str = "") -> bytes:
    """The metrics in Prometheus text: every worker's, added up, when `multiprocess_dir`
    names the directory they write to; otherwise this process's."""
    return generate_latest(_registry(multiprocess_dir))


def cache_hit_ratio(*, multiprocess_dir: str = "") -> float | None:
    """Cache hits over all cache reads since the workers started, or None before any."""
    reads = {"hit": 0.0, "miss": 0.0}
    for metric in _registry(multiprocess_dir).collect():  # one pass over every worker's values
        for sample in metric.samples:
            if sample.name == "shop_cache_requests_total":
                reads[sample.labels["result"]] += sample.value
    total = reads["hit"] + reads["miss"]
    return round(reads["hit"] / total, 3) if total else None


def _registry(multiprocess_dir: str):
    if not multiprocess_dir:
        return REGISTRY
    registry = CollectorRegistry()
    MergedFilesCollector(registry, path=multiprocess_dir)
    return registry
