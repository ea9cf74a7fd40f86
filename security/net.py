"""Where a request came from: the client's address, as far as the shop can trust it.

Behind proxies REMOTE_ADDR is the nearest proxy, and each proxy appends the address it was
called from to X-Forwarded-For. Only the entries our own proxies wrote can be believed (a
client may send the header with anything in it), so TRUSTED_PROXY_COUNT says how many there
are, and the client is the address the outermost of them saw: the n-th from the right.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The address of the client that sent `request`.

    With TRUSTED_PROXY_COUNT = 0 (the default) that is REMOTE_ADDR. With n it is the n-th
    address from the right of X-Forwarded-For; when the header holds fewer than n addresses,
    or that entry is not an address, the request did not come through all our proxies, so
    REMOTE_ADDR is the best there is.
    """
    remote_addr = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote_addr
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < count:
        return remote_addr
    try:
        return str(ipaddress.ip_address(forwarded[-count]))
    except ValueError:
        return remote_addr
