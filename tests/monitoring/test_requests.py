"""RequestMiddleware: the request id, Server-Timing, the access line and slow queries."""

import logging
import re

import pytest
from django.test import Client

from tests.factories import UserFactory
from tests.monitoring.urls import MARKER_EMAIL

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(settings):
    settings.ROOT_URLCONF = "tests.monitoring.urls"


def test_a_given_request_id_is_kept_and_echoed(client, pages):
    response = client.get("/chatty/", headers={"X-Request-ID": "edge-4f2a.9_Z"})
    assert response["X-Request-ID"] == "edge-4f2a.9_Z"


def test_a_request_id_is_made_when_none_is_given(client, pages):
    response = client.get("/chatty/")
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert client.get("/chatty/")["X-Request-ID"] != response["X-Request-ID"]


@pytest.mark.parametrize(
    "given", ["has space", "new\\nline", "x" * 65, "<script>", "ünïcode", "a;b=c"]
)
def test_an_insane_request_id_is_replaced(client, pages, given):
    response = client.get("/chatty/", headers={"X-Request-ID": given})
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_server_timing_has_app_and_database_time(client, pages):
    response = client.get("/lookup/")
    timing = re.fullmatch(r"app;dur=([\d.]+), db;dur=([\d.]+)", response["Server-Timing"])
    assert timing, response["Server-Timing"]
    app_ms, db_ms = map(float, timing.groups())
    assert 0 < db_ms <= app_ms


def test_the_access_line_has_the_request_fields(client, caplog):
    user = UserFactory()
    client.force_login(user)
    with caplog.at_level(logging.INFO, logger="shop.request"):
        response = client.get("/", query_params={"page": "2"})
    [record] = [r for r in caplog.records if r.name == "shop.request"]
    assert record.levelno == logging.INFO
    assert record.request_id == response["X-Request-ID"]
    assert (record.method, record.path, record.status) == ("GET", "/", 200)
    assert record.user_id == user.pk
    assert record.queries >= 1
    assert 0 < record.db_ms <= record.duration_ms


def test_an_anonymous_request_logs_no_user(client, pages, caplog):
    with caplog.at_level(logging.INFO, logger="shop.request"):
        client.get("/chatty/")
    [record] = [r for r in caplog.records if r.name == "shop.request"]
    assert record.user_id is None
    assert record.queries == 0 and record.db_ms == 0


def test_the_access_line_is_written_for_a_failing_page(pages, caplog):
    with caplog.at_level(logging.INFO, logger="shop.request"):
        Client(raise_request_exception=False).get("/boom/")
    [record] = [r for r in caplog.records if r.name == "shop.request"]
    assert record.status == 500


def test_a_slow_query_is_logged_by_its_sql_without_its_parameters(client, pages, settings, caplog):
    settings.SLOW_QUERY_MS = 0
    with caplog.at_level(logging.WARNING, logger="shop.db.slow"):
        client.get("/lookup/")
    slow = [r for r in caplog.records if r.name == "shop.db.slow"]
    [lookup] = [r for r in slow if "email" in r.sql]
    assert lookup.duration_ms >= 0
    for record in slow:
        assert MARKER_EMAIL not in record.getMessage() + record.sql + str(record.args)


def test_queries_under_the_threshold_are_not_logged(client, pages, caplog):
    with caplog.at_level(logging.WARNING, logger="shop.db.slow"):
        client.get("/lookup/")
    assert not [r for r in caplog.records if r.name == "shop.db.slow"]


def test_the_timer_adds_no_queries(client, pages, django_assert_num_queries):
    with django_assert_num_queries(1):
        client.get("/lookup/")
