"""Rate limits: every limited endpoint in one table, applied by one middleware.

Counters are django-ratelimit's (fixed windows in the default cache). Each rule counts the
requests it matches per client address and, where there is one, per account: the signed-in
user, or the email typed into a sign-in, sign-up or reset form, so one account cannot be
tried from many addresses. Over any limit the request is answered 429 with Retry-After (the
seconds until that window ends) and the shop's page saying when to try again; an HTMX
request gets a short notice swapped into the page's message area instead.

The rates are per person, roughly: generous enough that nobody using the shop by hand
meets them (and that a household or office behind one address does not either), tight
enough that a script guessing passwords, creating accounts or scraping is slowed to a crawl.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django_htmx.http import push_url, reswap, retarget
from django_ratelimit.core import get_usage

from security.net import client_key

Key = Callable[[HttpRequest], str]


def signed_in_user(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    return str(user.pk) if user is not None and user.is_authenticated else ""


def typed_email(field: str) -> Key:
    """The account a form names before anyone is signed in: its email field, lowercased."""
    return lambda request: request.POST.get(field, "").strip().lower()


def has_search(request: HttpRequest) -> bool:
    return bool(request.GET.get("q", "").strip())


@dataclass(frozen=True)
class Rule:
    """Requests by one of `methods` to one of `paths` (or below it, for a path ending in "/…") that
    `applies` to are limited to `per_address` per client address and `per_account` per
    account (named by `account`). Rates are django-ratelimit's: "10/m", "20/h"."""

    name: str
    what: str  # how the 429 page names what was done too often
    methods: tuple[str, ...]
    paths: tuple[str, ...]
    per_address: str
    per_account: str | None = None
    account: Key = signed_in_user
    applies: Callable[[HttpRequest], bool] = lambda request: True

    def matches(self, request: HttpRequest) -> bool:
        return (
            request.method in self.methods
            and any(
                request.path_info.startswith(path[:-1]) if path.endswith("…")
                else request.path_info == path
                for path in self.paths
            )
            and self.applies(request)
        )


POST = ("POST",)
RULES = (
    # Sign-in: a person mistypes a few times, not ten a minute. Not per typed email: anyone
    # can type someone's email, so such a count would let a stranger keep a customer out.
    # Guessing is stopped per email and address by the lockout (security.lockout), after 5.
    Rule("sign-in", "sign-in attempts", POST, ("/accounts/login/",), per_address="10/m"),
    # The second step's code: six digits, so a guesser needs hundreds of thousands of tries;
    # this and the lockout keep them to a handful an hour.
    Rule("2fa-verify", "security code attempts", POST, ("/accounts/2fa/verify/",),
         per_address="10/m", per_account="20/h"),
    # Turning two-factor off asks for the password: no more guesses than at sign-in.
    Rule("2fa-disable", "attempts to turn off two-factor", POST, ("/accounts/2fa/disable/",),
         per_address="10/m", per_account="10/h"),
    # Asking for one's data or closing the account asks for the password (and a code): no
    # more guesses than at sign-in.
    Rule("your-data", "attempts with your password", POST,
         ("/accounts/data/export/", "/accounts/data/close/"),
         per_address="10/m", per_account="10/h"),
    # A person signs up once; an office or campus behind one address still gets through.
    # Per email, as allauth mails the address on every attempt (also when it is taken): here
    # the count protects the email's owner from a stream of mail.
    Rule("sign-up", "sign-up attempts", POST, ("/accounts/signup/",),
         per_address="20/h", per_account="10/h", account=typed_email("email")),
    # Each request sends an email: a few resends are normal, a stream is mail-bombing.
    Rule("password-reset", "password reset requests", POST, ("/accounts/password/reset/",),
         per_address="20/h", per_account="5/h", account=typed_email("email")),
    # A guest's link to their data is emailed, as a reset is: the same limits.
    Rule("guest-privacy", "requests for a link to your data", POST, ("/privacy/",),
         per_address="20/h", per_account="5/h", account=typed_email("email")),
    # Search is the costliest page to render; one a second is faster than anyone reads.
    Rule("search", "searches", ("GET", "HEAD"), ("/products/",),
         per_address="60/m", per_account="60/m", applies=has_search),
    # Clicking "Add to cart" every two seconds for a minute is already a lot.
    Rule("cart-add", "additions to the cart", POST, ("/cart/add/",),
         per_address="30/m", per_account="30/m"),
    # Placing an order reserves stock: a person submits checkout a few times at most.
    Rule("checkout", "checkout submissions", POST, ("/checkout/", "/checkout/review/"),
         per_address="10/m", per_account="10/m"),
    # Providers retry in bursts after an outage and send from a few addresses; this only
    # stops a flood of forged requests before their signatures are checked.
    Rule("webhooks", "webhook deliveries", POST, ("/webhooks/…",), per_address="600/m"),
    # Browsers send a report per blocked item: a page with a problem sends a few, not a flood.
    Rule("csp-report", "security reports", POST, ("/csp-report/",), per_address="30/m"),
)


@dataclass(frozen=True)
class Exceeded:
    rule: Rule
    retry_after: int  # seconds until the window that was exceeded ends


def check_request(request: HttpRequest) -> Exceeded | None:
    """Count `request` against every limit of the rule it matches; what was exceeded, if
    anything. Every counter of the rule counts the request, exceeded or not."""
    rule = next((rule for rule in RULES if rule.matches(request)), None)
    if rule is None:
        return None
    counters = [(f"{rule.name}:address", rule.per_address, client_key(request))]
    account = rule.account(request) if rule.per_account else ""
    if account:
        counters.append((f"{rule.name}:account", rule.per_account, account))
    waits = []
    for group, rate, value in counters:
        usage = get_usage(
            request, group=group, key=lambda _group, _request, value=value: value, rate=rate,
            increment=True,
        )
        if usage and usage["should_limit"]:
            # The window still counts during its last second (time_left is 0 then).
            waits.append(usage["time_left"] + 1)
    return Exceeded(rule=rule, retry_after=max(waits)) if waits else None


class RateLimitMiddleware:
    """Answers 429 to a request over one of the limits in RULES, before its view runs.
    Sits after authentication (limits per signed-in user) and django-htmx (the notice)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        exceeded = check_request(request)
        if exceeded is not None:
            return too_many_requests(request, exceeded)
        return self.get_response(request)


def too_many_requests(request: HttpRequest, exceeded: Exceeded) -> HttpResponse:
    """The 429 page, or for an HTMX request the notice alone, put in the page's always
    present message area (#messages) whatever the request targeted: htmx swaps a 429 (see
    responseHandling in base.html) and the notice must not replace the part of the page
    that asked."""
    context = {"what": exceeded.rule.what, "wait": wait_text(exceeded.retry_after)}
    htmx = getattr(request, "htmx", None)
    fragment = htmx and not htmx.boosted and not htmx.history_restore_request
    template = "429.html#rate-limit-notice" if fragment else "429.html"
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(exceeded.retry_after)
    if fragment:
        retarget(response, "#messages")
        reswap(response, "innerHTML show:top")
        push_url(response, False)  # the address stays that of the page still shown
    patch_vary_headers(response, ["HX-Request"])
    return response


def wait_text(seconds: int) -> str:
    """How long to wait, as a person says it: "45 seconds", "2 minutes", "1 hour"."""
    if seconds < 60:
        return f"{seconds} second{'' if seconds == 1 else 's'}"
    minutes = -(-seconds // 60)
    if minutes < 60:
        return f"{minutes} minute{'' if minutes == 1 else 's'}"
    hours = -(-minutes // 60)
    return f"{hours} hour{'' if hours == 1 else 's'}"
