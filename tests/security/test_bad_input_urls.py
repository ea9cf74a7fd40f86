"""Every URL of the shop, asked with input the database cannot take (a NUL, a lone surrogate,
a value far too long) in its path, a query parameter and a form field, answers with a client
error, never a 500: by an anonymous visitor and by signed-in staff (who reach the admin).

The values travel percent-encoded, as bytes, so the request carries them the way a client
on the wire would (the test client would refuse some of them as text). The run that counts
is on PostgreSQL, whose text fields refuse NUL and whose driver refuses surrogates; SQLite
takes both, so there only the overlong value is walked (it broke more than the database:
serving /media/ with a file name too long for the file system)."""

import re
from urllib.parse import quote

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# Percent-encoded, each as the raw bytes a client would send.
BAD_VALUES = {
    "nul": "%00",
    "surrogate": "%ED%A0%80",  # U+D800 in (invalid) UTF-8
    "overlong": "x" * 10_000,
}
PARAMETER = re.compile(r"<[^>]+>")  # <int:pk>, <slug>
REGEX_GROUP = re.compile(r"\(\?P<\w+>[^)]*\)")
# A value every converter (int, slug, str, path) accepts, for URLs whose path is not the input
# under test.
PLAIN = "1"


def routes(patterns=None, prefix: str = "") -> list[str]:
    """Every URL pattern of the project as a route with `{}` where a path parameter goes."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    found = []
    for entry in patterns:
        here = prefix + _route(entry.pattern)
        if isinstance(entry, URLResolver):
            found.extend(routes(entry.url_patterns, here))
        elif isinstance(entry, URLPattern):
            found.append(here)
    return sorted(set(found))


def _route(pattern) -> str:
    text = str(pattern)
    if hasattr(pattern, "_route"):
        return PARAMETER.sub("{}", text.replace("{", "{{").replace("}", "}}"))
    # A regex pattern (the admin's app index, media): its groups become parameters, its
    # anchors and escapes go.
    text = text.replace("{", "{{").replace("}", "}}")
    text = REGEX_GROUP.sub("{}", text).lstrip("^").rstrip("$").replace("\\", "")
    return re.sub(r"\.\*|\.\+", "{}", text)


def url(route: str, value: str) -> str:
    return "/" + route.format(*[value] * route.count("{}"))


def requests_for(route: str, value: str):
    """(method, path with query, form body) of each request to make to `route`."""
    if "{}" in route:
        yield "GET", url(route, value), None
        yield "POST", url(route, value), None
    yield "GET", f"{url(route, PLAIN)}?q={value}&{value}=1&page={value}", None
    body = f"q={value}&email={value}&number={value}&{value}=1"
    yield "POST", f"{url(route, PLAIN)}?{value}=1", body


def server_errors(client, value: str) -> list[str]:
    client.raise_request_exception = False
    errors = []
    for route in routes():
        for method, path, body in requests_for(route, value):
            if method == "GET":
                response = client.get(path)
            else:
                response = client.post(
                    path, body or "", content_type="application/x-www-form-urlencoded"
                )
            if response.status_code >= 500:
                errors.append(f"{method} {_shown(path)} -> {response.status_code}")
    return errors


def _shown(path: str) -> str:
    return quote(path[:120], safe="/%?&=") + ("…" if len(path) > 120 else "")


@pytest.fixture
def anonymous_client(client):
    return client


@pytest.mark.parametrize("who", ["anonymous_client", "staff_client"])
@pytest.mark.parametrize("kind", BAD_VALUES)
def test_no_url_answers_bad_input_with_a_server_error(request, db, who, kind):
    if kind != "overlong":
        request.getfixturevalue("postgres")  # SQLite stores NUL and surrogates: nothing to see
    value = BAD_VALUES[kind]
    client = request.getfixturevalue(who)
    errors = server_errors(client, value)
    assert not errors, "\n".join(errors)


def test_the_walk_reaches_every_kind_of_url():
    found = routes()
    # A test that walked nothing would pass: these stand for the storefront, the orders and
    # payments with a str parameter, the webhooks, the dashboard, the accounts and the admin.
    for expected in ("products/{}/", "orders/{}/", "payments/{}/start/", "webhooks/{}/",
                     "dashboard/", "accounts/signup/", "admin/shop/order/{}/change/"):
        assert expected in found
