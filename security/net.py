"""Where a request came from: the client's address, as far as the shop can trust it.

Behind proxies REMOTE_ADDR is the nearest proxy, and each proxy appends the address it was
called from to X-Forwarded-For. Only the entries our own proxies wrote can be believed (a
client may send the header with anything in it), so TRUSTED_PROXY_COUNT says how many there
are, and the client is the address the outermost of them saw: the n-th from the right.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

# No usable address (a unix-socket upstream, say): such clients share this one.
UNKNOWN = "0.0.0.0"  # noqa: S104  an address to count by, never bound to


def client_ip(request: HttpRequest) -> str:
    """The address of the client that sent `request`, always a valid IP address.

    With TRUSTED_PROXY_COUNT = 0 (the default) that is REMOTE_ADDR. With n it is the n-th
    address from the right of X-Forwarded-For; when the header holds fewer than n addresses,
    or that entry is not an address, the request did not come through all our proxies, so
    REMOTE_ADDR is the best there is. An IPv4 address seen through a dual-stack socket
    (`::ffff:203.0.113.5`) is given as the IPv4 address it is.
    """
    remote_addr = _address(request.META.get("REMOTE_ADDR", "")) or UNKNOWN
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote_addr
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < count:
        return remote_addr
    return _address(forwarded[-count]) or remote_addr


def client_key(request: HttpRequest) -> str:
    """The client's address as rate limits and sign-in lockouts count it: an IPv6 address by
    its /64, which one household or machine usually has whole (rotating through it must not
    reset a count)."""
    address = ipaddress.ip_address(client_ip(request))
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return str(address)


def _address(value: str) -> str:
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return ""
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return str(address)


def safe_next(request: HttpRequest, url: str, *, default: str) -> str:
    """`url` when it is an address on this site (a `next` field, say), else `default`."""
    safe = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if url and safe else default
