"""A database outage is a 503 with Retry-After, logged once in a while, not a 500 reported per
request (monitoring.outage). Here on any database, the database made to fail with SQLite's
real "unable to open database file"; test_outage_postgres.py cuts a real PostgreSQL
connection."""

import logging
import sqlite3
import sys

import psycopg
import pytest
import sentry_sdk
from django.conf import settings
from django.db import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    ProgrammingError,
    connection,
)
from django.test import Client
from django.urls import reverse

from monitoring import alerts, outage
from monitoring.sentry import before_send, init_sentry
from tests.factories import UserFactory, VariantFactory
from tests.monitoring.test_sentry import FAKE_DSN, CapturingTransport
from tests.payments import stripe_signing

STRIPE_WEBHOOK_SECRET = "whsec_test_outage"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"


def wrapped(cause: BaseException, kind: type = OperationalError) -> Exception:
    """`cause` as Django raises it: its own error class, the driver's error as the cause."""
    try:
        raise kind(str(cause)) from cause
    except kind as error:
        return error


def sqlite_cannot_open() -> OperationalError:
    """SQLite's own error for a database file that cannot be opened."""
    try:
        sqlite3.connect("file:/nonexistent-dir/shop.sqlite3?mode=rw", uri=True)
    except sqlite3.OperationalError as cause:
        return wrapped(cause)
    raise AssertionError("the file opened")


# Telling an outage from a bug


@pytest.mark.parametrize("error", [
    sqlite_cannot_open(),
    wrapped(psycopg.OperationalError("connection failed: Connection refused")),
    wrapped(psycopg.errors.ConnectionTimeout("connection timeout expired")),
    wrapped(psycopg.OperationalError("consuming input failed: server closed the connection")),
    wrapped(psycopg.errors.AdminShutdown("terminating connection due to administrator command")),
    wrapped(psycopg.errors.CannotConnectNow("the database system is starting up")),
    wrapped(psycopg.errors.TooManyConnections("sorry, too many clients already")),
])
def test_an_unreachable_database_is_an_outage(error):
    assert outage.is_database_unavailable(error)


@pytest.mark.parametrize("error", [
    wrapped(psycopg.errors.SyntaxError("syntax error at or near"), ProgrammingError),
    wrapped(psycopg.errors.UniqueViolation("duplicate key value"), IntegrityError),
    wrapped(psycopg.errors.LockNotAvailable("could not obtain lock")),
    wrapped(psycopg.errors.DeadlockDetected("deadlock detected")),
    wrapped(psycopg.errors.QueryCanceled("canceling statement due to statement timeout")),
    wrapped(psycopg.InterfaceError("the cursor is closed"), InterfaceError),
    wrapped(sqlite3.OperationalError("database is locked")),
    OperationalError("raised by hand, no driver behind it"),
    ValueError("not a database error"),
    None,
])
def test_a_database_that_answered_is_not_an_outage(error):
    assert not outage.is_database_unavailable(error)


# What a request sees


def watch(monkeypatch, caplog):
    """What an outage leaves behind, for a fixture to yield: Sentry's reports (through a
    transport that keeps them), the server-error alert's counts and the log records; the log
    line's interval starts afresh."""
    monkeypatch.setattr(settings, "SENTRY_DSN", FAKE_DSN)
    transport = CapturingTransport()
    init_sentry(transport=transport)
    counted = []
    monkeypatch.setattr(alerts, "count_event", lambda kind, **kw: counted.append(kind) or 0)
    monkeypatch.setattr(outage, "_throttle", outage._Throttle(outage.LOG_INTERVAL_SECONDS))
    caplog.set_level(logging.INFO)
    yield Watched(transport, counted, caplog)
    sentry_sdk.get_client().close()
    sentry_sdk.get_global_scope().set_client(None)


@pytest.fixture
def watched(monkeypatch, caplog):
    yield from watch(monkeypatch, caplog)


class Watched:
    def __init__(self, transport, counted, caplog):
        self.transport, self.counted, self.caplog = transport, counted, caplog

    def sentry_events(self) -> list:
        return self.transport.events()

    def server_errors_counted(self) -> int:
        return self.counted.count(alerts.SERVER_ERRORS)

    def request_errors(self) -> list[logging.LogRecord]:
        return [r for r in self.caplog.records
                if r.name == "django.request" and r.levelno >= logging.ERROR]

    def outage_lines(self) -> list[logging.LogRecord]:
        return [r for r in self.caplog.records if r.name == "shop.outage"]

    def assert_quiet(self) -> None:
        """Nothing reported, logged as an error or counted towards the alert; one line."""
        assert self.sentry_events() == []
        assert self.request_errors() == []
        assert self.server_errors_counted() == 0
        assert len(self.outage_lines()) == 1


class Database:
    """Switches every query between failing (as a database that cannot be opened does, or
    with the error `down` is given) and working."""

    def __init__(self):
        self.patch = pytest.MonkeyPatch()

    def down(self, error=sqlite_cannot_open) -> None:
        def failing(*args, **kwargs):
            raise error()

        self.patch.setattr(connection, "cursor", failing)

    def up(self) -> None:
        self.patch.undo()


@pytest.fixture
def database(db):
    # After `db`, so queries work again before the test's transaction is rolled back.
    switch = Database()
    yield switch
    switch.up()


@pytest.fixture
def shopper(db, client):
    """A visitor with a session (a cart), who has not signed in."""
    VariantFactory(sku="TEE-M")
    client.post(reverse("shop:cart-add"), {"variant": "TEE-M", "quantity": 1})
    client.raise_request_exception = False  # as served: the test client would re-raise
    return client


@pytest.fixture
def customer(db):
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(email="pat@example.com"))
    return client


def assert_outage_page(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == str(outage.RETRY_AFTER_SECONDS)
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert "briefly unavailable" in page and "css/shop" in page
    assert "Something went wrong" not in page


def test_a_page_whose_view_needs_the_database_is_a_503(shopper, database, watched):
    database.down()
    assert_outage_page(shopper.get(reverse("shop:cart")))
    watched.assert_quiet()


def test_a_page_whose_middleware_needs_the_database_is_a_503(customer, database, watched):
    database.down()
    # The signed-in user is looked up by a middleware, before any view: handler500's path.
    assert_outage_page(customer.get(reverse("shop:order-list")))
    watched.assert_quiet()


def test_adding_to_the_cart_and_signing_in_are_503s(shopper, database, watched):
    database.down()
    added = shopper.post(reverse("shop:cart-add"), {"variant": "TEE-M", "quantity": 1})
    signed_in = Client(raise_request_exception=False).post(
        reverse("account_login"), {"login": "pat@example.com", "password": "a-password-1234"})
    assert_outage_page(added)
    assert_outage_page(signed_in)
    assert watched.sentry_events() == [] and watched.request_errors() == []
    assert watched.server_errors_counted() == 0


def test_an_htmx_request_gets_the_notice_in_the_message_area(shopper, database, watched):
    database.down()
    response = shopper.post(reverse("shop:cart-add"), {"variant": "TEE-M", "quantity": 1},
                            headers={"HX-Request": "true", "HX-Target": "add-to-cart"})
    assert response.status_code == 503
    assert response["Retry-After"] == str(outage.RETRY_AFTER_SECONDS)
    assert response["HX-Retarget"] == "#messages"
    assert "briefly unavailable" in response.content.decode()
    assert "<html" not in response.content.decode()


def test_a_signed_webhook_is_a_503_so_the_provider_sends_it_again(
    settings, database, watched
):
    settings.PAYMENT_PROVIDERS = ["stripe"]
    settings.STRIPE_SECRET_KEY = "sk_test_outage"
    settings.STRIPE_WEBHOOK_SECRET = STRIPE_WEBHOOK_SECRET
    database.down()
    body = stripe_signing.body("payment_intent.succeeded")
    response = Client(raise_request_exception=False).post(
        "/webhooks/stripe/", data=body, content_type="application/json",
        HTTP_STRIPE_SIGNATURE=stripe_signing.sign(body, STRIPE_WEBHOOK_SECRET),
    )
    assert response.status_code == 503
    assert response["Retry-After"] == str(outage.RETRY_AFTER_SECONDS)
    watched.assert_quiet()


def test_a_shared_page_seen_before_is_still_served(database, watched):
    VariantFactory(product__name="Trail Lantern")
    visitor = Client(raise_request_exception=False, headers={"User-Agent": BROWSER})
    assert visitor.get(reverse("shop:product-list")).status_code == 200
    database.down()
    another = Client(raise_request_exception=False, headers={"User-Agent": BROWSER})
    response = another.get(reverse("shop:product-list"))
    assert response.status_code == 200
    assert "Trail Lantern" in response.content.decode()


def test_the_first_request_after_the_database_is_back_is_served(shopper, database,
                                                                watched):
    database.down()
    assert shopper.get(reverse("shop:cart")).status_code == 503
    database.up()
    assert shopper.get(reverse("shop:cart")).status_code == 200


def test_the_outage_is_logged_once_an_interval(shopper, database, watched, monkeypatch):
    database.down()
    for _ in range(3):
        shopper.get(reverse("shop:cart"))
    assert len(watched.outage_lines()) == 1
    monkeypatch.setattr(outage._throttle, "interval", 0)  # the interval is over
    shopper.get(reverse("shop:cart"))
    first, second = watched.outage_lines()
    assert first.levelno == logging.WARNING and "unable to open database file" in first.message
    assert "2 more answered so since the previous line" in second.getMessage()


def test_a_bug_is_still_a_500_reported_and_counted(shopper, database, watched):
    database.down(lambda: wrapped(psycopg.errors.SyntaxError("syntax error"), ProgrammingError))
    response = shopper.get(reverse("shop:cart"))
    database.up()
    assert response.status_code == 500
    assert "Retry-After" not in response
    assert len(watched.sentry_events()) == 1
    assert watched.server_errors_counted() == 1
    assert watched.outage_lines() == []


def test_sentry_drops_an_outage_and_sends_the_rest():
    down = sqlite_cannot_open()
    bug = wrapped(psycopg.errors.SyntaxError("syntax error"), ProgrammingError)
    assert before_send({"exception": {}}, {"exc_info": (type(down), down, None)}) is None
    assert before_send({"exception": {}}, {"exc_info": (type(bug), bug, None)}) is not None
    assert before_send({"message": "no exception"}, {}) is not None


def test_the_error_page_is_djangos_500_for_anything_else(rf):
    try:
        raise ValueError("a bug")
    except ValueError:
        assert sys.exc_info()[0] is ValueError
        response = outage.server_error(rf.get("/"))
    assert response.status_code == 500
