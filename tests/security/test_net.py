"""The client's address behind 0, 1 or 2 trusted proxies, and what a client cannot fake."""

import pytest
from django.test import RequestFactory

from security.net import UNKNOWN, client_ip, client_key


def request_from(remote_addr: str, forwarded: str | None = None):
    headers = {"REMOTE_ADDR": remote_addr}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **headers)


def test_without_trusted_proxies_the_address_is_the_connections(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request_from("203.0.113.7")) == "203.0.113.7"


def test_without_trusted_proxies_a_forwarded_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request_from("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


def test_behind_one_proxy_the_address_is_the_last_one_it_appended(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request_from("10.0.0.2", "203.0.113.7")) == "203.0.113.7"


def test_behind_one_proxy_addresses_the_client_sent_are_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client sent "X-Forwarded-For: 1.2.3.4, 5.6.7.8"; the proxy appended what it saw.
    request = request_from("10.0.0.2", "1.2.3.4, 5.6.7.8, 203.0.113.7")
    assert client_ip(request) == "203.0.113.7"


def test_behind_two_proxies_the_address_is_the_second_from_the_right(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    request = request_from("10.0.0.3", "1.2.3.4, 203.0.113.7, 10.0.0.2")
    assert client_ip(request) == "203.0.113.7"


@pytest.mark.parametrize("forwarded", [None, "", "10.0.0.2"])
def test_a_header_shorter_than_the_proxies_falls_back_to_the_connection(settings, forwarded):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request_from("10.0.0.3", forwarded)) == "10.0.0.3"


def test_an_entry_that_is_not_an_address_falls_back_to_the_connection(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request_from("10.0.0.2", "1.2.3.4, <script>")) == "10.0.0.2"


def test_ipv6_addresses_are_read_as_such(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request_from("10.0.0.2", "2001:DB8::1")) == "2001:db8::1"


def test_an_ipv4_address_through_a_dual_stack_socket_is_itself(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request_from("::ffff:203.0.113.5")) == "203.0.113.5"
    assert client_key(request_from("::ffff:198.51.100.9")) == "198.51.100.9"


def test_ipv6_clients_are_counted_by_their_64(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_key(request_from("2001:db8:1:2:aaaa::1")) == "2001:db8:1:2::"


def test_no_usable_address_is_still_an_address(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request_from("")) == UNKNOWN
