"""The retention jobs, run together once a day (`manage.py apply_retention`, a CronJob in the
manifests, or the `apply_retention` task): each deletes or reduces exactly what its period
says is due, and nothing else. The periods are settings (`.env.example`, and the README's
table):

- guest carts untouched for RETENTION_GUEST_CART_DAYS: deleted (shop.retention);
- sign-ups never verified in RETENTION_UNVERIFIED_SIGNUP_DAYS: deleted (shop.retention);
- expired sessions: deleted;
- the storefront's visitors (SessionDay rows) older than RETENTION_VISITOR_DAYS: only each
  day's totals stay, on the day's rollup (DailySales), which a rebuild keeps;
- webhook payloads older than WEBHOOK_PAYLOAD_RETENTION_DAYS: their personal fields
  redacted (payments.retention).

Orders, payments and refunds are kept: they are the books.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from dashboard import rollup_figures, rollup_sums
from dashboard.models import SessionDay
from payments import retention as payments_retention
from shop import retention as shop_retention

logger = logging.getLogger(__name__)


def apply(now: datetime | None = None) -> dict[str, int]:
    """Run every job as of `now`; what each removed or reduced, by name."""
    now = now or timezone.now()
    done = {
        "guest carts deleted": shop_retention.delete_idle_guest_carts(now),
        "unverified sign-ups deleted": shop_retention.delete_unverified_signups(now),
        "expired sessions deleted": Session.objects.filter(expire_date__lt=now).delete()[0],
        "visitor days reduced to totals": keep_only_visitor_totals(now),
        "webhook payloads redacted": payments_retention.redact_old_payloads(now),
    }
    logger.info("Retention applied.", extra={"retention": done})
    return done


def keep_only_visitor_totals(now: datetime) -> int:
    """Reduce the storefront's visitors of each day before the period to the day's totals
    (sessions, and sessions that ordered) on its rollup, then delete the day's visitors;
    how many days were reduced. Nothing is reduced until the rollups have been built (the
    dashboard reads the rows until then, and a build is for the operator to run when no
    payment comes in: `manage.py build_dashboard_rollups`); each run says so."""
    cutoff = rollup_sums.local_day(now) - timedelta(days=settings.RETENTION_VISITOR_DAYS)
    due = SessionDay.objects.filter(day__lt=cutoff)
    days = list(due.values_list("day", flat=True).distinct().order_by("day"))
    if not days:
        return 0
    if not rollup_figures.built():
        logger.warning("Storefront visitors past %d days are kept until the dashboard's "
                       "rollups are built (manage.py build_dashboard_rollups).",
                       settings.RETENTION_VISITOR_DAYS)
        return 0
    with transaction.atomic():
        rollup_figures.count_closed_sessions(today=rollup_sums.local_day(now), days=days)
        due.delete()
    return len(days)
