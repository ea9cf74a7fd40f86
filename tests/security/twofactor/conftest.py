import time

import pytest

from tests.accounts import make_account
from tests.second_factor import STEP, add_app_device


@pytest.fixture
def clock(monkeypatch):
    """Time stands still in the middle of a 30-second step, so a code computed for "now, k
    steps away" means exactly that when the server checks it."""
    now = (int(time.time()) // STEP) * STEP + STEP // 2
    monkeypatch.setattr(time, "time", lambda: float(now))
    return now


@pytest.fixture
def customer(db):
    return make_account()


@pytest.fixture
def app(customer):
    """The customer's authenticator app: two-factor is on."""
    return add_app_device(customer)
