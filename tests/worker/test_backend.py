import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from monitoring.logs import current_request_id
from shop.tasks import expire_unpaid_orders
from worker.enqueue import enqueue_with_transaction

pytestmark = pytest.mark.django_db

DATABASE_TASKS = {"default": {"BACKEND": "worker.backend.DatabaseBackend"}}


def test_a_task_keeps_the_id_of_the_request_that_enqueued_it(settings):
    settings.TASKS = DATABASE_TASKS
    token = current_request_id.set("req-123")
    try:
        result = expire_unpaid_orders.enqueue()
    finally:
        current_request_id.reset(token)
    stored = DBTaskResult.objects.get(pk=result.id)
    assert stored.args_kwargs["request_id"] == "req-123"
    # django-tasks-db still reads the arguments as before.
    assert stored.task_result.kwargs == {} and stored.task_result.args == []


def test_on_the_database_a_task_is_stored_with_its_transaction_or_not_at_all(settings):
    settings.TASKS = DATABASE_TASKS
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_with_transaction(expire_unpaid_orders)
        assert DBTaskResult.objects.count() == 1  # written inside, before any commit
        raise RuntimeError("the change failed")
    assert not DBTaskResult.objects.exists()


def test_elsewhere_a_task_is_enqueued_only_once_its_transaction_commits(
    settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        enqueue_with_transaction(expire_unpaid_orders)
        assert expire_unpaid_orders.get_backend().results == []
    assert len(expire_unpaid_orders.get_backend().results) == 1
