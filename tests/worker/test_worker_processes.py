"""Task workers as real processes on PostgreSQL: killed mid-task, absent for a while, with the
cache down, and with settings that differ from the web's."""

import json
import signal
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.tasks import TaskResultStatus
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from monitoring.logs import current_request_id
from shop.models import Order, OrderEmail
from shop.notifications import send_order_email
from tests.conftest import DEAD_REDIS, need
from tests.factories import VariantFactory
from tests.shop.buying import pay, place
from tests.worker.processes import start_worker, stop, wait_for
from worker.models import Heartbeat

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DATABASE_TASKS = {"default": {"BACKEND": "worker.backend.DatabaseBackend"}}


@pytest.fixture(autouse=True)
def _tasks_in_the_database(settings):
    settings.TASKS = DATABASE_TASKS


@pytest.fixture
def on_postgres():
    # The worker's heartbeat thread writes while it runs tasks: the test database on SQLite,
    # shared in memory, refuses a second writer at once instead of waiting.
    if connection.vendor != "postgresql":
        need("needs PostgreSQL: set DATABASE_URL")


def sent(folder) -> list[str]:
    return [path.read_text() for path in sorted(folder.glob("*.log"))]


def status_of(result_id) -> str:
    return DBTaskResult.objects.get(pk=result_id).status


def test_a_task_whose_worker_is_killed_completes_on_another_and_sends_one_email(
    on_postgres, tmp_path
):
    order = place((VariantFactory(on_hand=5, price=Decimal("10.00")), 1))
    email = OrderEmail.objects.create(order=order, kind=OrderEmail.Kind.CONFIRMATION)
    result = send_order_email.enqueue(email_id=email.pk)
    mail_dir = tmp_path / "mail"

    doomed = start_worker("doomed", mail_dir=mail_dir, log=tmp_path / "doomed.log", mail_delay=60)
    try:
        assert wait_for(lambda: status_of(result.id) == TaskResultStatus.RUNNING, timeout=30), (
            (tmp_path / "doomed.log").read_text()
        )
        doomed.send_signal(signal.SIGKILL)  # as an out-of-memory kill or a lost node would
        doomed.wait()
        killed_at = time.monotonic()
        assert status_of(result.id) == TaskResultStatus.RUNNING

        rescuer = start_worker("rescuer", mail_dir=mail_dir, log=tmp_path / "rescuer.log")
        try:
            done = wait_for(
                lambda: status_of(result.id) == TaskResultStatus.SUCCESSFUL, timeout=120
            )
            recovered_in = time.monotonic() - killed_at
        finally:
            stop(rescuer)
    finally:
        stop(doomed)

    assert done, (tmp_path / "rescuer.log").read_text()
    assert recovered_in < 120
    [message] = sent(mail_dir)
    assert f"Order {order.number} is confirmed" in message
    task = DBTaskResult.objects.get(pk=result.id)
    assert task.worker_ids == ["doomed", "rescuer"]
    email.refresh_from_db()
    assert email.sent_at is not None
    print(f"recovered in {recovered_in:.1f} s")


def test_a_worker_logs_each_task_with_the_id_of_the_request_that_enqueued_it(
    on_postgres, tmp_path
):
    order = place((VariantFactory(on_hand=5), 1))
    email = OrderEmail.objects.create(order=order, kind=OrderEmail.Kind.CONFIRMATION)
    token = current_request_id.set("req-7f3a")
    try:
        result = send_order_email.enqueue(email_id=email.pk)
    finally:
        current_request_id.reset(token)
    log = tmp_path / "worker.log"
    worker = start_worker("logger", mail_dir=tmp_path / "mail", log=log)
    try:
        assert wait_for(lambda: status_of(result.id) == TaskResultStatus.SUCCESSFUL, timeout=30)
    finally:
        stop(worker)
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    about_the_task = [line for line in lines if str(result.id) in line["message"]]
    assert [line["message"].split(": ")[-1] for line in about_the_task][-1] == "successful"
    assert {line.get("request_id") for line in about_the_task} == {"req-7f3a"}


def test_a_stopped_worker_leaves_no_heartbeat_and_its_liveness_file_was_kept_fresh(
    on_postgres, tmp_path
):
    log = tmp_path / "worker.log"
    worker = start_worker("beating", mail_dir=tmp_path / "mail", log=log)
    try:
        assert wait_for(lambda: Heartbeat.objects.filter(worker_id="beating").exists(), timeout=30)
        beat_file = tmp_path / "worker.log.beat"
        first = wait_for(lambda: beat_file.exists() and beat_file.stat().st_mtime, timeout=10)
        assert wait_for(lambda: beat_file.stat().st_mtime > first, timeout=10)
    finally:
        stop(worker)
    assert worker.returncode == 0
    assert not Heartbeat.objects.filter(worker_id="beating").exists()


def test_everything_that_fell_due_without_a_worker_runs_when_one_comes_back(on_postgres, tmp_path):
    variant = VariantFactory(on_hand=5)
    orders = [place((variant, 1)) for _ in range(3)]
    due = []
    for order in orders:
        # Each order's expiry fell due while no worker ran (ten minutes and more ago).
        Order.objects.filter(pk=order.pk).update(pay_by=timezone.now() - timedelta(minutes=15))
        due.append(DBTaskResult.objects.get(args_kwargs__kwargs__order_id=order.pk).pk)
        DBTaskResult.objects.filter(pk=due[-1]).update(
            run_after=timezone.now() - timedelta(minutes=12)
        )
    call_command("run_worker", "--batch", "--no-startup-delay", "--metrics-port", "0",
                 "--heartbeat-file", str(tmp_path / "beat"), verbosity=0)
    assert set(Order.objects.values_list("status", flat=True)) == {Order.Status.EXPIRED}
    assert set(DBTaskResult.objects.filter(pk__in=due).values_list("status", flat=True)) == {
        TaskResultStatus.SUCCESSFUL
    }
    variant.refresh_from_db()
    assert variant.reserved == 0


def test_an_order_placed_with_the_cache_down_is_confirmed_once_a_worker_runs(
    on_postgres, tmp_path
):
    with override_settings(CACHES=DEAD_REDIS):
        order = pay(place((VariantFactory(on_hand=5), 1)))
    assert order.status == Order.Status.PAID
    assert mail.outbox == []  # stored with the payment, sent by the worker
    call_command("run_worker", "--batch", "--no-startup-delay", "--metrics-port", "0",
                 "--heartbeat-file", str(tmp_path / "beat"), verbosity=0)
    [email] = mail.outbox
    assert email.subject.endswith(f"Order {order.number} is confirmed")
