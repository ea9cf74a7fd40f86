"""Sentry: off without a DSN; with one, reports leave with their secrets scrubbed."""

import pytest
import sentry_sdk
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.test import Client, RequestFactory
from sentry_sdk.transport import Transport

from monitoring.sentry import FILTERED, init_sentry, scrub_event
from tests.factories import UserFactory

FAKE_DSN = "https://public@example.invalid/1"


class CapturingTransport(Transport):
    """Keeps envelopes in memory: nothing is sent anywhere."""

    def __init__(self, options=None):
        super().__init__(options)
        self.envelopes = []

    def capture_envelope(self, envelope):
        self.envelopes.append(envelope)

    def events(self):
        return [e.get_event() for e in self.envelopes if e.get_event() is not None]


@pytest.fixture
def sentry_env(settings):
    """The settings Sentry starts from, as the environment leaves them (no DSN)."""
    settings.SENTRY_DSN = ""
    settings.SENTRY_RELEASE = ""
    settings.SENTRY_ENVIRONMENT = ""
    settings.SENTRY_TRACES_SAMPLE_RATE = 0.0
    yield settings
    sentry_sdk.get_client().close()
    sentry_sdk.get_global_scope().set_client(None)


def test_nothing_starts_without_a_dsn(sentry_env):
    assert init_sentry() is False
    assert not sentry_sdk.get_client().is_active()


def test_a_dsn_starts_it_with_release_and_environment(sentry_env):
    sentry_env.SENTRY_DSN = FAKE_DSN
    sentry_env.SENTRY_RELEASE = "1.4.2"
    sentry_env.SENTRY_ENVIRONMENT = "staging"
    sentry_env.SENTRY_TRACES_SAMPLE_RATE = 0.25
    assert init_sentry(transport=CapturingTransport()) is True
    options = sentry_sdk.get_client().options
    assert sentry_sdk.get_client().is_active()
    assert (options["release"], options["environment"]) == ("1.4.2", "staging")
    assert options["traces_sample_rate"] == 0.25
    assert not options["send_default_pii"]  # the default: no personal data


def serve(request) -> int:
    """Run a request through the WSGI handler, as gunicorn does (the test client skips the
    WSGI layer, where Sentry reads the request's headers)."""
    statuses = []
    # As the test client does: the test's transaction holds the connection open.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        response = WSGIHandler()(request.environ, lambda status, *_: statuses.append(status))
        response.close()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    return int(statuses[0].split()[0])


@pytest.mark.django_db
def test_a_failing_page_is_reported_without_secrets_or_the_user(sentry_env, settings):
    settings.ROOT_URLCONF = "tests.monitoring.urls"
    sentry_env.SENTRY_DSN = FAKE_DSN
    transport = CapturingTransport()
    init_sentry(transport=transport)
    user = UserFactory(email="shopper-5d1c@example.com")
    browser = Client()
    browser.force_login(user)
    session = browser.cookies["sessionid"].value
    request = RequestFactory().post(
        "/boom/?reset_token=query-secret-value&page=2",
        {"password": "pw-secret-value", "otp_code": "123456", "note": "hello"},
        headers={
            "Authorization": "Bearer header-secret-value",
            "X-CSRFToken": "csrf-secret-value",
            "Cookie": f"sessionid={session}; basket_hint=cookie-secret-value",
            "Accept": "text/html",
        },
    )
    assert serve(request) == 500
    [event] = transport.events()
    assert event["exception"]["values"][0]["value"] == "a bug"
    reported = event["request"]
    assert reported["data"] == {"password": FILTERED, "otp_code": FILTERED, "note": "hello"}
    assert reported["headers"]["Accept"] == "text/html"
    for name in ["Authorization", "X-Csrftoken", "Cookie"]:
        assert reported["headers"].get(name, FILTERED) == FILTERED
    assert reported["query_string"] == f"reset_token={FILTERED}&page=2"
    report = repr(event)
    for secret in ["header-secret-value", "csrf-secret-value", "cookie-secret-value",
                   "query-secret-value", "pw-secret-value", "123456",
                   session, user.email]:
        assert secret not in report, secret
    assert "user" not in event or not {"id", "email", "username"} & set(event["user"])


def test_the_scrubber_replaces_secrets_everywhere():
    event = {
        "request": {
            "headers": {"Authorization": "Basic abc", "Cookie": "a=b", "X-CSRFToken": "t",
                        "Accept": "text/html"},
            "cookies": {"sessionid": "s"},
            "data": {"email": "a@example.com", "new_password1": "p", "nested": {"api_key": "k"}},
            "query_string": "next=/cart/&token=t",
        },
        "extra": {"client_secret": "s", "order": 7},
        "breadcrumbs": {"values": [{"data": {"code": "c", "url": "/x/"}}]},
    }
    scrubbed = scrub_event(event, {})
    request = scrubbed["request"]
    assert request["headers"] == {"Authorization": FILTERED, "Cookie": FILTERED,
                                  "X-CSRFToken": FILTERED, "Accept": "text/html"}
    assert request["cookies"] == FILTERED
    assert request["data"] == {"email": "a@example.com", "new_password1": FILTERED,
                               "nested": {"api_key": FILTERED}}
    assert request["query_string"] == f"next=/cart/&token={FILTERED}"
    assert scrubbed["extra"] == {"client_secret": FILTERED, "order": 7}
    assert scrubbed["breadcrumbs"]["values"][0]["data"] == {"code": FILTERED, "url": "/x/"}


def test_the_scrubber_hides_a_body_it_cannot_read_key_by_key():
    event = {"request": {"data": "password=p&otp=1"}}
    assert scrub_event(event, {})["request"]["data"] == FILTERED


def test_the_scrubber_hides_session_ids_in_cache_commands():
    command = "GET 'shop:1:django.contrib.sessions.cached_dbabc123sessionid'"
    event = {
        "breadcrumbs": {"values": [{"category": "redis", "message": command}]},
        "spans": [{"op": "db.redis", "description": command}],
    }
    scrubbed = scrub_event(event, {})
    expected = f"GET 'shop:1:django.contrib.sessions.cached_db{FILTERED}'"
    assert scrubbed["breadcrumbs"]["values"][0]["message"] == expected
    assert scrubbed["spans"][0]["description"] == expected


def test_the_scrubber_hides_a_signed_in_session_id_read_with_its_user():
    command = "MGET 'shop:1:django.contrib.sessions.cached_dbabc123sessionid_42' 'shop:1:user'"
    event = {"spans": [{"op": "db.redis", "description": command}]}
    assert scrub_event(event, {})["spans"][0]["description"] == (
        f"MGET 'shop:1:django.contrib.sessions.cached_db{FILTERED}' 'shop:1:user'"
    )
