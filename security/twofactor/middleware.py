"""The second step of every sign-in, whichever way the session was signed in.

After the password (allauth's sign-in, a link from an email, a session made any other way)
an account with two-factor on is only half signed in until this session is verified with a
code. Until then every request is sent to the code page, `/accounts/2fa/verify/?next=…`
(an HTMX request is told to go there with HX-Redirect), except that page itself, signing
out, static and media files, and the few paths in PASS_THROUGH, none of which shows or
changes anything of the account. A browser trusted with the "30 days" cookie is verified on
the spot instead.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django_otp import login as otp_login

from security.twofactor import gate, trust

# Paths with nothing of the account on them: the icon, reports of blocked content, and the
# health page (its details need a verified staff session anyway). The other probes and
# /metrics are answered before this middleware runs.
PASS_THROUGH = ("/favicon.ico", "/csp-report/", "/health/")


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if gate.second_factor_pending(request):
            held = self._hold(request)
            if held is not None:
                return held
        return self.get_response(request)

    def _hold(self, request: HttpRequest) -> HttpResponse | None:
        device = trust.trusted_device(request, request.user)
        if device is not None:  # never for staff (trust.trusted_device)
            otp_login(request, device)
            return None
        request.second_factor_pending = True
        path = request.path
        if path in (reverse("twofactor:verify"), reverse("account_logout")):
            return None
        if path.startswith((settings.STATIC_URL, settings.MEDIA_URL, *PASS_THROUGH)):
            return None
        return gate.redirect_to(request, gate.with_next("twofactor:verify", _next(request)))


def _next(request: HttpRequest) -> str | None:
    """Where to go once verified: this page, or for HTMX the page it was sent from. A form
    post is not replayed, so it leads back to nowhere in particular."""
    htmx = getattr(request, "htmx", None)
    if htmx:
        return htmx.current_url_abs_path
    return request.get_full_path() if request.method in ("GET", "HEAD") else None
