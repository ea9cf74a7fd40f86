"""The products a visitor opened lately, latest first, kept in a signed cookie of its own
rather than the session: looking around starts no session, so the pages kept for visitors
without one (shop.shared_pages) are still theirs. Only the recommendation fragments, which
are each visitor's own, read and write it. Signing out forgets it, as it forgets the
session: the next person at the same browser does not inherit it
(`ForgetAtSignOutMiddleware`, told by recommendations.receivers)."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

COOKIE = "recently_viewed"
SALT = "recommendations.recent"
KEEP = 12
DAYS = 30
FORGET = "_forget_recently_viewed"  # set on a request that signed its visitor out


def viewed(request: HttpRequest) -> list[int]:
    """The products the request's visitor opened, latest first (none for a cookie that was
    not ours)."""
    value = request.get_signed_cookie(COOKIE, default="", salt=SALT)
    return [int(pk) for pk in value.split(".") if pk.isdigit()][:KEEP]


def remember(request: HttpRequest, response: HttpResponse, product_id: int) -> None:
    """Put `product_id` first in the visitor's list, sent back with `response`."""
    latest = [product_id, *(pk for pk in viewed(request) if pk != product_id)][:KEEP]
    response.set_signed_cookie(
        COOKIE, ".".join(map(str, latest)), salt=SALT, max_age=DAYS * 24 * 60 * 60,
        httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE or request.is_secure(),
    )




def forget(request: HttpRequest) -> None:
    """Have the response to `request` forget the visitor's recently viewed products."""
    setattr(request, FORGET, True)


class ForgetAtSignOutMiddleware:
    """Deletes the cookie from the browser whose request signed it out."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, FORGET, False) and COOKIE in request.COOKIES:
            response.delete_cookie(COOKIE, samesite="Lax")
        return response
