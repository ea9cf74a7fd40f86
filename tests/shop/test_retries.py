"""Retrying failed tasks later, with exponential backoff, where the backend can wait."""

from datetime import timedelta
from decimal import Decimal
from smtplib import SMTPServerDisconnected

import pytest
from django.core.mail import EmailMultiAlternatives
from django.db import OperationalError
from django.tasks import TaskResultStatus, task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from core import retries
from shop.models import OrderEmail
from shop.notifications import send_order_email
from shop.services.expiry import expire_order
from tests.factories import VariantFactory
from tests.shop.buying import place

DUMMY = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


class Flaky(Exception):
    pass


def fail(*, item: int) -> None:
    raise Flaky(f"item {item} failed")


@task
def flaky(*, item: int, attempt: int = 1) -> None:
    retries.run_with_retries(flaky, fail, attempt=attempt, retry_on=(Flaky,), item=item)


@task
def broken(*, attempt: int = 1) -> None:
    retries.run_with_retries(broken, fail, attempt=attempt, retry_on=(OperationalError,), item=1)


def test_the_delay_doubles_from_30_seconds_up_to_an_hour():
    delays = [retries.backoff(attempt) for attempt in range(1, 10)]
    assert delays[:4] == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert delays[-1] == timedelta(hours=1)


def test_a_failed_attempt_is_enqueued_again_after_the_backoff(settings):
    settings.TASKS = DUMMY
    before = timezone.now()
    with pytest.raises(Flaky):  # the attempt still fails, with its traceback
        flaky.call(item=7, attempt=2)
    [result] = flaky.get_backend().results
    assert result.kwargs == {"item": 7, "attempt": 3}
    assert before + timedelta(seconds=60) <= result.task.run_after
    assert result.task.run_after <= timezone.now() + timedelta(seconds=60)


def test_the_last_attempt_is_not_retried(settings):
    settings.TASKS = DUMMY
    with pytest.raises(Flaky):
        flaky.call(item=7, attempt=retries.MAX_ATTEMPTS)
    assert flaky.get_backend().results == []


def test_other_errors_are_not_retried(settings):
    settings.TASKS = DUMMY
    with pytest.raises(Flaky):
        broken.call()
    assert broken.get_backend().results == []


def test_nothing_is_retried_where_the_backend_cannot_wait():
    # The ImmediateBackend of dev and tests runs tasks in the request, never later.
    assert not flaky.get_backend().supports_defer
    result = flaky.enqueue(item=7)
    assert result.status == TaskResultStatus.FAILED
    assert result.attempts == 1
    assert result.errors[0].exception_class is Flaky


@pytest.mark.django_db
def test_the_database_backend_keeps_the_retry_for_its_worker(settings):
    settings.TASKS = DATABASE
    with pytest.raises(Flaky):
        flaky.call(item=7)
    [row] = DBTaskResult.objects.all()
    assert row.task_path == "tests.shop.test_retries.flaky"
    assert row.args_kwargs == {"args": [], "kwargs": {"item": 7, "attempt": 2}}
    assert row.run_after > timezone.now() + timedelta(seconds=25)
    assert not DBTaskResult.objects.ready().exists()  # not before its time


@pytest.mark.django_db
def test_an_email_the_mail_server_refused_is_retried(settings, monkeypatch):
    order = place((VariantFactory(on_hand=5, price=Decimal("10.00")), 1))
    settings.TASKS = DUMMY

    def disconnect(message):
        raise SMTPServerDisconnected("gone")

    monkeypatch.setattr(EmailMultiAlternatives, "send", disconnect)
    email = OrderEmail.objects.create(order=order, kind=OrderEmail.Kind.CONFIRMATION)
    with pytest.raises(SMTPServerDisconnected):
        send_order_email.call(email_id=email.pk)
    [result] = send_order_email.get_backend().results
    assert result.kwargs == {"email_id": email.pk, "attempt": 2}
    email.refresh_from_db()
    assert email.sent_at is None


def test_an_expiry_the_database_refused_is_retried(settings, monkeypatch):
    settings.TASKS = DUMMY

    def locked(*, order_id):
        raise OperationalError("lock timeout")

    monkeypatch.setattr("shop.services.orders.expire_order", locked)
    with pytest.raises(OperationalError):
        expire_order.call(order_id=42)
    [result] = expire_order.get_backend().results
    assert result.kwargs == {"order_id": 42, "attempt": 2}
