import pytest
import stripe


@pytest.fixture(autouse=True)
def no_retry_wait(monkeypatch):
    """The Stripe SDK retries without its back-off pause, so a provider down stays fast."""
    monkeypatch.setattr(stripe._http_client.HTTPClient, "_sleep_time_seconds", lambda *a: 0)
