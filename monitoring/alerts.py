"""Alerts for staff: a spike of server errors, of payment failures or of webhook signature
failures, a variant running low on stock, and an order whose money needs a person to look
(`raise_alert(PAYMENT_REVIEW, …)`).

`count_event(kind)` counts an event in the current minute (a cache counter per minute) and
raises the kind's alert when the count goes over its threshold from the settings;
`alert_low_stock(sku, available)` raises one when a variant's available units fall below
LOW_STOCK_THRESHOLD. An alert is an ERROR line on `shop.alerts`, a Sentry message, an email
to STAFF_ALERT_EMAIL (when set) and a banner on the staff dashboard, at most once per kind
(per SKU for low stock) every QUIET_SECONDS: `cache.add` is the guard, so of several workers
seeing the same spike only one alerts.

The cache is a soft dependency: with it down nothing is counted and nothing alerts, and
requests go on.
"""

import logging
import time
from dataclasses import dataclass

import sentry_sdk
from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail

from monitoring.counters import count_this_minute

logger = logging.getLogger("shop.alerts")

QUIET_SECONDS = 15 * 60
ACTIVE_KEY = "alerts:active"

SERVER_ERRORS = "server_errors"
PAYMENT_FAILURES = "payment_failures"
WEBHOOK_SIGNATURE_FAILURES = "webhook_signature_failures"
LOW_STOCK = "low_stock"
PAYMENT_REVIEW = "payment_review"  # money an order did not expect, a dispute, a reversal

# kind: (the setting holding its threshold per minute, what the alert says)
SPIKES = {
    SERVER_ERRORS: ("ALERT_5XX_PER_MINUTE", "server errors (5xx)"),
    PAYMENT_FAILURES: ("ALERT_PAYMENT_FAILURES_PER_MINUTE", "failed payments"),
    WEBHOOK_SIGNATURE_FAILURES: (
        "ALERT_WEBHOOK_SIGNATURE_FAILURES_PER_MINUTE", "webhooks with a bad signature"
    ),
}


@dataclass(frozen=True)
class Alert:
    kind: str
    message: str
    raised_at: float


def count_event(kind: str, *, now: float | None = None) -> int:
    """Count one event of a spike kind in the current minute; alert when the minute's count
    goes over the threshold. Returns the count so far this minute."""
    setting, _ = SPIKES[kind]
    count = count_this_minute(f"alerts:{kind}", now=now)
    if count is None:  # nothing to count with: no spike can be told
        return 0
    threshold = getattr(settings, setting)
    if count > threshold:
        raise_alert(kind, _spike_message(kind, count, threshold))
    return count


def _spike_message(kind: str, count: int, threshold: int) -> str:
    _, what = SPIKES[kind]
    return f"{count} {what} in the last minute (the threshold is {threshold} a minute)."


def alert_low_stock(sku: str, available: int) -> bool:
    """Alert when a variant has fewer than LOW_STOCK_THRESHOLD units available to sell.
    Returns whether an alert went out."""
    if available >= settings.LOW_STOCK_THRESHOLD:
        return False
    units = f"{available} unit{'s' if available != 1 else ''}"
    return raise_alert(
        LOW_STOCK, f"Low stock: {sku} has {units} left to sell. Restock it.",
        guard=f"{LOW_STOCK}:{sku}",
    )


def raise_alert(kind: str, message: str, *, guard: str = "") -> bool:
    """Tell staff everywhere they look, unless this kind (or `guard`) alerted in the last
    QUIET_SECONDS. Returns whether the alert went out."""
    guard = guard or kind
    if not cache.add(f"alerts:raised:{guard}", True, timeout=QUIET_SECONDS):
        return False
    logger.error("Alert: %s", message, extra={"alert": kind})
    sentry_sdk.capture_message(message, level="error")
    _email(message)
    _show_on_dashboard(Alert(kind=kind, message=message, raised_at=time.time()), key=guard)
    return True


def _email(message: str) -> None:
    recipients = settings.STAFF_ALERT_EMAIL
    if not recipients:
        return
    # Sent here, not as a task: an alert must not wait behind the queue it may be about.
    try:
        send_mail(
            f"[{settings.STORE_NAME}] Alert: {message}"[:200], message,
            settings.DEFAULT_FROM_EMAIL, recipients,
        )
    except OSError:  # smtplib's errors included: the log line and the banner still stand
        logger.warning("The alert email could not be sent.", exc_info=True)


def _show_on_dashboard(alert: Alert, *, key: str) -> None:
    # Read, change, write: two alerts at the same instant may lose one banner (never the
    # log line, the report or the email).
    shown = {k: a for k, a in (cache.get(ACTIVE_KEY) or {}).items() if _is_active(a)}
    shown[key] = alert
    cache.set(ACTIVE_KEY, shown, timeout=QUIET_SECONDS)


def active_alerts() -> list[Alert]:
    """The alerts raised in the last QUIET_SECONDS, newest first, for the dashboard."""
    shown = (cache.get(ACTIVE_KEY) or {}).values()
    return sorted(
        (a for a in shown if _is_active(a)), key=lambda a: a.raised_at, reverse=True
    )


def _is_active(alert: Alert) -> bool:
    return time.time() - alert.raised_at < QUIET_SECONDS
