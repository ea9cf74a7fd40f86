"""Query and form parameters that look like SQL injection, script injection or path traversal
are logged on `security.suspicious`, by name and never by value, and the request goes on as if
nothing happened. A client that keeps probing gets a bounded number of lines a minute."""

import logging
from types import SimpleNamespace

import pytest
from django.http import HttpResponse
from django.utils.http import urlencode

from monitoring import counters
from security.suspicious import LOG_LINES_PER_MINUTE, SuspiciousInputMiddleware

LOGGER = "security.suspicious"


@pytest.fixture(autouse=True)
def _capture(caplog):
    caplog.set_level(logging.WARNING, logger=LOGGER)


@pytest.fixture(autouse=True)
def _clock(monkeypatch):
    """The per-minute count's clock, held still so that no minute ends mid-test."""
    monkeypatch.setattr(counters, "time", SimpleNamespace(time=lambda: 1_700_000_010.0))


def lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER]


def form_post(rf, path: str, data: dict):
    return rf.post(path, urlencode(data), content_type="application/x-www-form-urlencoded")


def through_middleware(request) -> HttpResponse:
    return SuspiciousInputMiddleware(lambda request: HttpResponse("the view ran"))(request)


@pytest.mark.django_db
def test_sql_injection_in_the_query_is_logged_once_and_the_page_still_served(client, caplog):
    response = client.get(
        "/products/", {"q": "' or 1=1 --", "sort": "price"}, headers={"X-Request-ID": "edge-1"}
    )
    assert response.status_code == 200
    [record] = [r for r in caplog.records if r.name == LOGGER]
    assert record.levelno == logging.WARNING
    assert record.getMessage() == (
        "Suspicious input: request_id=edge-1 method=GET path=/products/ client=127.0.0.1 "
        "params=[sql: q]"
    )


@pytest.mark.parametrize("value", [
    "1 UNION SELECT password FROM shop_user", "1;--", "x'; DROP TABLE shop_order",
    "<script>alert(1)</script>", "javascript:alert(1)", '<img src=x onerror="alert(1)">',
    "../../etc/passwd", "%2e%2e%2fetc%2fpasswd",
])
def test_each_kind_of_probe_is_noticed(rf, caplog, value):
    through_middleware(rf.get("/products/", {"q": value}))
    assert len(lines(caplog)) == 1


@pytest.mark.parametrize("value", [
    "levi's or wrangler", "rock and roll", "o'neil", "sleeping bag", "onion", "10-20",
    "a union of colours", "https://shop.example.com/products/", "...",
])
def test_innocent_input_is_not_logged(rf, caplog, value):
    through_middleware(rf.get("/products/", {"q": value, "sort": "-price"}))
    assert lines(caplog) == []


def test_a_form_field_is_checked_and_the_view_still_runs(rf, caplog):
    request = form_post(rf, "/accounts/login/", {"login": "<script>x</script>", "password": "pw"})
    response = through_middleware(request)
    assert response.content == b"the view ran"
    assert lines(caplog) == [
        "Suspicious input: request_id=- method=POST path=/accounts/login/ client=127.0.0.1 "
        "params=[script: login]"
    ]


def test_values_are_never_logged(rf, caplog):
    through_middleware(form_post(rf, "/accounts/login/", {"password": "hunter2' or 1=1 --"}))
    [line] = lines(caplog)
    assert "password" in line
    assert "hunter2" not in line


def test_a_multipart_body_is_left_for_the_view_to_read(rf, caplog):
    request = rf.post("/admin/upload/", {"alt_text": "<script>x</script>"})  # multipart
    response = SuspiciousInputMiddleware(
        lambda request: HttpResponse(request.POST["alt_text"])
    )(request)
    assert response.content == b"<script>x</script>"
    assert lines(caplog) == []


def test_the_request_id_is_taken_from_the_header(rf, caplog):
    through_middleware(rf.get("/products/", {"q": "<script"}, headers={"X-Request-ID": "r-42"}))
    assert "request_id=r-42 " in lines(caplog)[0]


def test_a_request_id_set_by_middleware_wins_over_the_header(rf, caplog):
    request = rf.get("/products/", {"q": "<script"}, headers={"X-Request-ID": "from-client"})
    request.request_id = "from-server"
    through_middleware(request)
    assert "request_id=from-server " in lines(caplog)[0]


def test_the_client_address_is_the_one_behind_our_proxy(rf, caplog, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = rf.get("/products/", {"q": "<script"}, REMOTE_ADDR="10.0.0.5",
                     headers={"X-Forwarded-For": "198.51.100.7"})
    through_middleware(request)
    assert "client=198.51.100.7 " in lines(caplog)[0]


def test_a_long_or_multiline_name_is_cut_and_escaped(rf, caplog):
    name = "evil\nrequest_id=forged " + "x" * 200
    through_middleware(rf.get("/products/", {name: "<script"}))
    [line] = lines(caplog)
    assert "\n" not in line
    assert "evil\\nrequest_id=forged" in line
    assert "x" * 100 not in line


def test_the_log_lines_per_client_are_bounded(rf, caplog):
    for _ in range(LOG_LINES_PER_MINUTE + 5):
        through_middleware(rf.get("/products/", {"q": "<script"}, REMOTE_ADDR="203.0.113.9"))
    logged = lines(caplog)
    assert len(logged) == LOG_LINES_PER_MINUTE + 1
    assert logged[-1].endswith("further ones are suppressed")
    assert "client=203.0.113.9" in logged[-1]


def test_the_bound_is_per_client(rf, caplog):
    for _ in range(LOG_LINES_PER_MINUTE + 1):
        through_middleware(rf.get("/products/", {"q": "<script"}, REMOTE_ADDR="203.0.113.9"))
    caplog.clear()
    through_middleware(rf.get("/products/", {"q": "<script"}, REMOTE_ADDR="203.0.113.10"))
    assert len(lines(caplog)) == 1
    assert "params=[script: q]" in lines(caplog)[0]
