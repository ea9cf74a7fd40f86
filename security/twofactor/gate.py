"""Who may pass: the second step of signing in, and the staff areas.

A signed-in person whose account has two-factor on counts as signed in only once this
session has been verified with a code (django-otp's `request.user.is_verified()`);
SecondFactorMiddleware holds everything else back until then. Staff areas (the admin and
the dashboard) want more: a staff account, with two-factor on, verified in this session.
"""

from functools import wraps
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from security.twofactor import devices


def is_verified(user) -> bool:
    """Whether this session passed the second factor (django-otp's OTPMiddleware marks it)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def is_verified_staff(user) -> bool:
    """Staff whose session passed the second factor: who may see the staff pages."""
    return user.is_active and user.is_staff and is_verified(user)


def second_factor_pending(request: HttpRequest) -> bool:
    """Signed in with the password, but the account wants a code this session lacks."""
    user = request.user
    if not user.is_authenticated or is_verified(user):
        return False
    return bool(request.session.get(devices.SESSION_KEY)) or devices.has_second_factor(user)


def note_sign_in(sender, request, user, **kwargs) -> None:
    """A `user_logged_in` receiver: the session remembers that this sign-in needs a code,
    whatever any cache says later, and the cache learns the answer fresh."""
    session = getattr(request, "session", None)
    if session is None:
        return
    remember_in_session(request, enabled=devices.remember_second_factor(user))


def remember_in_session(request: HttpRequest, *, enabled: bool) -> None:
    if enabled:
        request.session[devices.SESSION_KEY] = True
    else:
        request.session.pop(devices.SESSION_KEY, None)


def with_next(url_name: str, next_url: str | None) -> str:
    url = reverse(url_name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def redirect_to(request: HttpRequest, url: str) -> HttpResponse:
    """A redirect the browser follows as a whole page, also from an HTMX request."""
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)


def staff_gate(request: HttpRequest, next_url: str) -> HttpResponse | None:
    """None when `request` may enter a staff area; else where to go first: the sign-in,
    the two-factor setup (staff without it), or the code. Other accounts get 403."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(next_url, reverse("account_login"))
    if is_verified_staff(user):
        return None
    if not (user.is_active and user.is_staff):
        raise PermissionDenied("This part of the shop is for staff.")
    if devices.app_device(user) is None:
        return redirect_to(request, with_next("twofactor:setup", next_url))
    return redirect_to(request, with_next("twofactor:verify", next_url))


def second_factor_gate(request: HttpRequest, next_url: str) -> HttpResponse | None:
    """None when `request` is signed in and verified with a code this session; else where
    to go first: the sign-in, the two-factor setup (no authenticator yet), or the code. For
    areas beside the staff's that want the same (the seller portal)."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(next_url, reverse("account_login"))
    if is_verified(user):
        return None
    if devices.app_device(user) is None:
        return redirect_to(request, with_next("twofactor:setup", next_url))
    return redirect_to(request, with_next("twofactor:verify", next_url))


def staff_member_required(view):
    """Let only staff with a verified second factor in (see `staff_gate`)."""

    @wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return staff_gate(request, request.get_full_path()) or view(request, *args, **kwargs)

    return guarded
