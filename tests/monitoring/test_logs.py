"""Log lines as JSON, stamped with the request id of the request that emitted them."""

import io
import json
import logging

import pytest

from monitoring.logs import JsonFormatter, RequestIdFilter, current_request_id


@pytest.fixture
def json_lines():
    """The lines the tests' logger writes through the production handler's filter and
    formatter (test settings keep logging quiet, so this configures its own)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tests.monitoring")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)
    logger.setLevel(logging.NOTSET)


def test_each_record_is_one_json_object_on_one_line(json_lines):
    logger = logging.getLogger("tests.monitoring")
    logger.info("first\nwith a newline")
    try:
        raise ValueError("broken")
    except ValueError:
        logger.exception("second")
    first, second = json_lines()
    assert first["message"] == "first\nwith a newline"
    assert first["level"] == "INFO" and first["logger"] == "tests.monitoring"
    assert first["time"].endswith("+00:00")
    assert "request_id" not in first
    assert second["level"] == "ERROR"
    assert "ValueError: broken" in second["exception"]


def test_records_carry_the_current_request_id(json_lines):
    token = current_request_id.set("req-42")
    try:
        logging.getLogger("tests.monitoring").warning("inside a request")
    finally:
        current_request_id.reset(token)
    logging.getLogger("tests.monitoring").warning("after it")
    inside, after = json_lines()
    assert inside["request_id"] == "req-42"
    assert "request_id" not in after


@pytest.mark.django_db
def test_lines_logged_by_a_page_carry_its_request_id(client, settings, json_lines):
    settings.ROOT_URLCONF = "tests.monitoring.urls"
    response = client.get("/chatty/", headers={"X-Request-ID": "from-the-edge"})
    [line] = json_lines()
    assert line["message"] == "something happened"
    assert line["request_id"] == response["X-Request-ID"] == "from-the-edge"


def test_request_fields_passed_as_extra_are_written():
    record = logging.LogRecord("shop.request", logging.INFO, __file__, 1, "GET /", (), None)
    record.__dict__.update(
        request_id="abc", user_id=None, method="GET", path="/", status=200, duration_ms=1.5,
        db_ms=0.3, queries=2,
    )
    line = json.loads(JsonFormatter().format(record))
    assert line["user_id"] is None
    assert (line["method"], line["path"], line["status"], line["queries"]) == ("GET", "/", 200, 2)
    assert line["duration_ms"] == 1.5 and line["db_ms"] == 0.3
