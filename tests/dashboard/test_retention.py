"""The daily retention run: each job deletes or reduces exactly what is due, and the
dashboard's figures come out the same once the storefront's visitors are only totals."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone

from dashboard import kpis, retention, rollup_build
from dashboard.kpis import Period
from dashboard.models import DailySales, SessionDay
from shop.models import Cart
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


def _visitors(day, keys: int, ordered: int = 0) -> None:
    SessionDay.objects.bulk_create(
        [SessionDay(day=day, key=f"{day}-{n}", ordered=n < ordered) for n in range(keys)]
    )


def test_visitors_past_the_period_are_kept_only_as_the_days_totals(settings):
    settings.RETENTION_VISITOR_DAYS = 90
    today = kpis.today()
    old, older, recent = (today - timedelta(days=d) for d in (91, 200, 89))
    _visitors(old, 5, ordered=2)
    _visitors(older, 3)
    _visitors(recent, 4, ordered=1)
    OrderFactory()  # some history besides
    periods = [Period(older, today), Period(old, old), Period(older, old), Period(recent, today)]
    before = [kpis.summary(period) for period in periods]
    assert retention.keep_only_visitor_totals(timezone.now()) == 0  # no rollups yet
    assert SessionDay.objects.count() == 12
    rollup_build.build()

    assert retention.keep_only_visitor_totals(timezone.now()) == 2

    assert set(SessionDay.objects.values_list("day", flat=True)) == {recent}
    assert SessionDay.objects.count() == 4
    assert (DailySales.objects.filter(day=old)
            .values_list("sessions", "ordered_sessions").get()) == (5, 2)
    assert [kpis.summary(period) for period in periods] == before
    assert retention.keep_only_visitor_totals(timezone.now()) == 0


def test_one_run_applies_every_job_and_says_what_each_did(settings):
    settings.RETENTION_GUEST_CART_DAYS = 30
    idle = Cart.objects.create()
    Cart.objects.filter(pk=idle.pk).update(updated_at=timezone.now() - timedelta(days=40))
    touched = Cart.objects.create()
    expired, live = SessionStore(), SessionStore()
    for store in (expired, live):
        store["cart_id"] = touched.pk
        store.create()
    Session.objects.filter(session_key=expired.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    _visitors(kpis.today() - timedelta(days=settings.RETENTION_VISITOR_DAYS + 1), 2)
    rollup_build.build()
    out = StringIO()

    call_command("apply_retention", stdout=out)

    assert list(Cart.objects.values_list("pk", flat=True)) == [touched.pk]
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]
    assert not SessionDay.objects.exists()
    assert out.getvalue().splitlines() == [
        "guest carts deleted: 1",
        "unverified sign-ups deleted: 0",
        "expired sessions deleted: 1",
        "visitor days reduced to totals: 1",
        "webhook payloads redacted: 0",
    ]
