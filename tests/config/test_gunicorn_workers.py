"""gunicorn's worker defaults, chosen by `make bench-workers`: one process per core with 4
threads each (gunicorn's gthread worker), at most 8 processes; the environment overrides
them. Each worker freezes its long-lived objects out of the garbage collector's way."""

import gc
import importlib
import multiprocessing

import pytest

from config import gunicorn


@pytest.fixture
def load(monkeypatch):
    def load(*, cpus: int, **environment: str):
        monkeypatch.setattr(multiprocessing, "cpu_count", lambda: cpus)
        for name in ("GUNICORN_WORKERS", "GUNICORN_THREADS"):
            monkeypatch.delenv(name, raising=False)
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        return importlib.reload(gunicorn)

    yield load
    monkeypatch.undo()
    importlib.reload(gunicorn)


def test_one_worker_per_core_with_four_threads(load):
    settings = load(cpus=2)

    assert (settings.workers, settings.threads) == (2, 4)


def test_at_most_eight_workers(load):
    assert load(cpus=32).workers == 8


def test_the_environment_chooses_sync_workers(load):
    settings = load(cpus=2, GUNICORN_WORKERS="3", GUNICORN_THREADS="1")

    assert (settings.workers, settings.threads) == (3, 1)


@pytest.fixture
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_a_worker_freezes_what_it_loaded_then_once_more_when_warm(load, unfrozen):
    settings = load(cpus=2)

    settings.post_worker_init(worker=None)
    loaded = gc.get_freeze_count()
    kept = [[number] for number in range(5_000)]  # what the first requests leave for good
    for _ in range(settings.WARM_AFTER - 1):
        settings.post_request(None, None, None, None)
    before_warm = gc.get_freeze_count()
    settings.post_request(None, None, None, None)
    warm = gc.get_freeze_count()
    _later = [[number] for number in range(5_000)]  # a later request's, alive to the end
    for _ in range(settings.WARM_AFTER):
        settings.post_request(None, None, None, None)

    assert loaded > 50_000  # Django and the apps
    assert before_warm == loaded
    assert warm >= loaded + len(kept)
    assert gc.get_freeze_count() == warm, "frozen once when warm, never again"
