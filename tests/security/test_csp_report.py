"""Browsers post Content-Security-Policy violations to /csp-report/, in either of the two
formats they use. Each violation is one warning line on the `security.csp` logger; anything
else gets a 400 and no line, never an error."""

import json
import logging

import pytest
from django.test import Client

from security.headers import MAX_REPORT_BYTES

URL = "/csp-report/"
LOGGER = "security.csp"

LEGACY_REPORT = {
    "csp-report": {
        "document-uri": "https://shop.example.com/products/",
        "referrer": "",
        "violated-directive": "script-src-elem",
        "effective-directive": "script-src-elem",
        "original-policy": "default-src 'self'; script-src 'self' 'nonce-abc'",
        "blocked-uri": "https://evil.example.net/x.js",
        "status-code": 200,
    }
}


def violation(document: str, directive: str, blocked: str) -> dict:
    return {
        "type": "csp-violation", "age": 10, "url": document, "user_agent": "Firefox",
        "body": {
            "documentURL": document, "effectiveDirective": directive, "blockedURL": blocked,
            "disposition": "enforce", "statusCode": 200,
        },
    }


def post(client, body, content_type="application/csp-report"):
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(URL, data, content_type=content_type)


def lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER]


@pytest.fixture(autouse=True)
def _capture(caplog):
    caplog.set_level(logging.WARNING, logger=LOGGER)


def test_a_report_is_logged_and_answered_with_no_content(client, caplog):
    response = post(client, LEGACY_REPORT)
    assert response.status_code == 204
    [record] = [r for r in caplog.records if r.name == LOGGER]
    assert record.levelno == logging.WARNING
    assert record.getMessage() == (
        "CSP violation: document-uri=https://shop.example.com/products/ "
        "violated-directive=script-src-elem blocked-uri=https://evil.example.net/x.js"
    )


def test_reporting_api_reports_log_one_line_per_violation(client, caplog):
    reports = [
        violation("https://shop.example.com/", "img-src", "https://ads.example.net/p.gif"),
        {"type": "deprecation", "body": {"id": "something-old"}},
        violation("https://shop.example.com/cart/", "style-src-attr", "inline"),
    ]
    response = post(client, reports, content_type="application/reports+json")
    assert response.status_code == 204
    assert lines(caplog) == [
        "CSP violation: document-uri=https://shop.example.com/ violated-directive=img-src "
        "blocked-uri=https://ads.example.net/p.gif",
        "CSP violation: document-uri=https://shop.example.com/cart/ "
        "violated-directive=style-src-attr blocked-uri=inline",
    ]


def test_a_report_needs_no_csrf_token(caplog):
    response = post(Client(enforce_csrf_checks=True), LEGACY_REPORT)
    assert response.status_code == 204


def test_a_line_break_in_a_report_cannot_forge_a_log_line(client, caplog):
    report = {"csp-report": {**LEGACY_REPORT["csp-report"],
                             "document-uri": "https://shop.example.com/\nFAKE entry"}}
    post(client, report)
    [line] = lines(caplog)
    assert "\n" not in line
    assert "document-uri=https://shop.example.com/\\nFAKE entry" in line


@pytest.mark.parametrize("junk", [
    b"not json at all", b"\xff\xfe\x00garbage", b"[1, 2, 3]", b'{"csp-report": "a string"}',
    b"{}", b"null", b'[{"type": "csp-violation", "body": 7}]', b"[" * 3000 + b"]" * 3000,
])
def test_junk_is_refused_without_a_log_line(client, caplog, junk):
    assert post(client, junk).status_code == 400
    assert lines(caplog) == []


def test_a_report_bigger_than_a_few_kilobytes_is_refused(client, caplog):
    report = {"csp-report": {**LEGACY_REPORT["csp-report"],
                             "original-policy": "x" * MAX_REPORT_BYTES}}
    assert post(client, report).status_code == 400
    assert lines(caplog) == []


def test_other_content_types_are_refused(client, caplog):
    response = client.post(URL, {"document-uri": "https://shop.example.com/"})
    assert response.status_code == 400
    assert lines(caplog) == []


def test_only_post_is_allowed(client):
    assert client.get(URL).status_code == 405


def test_a_reported_address_is_logged_without_its_query(client, caplog):
    report = {"csp-report": {**LEGACY_REPORT["csp-report"],
                             "document-uri": "https://shop.example.com/orders/AB/?key=secret#x"}}
    post(client, report)
    [line] = lines(caplog)
    assert "document-uri=https://shop.example.com/orders/AB/ " in line
    assert "secret" not in line
