"""Two-factor pages under /accounts/2fa/: the overview, setting up an authenticator app,
the code at sign-in, backup codes (shown once, downloadable, replaceable) and turning
two-factor off. Every form works as a plain post; the code form at sign-in swaps in place
under HTMX (the setup form stays a plain post: its answer is the page of new backup codes)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import rotate_token
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_otp import login as otp_login

from security import audit, lockout
from security.net import client_key, safe_next
from security.twofactor import devices, gate, qr, services, trust
from security.twofactor.errors import AlreadyEnabled, InvalidCode, NotEnabled, TwoFactorError
from security.twofactor.forms import (
    CodeForm,
    DisableForm,
    DownloadForm,
    SetupForm,
    VerifyForm,
)

LOCKED_MESSAGE = (
    "Too many wrong codes for this account from your connection. Please wait "
    f"{int(lockout.LOCK_DURATION.total_seconds() // 60)} minutes and try again, or sign out."
)


@require_safe
@login_required
def overview(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "enabled": devices.app_device(user) is not None,
        "codes_left": devices.backup_codes_left(user),
    }
    return render(request, "security/twofactor/overview.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def setup(request: HttpRequest) -> HttpResponse:
    """Show the QR code and the key of a new app device; a valid code turns it on."""
    next_url = _next_url(request, default="")
    try:
        device = services.start_setup(user=request.user)
    except AlreadyEnabled as error:
        messages.info(request, error.message)
        return redirect(next_url or "twofactor:overview")
    form = SetupForm(request.POST or None)
    if form.is_valid():
        try:
            device, codes = services.confirm_setup(
                user=request.user, device_id=device.pk, code=form.cleaned_data["code"]
            )
        except TwoFactorError as error:
            form.add_error("code", error.message)
        else:
            otp_login(request, device)  # the code just given verifies this session too
            gate.remember_in_session(request, enabled=True)
            audit.record(request, "2fa.enabled", request.user)
            # Shown in this answer, not after a redirect: the codes are never stored in a
            # readable form, not even in the session for a moment.
            return _backup_codes_page(request, codes=codes, form=CodeForm())
    context = {
        "form": form, "qr_code": qr.qr_svg(device), "key": qr.readable_key(device),
        "next": next_url,
    }
    return render(request, "security/twofactor/setup.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the app, or a backup code."""
    user = request.user
    next_url = _next_url(request, default=settings.LOGIN_REDIRECT_URL)
    if devices.app_device(user) is None:  # never on, or turned off since this sign-in
        gate.remember_in_session(request, enabled=devices.remember_second_factor(user))
        return gate.redirect_to(request, next_url)
    if not gate.second_factor_pending(request):
        return gate.redirect_to(request, next_url)
    form = VerifyForm(request.POST or None, user=request.user)
    if form.is_valid():
        device = _check_sign_in_code(request, form)
        if device is not None:
            trust_browser = form.cleaned_data.get("trust", False)
            return _verified(request, device, next_url, trust_browser=trust_browser)
    context = {"form": form, "next": next_url}
    return _render(request, "security/twofactor/verify.html", context, fragment="verify-form")


def _check_sign_in_code(request: HttpRequest, form: VerifyForm):
    """The device that accepts the form's code, or None with the form told why. Wrong codes
    count toward the sign-in lockout of this account from this address, as wrong
    passwords do."""
    identifier, ip = request.user.email, client_key(request)
    if lockout.is_locked(identifier, ip):
        form.add_error("code", LOCKED_MESSAGE)
        return None
    try:
        device = services.check_code(user=request.user, code=form.cleaned_data["code"])
    except InvalidCode as error:
        lockout.record_failure(identifier, ip)
        form.add_error("code", error.message)
        return None
    except TwoFactorError as error:  # too fast after a wrong one: not a guess that was tried
        form.add_error("code", error.message)
        return None
    lockout.clear(identifier, ip)
    return device


def _verified(request, device, next_url: str, *, trust_browser: bool) -> HttpResponse:
    """This session passed the second factor: mark it, as django-otp's login does, under a
    new session key and CSRF token, as a sign-in gets."""
    otp_login(request, device)
    request.session.cycle_key()
    rotate_token(request)
    user = request.user
    app = devices.app_device(user)
    used_backup_code = app is None or device.persistent_id != app.persistent_id
    if used_backup_code:
        left = devices.backup_codes_left(user)
        messages.warning(
            request,
            f"You used a backup code; {left} left. Make new ones on your two-factor page "
            "before you run out.",
        )
    if user.is_staff:
        audit.record(
            request, "staff.second_factor", method="backup code" if used_backup_code else "app"
        )
    response = gate.redirect_to(request, next_url)
    if trust_browser and app is not None:
        trust.trust_browser(response, user=user, device=app)
    return response


@never_cache
@require_safe
@login_required
def backup_codes(request: HttpRequest) -> HttpResponse:
    """How many backup codes are left, and the way to make new ones (new codes are shown
    once, in the answer to the step that made them)."""
    if devices.app_device(request.user) is None:
        return redirect("twofactor:overview")
    return _backup_codes_page(request, codes=None, form=CodeForm())


@never_cache
@require_POST
@login_required
def backup_codes_regenerate(request: HttpRequest) -> HttpResponse:
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            codes = services.regenerate_backup_codes(
                user=request.user, code=form.cleaned_data["code"]
            )
        except NotEnabled:
            return redirect("twofactor:overview")
        except TwoFactorError as error:
            form.add_error("code", error.message)
        else:
            audit.record(request, "2fa.backup_codes_replaced", request.user)
            messages.success(request, "Your old backup codes no longer work. Here are new ones.")
            return _backup_codes_page(request, codes=codes, form=CodeForm())
    return _backup_codes_page(request, codes=None, form=form)


@never_cache
@require_POST
@login_required
def backup_codes_download(request: HttpRequest) -> HttpResponse:
    """The codes the page showed, as a text file. Only codes posted back are written, and
    only those still unused: nothing stored can be read back through here."""
    form = DownloadForm(request.POST)
    posted = form.cleaned_data["codes"] if form.is_valid() else []
    codes = devices.unused_backup_codes(request.user, posted) if posted else []
    if not codes:
        messages.error(request, "Those codes can no longer be downloaded. Make new ones below.")
        return redirect("twofactor:backup-codes")
    lines = [
        f"{settings.STORE_NAME}: backup codes for {request.user.email}",
        "Each code works once, in place of a code from your authenticator app.",
        "",
        *codes,
        "",
    ]
    response = HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="backup-codes.txt"'
    return response


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def disable(request: HttpRequest) -> HttpResponse:
    """Turn two-factor off, with the password and a current code."""
    if devices.app_device(request.user) is None:
        return redirect("twofactor:overview")
    form = DisableForm(request.POST or None, user=request.user)
    if form.is_valid():
        try:
            services.disable(user=request.user, code=form.cleaned_data["code"])
        except TwoFactorError as error:
            form.add_error("code", error.message)
        else:
            gate.remember_in_session(request, enabled=False)
            audit.record(request, "2fa.disabled", request.user)
            messages.success(request, "Two-factor authentication is off.")
            response = redirect("twofactor:overview")
            trust.forget_browser(response)
            return response
    return render(request, "security/twofactor/disable.html", {"form": form})


def _backup_codes_page(request, *, codes, form) -> HttpResponse:
    context = {
        "codes": codes,
        "download_form": DownloadForm(initial={"codes": codes}) if codes else None,
        "form": form,
        "codes_left": devices.backup_codes_left(request.user),
        "next": _next_url(request, default=""),
    }
    return render(request, "security/twofactor/backup_codes.html", context)


def _next_url(request: HttpRequest, *, default: str) -> str:
    """The `next` address of the request when it is one of the shop's own."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    return safe_next(request, url, default=default)


def _render(request, template: str, context: dict, *, fragment: str) -> HttpResponse:
    """The whole page, or only `fragment` for an HTMX request that targets it."""
    htmx = getattr(request, "htmx", None)
    targeted = htmx and not htmx.boosted and htmx.target == fragment
    response = render(request, f"{template}#{fragment}" if targeted else template, context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response
