"""`python -m bench.fixtures`: what the read benchmark asks for, picked from the seeded shop.

Prints one line of JSON: each target's path and the cookie it sends, and the periods the
sales report is exported for. The pages are read three ways: by a visitor without a session
(the shared pages), by an anonymous shopper whose session holds a cart of 3 lines, and by a
signed-in customer with paid orders (their orders, one of them, their addresses); the
dashboard is read by a staff member whose session passed the second factor, as django-otp
marks it after a code. Each session is sent with the other cookies its browser holds
(browser_cookies): a browser with a cart or an account has been shown pages and forms.
"""

import json
from datetime import timedelta

import django
from django.apps import apps

if not apps.ready:  # run as a script; imported by the tests, Django is set up already
    django.setup()

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db.models import Count, F
from django.db.models.functions import TruncDate
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from bench.serve import SHOP_HEADERS
from dashboard import kpis
from dashboard import sessions as visitors
from security.sessions import SessionStore  # the shop's engine: a signed-in key names its user
from shop import request_cart
from shop.models import Order, Product, User, Variant
from shop.services import cart as cart_services

SEARCH = "wool"
SIZE = "M"
STAFF_EMAIL = "bench-staff@example.com"
RECENT_ORDERS = 10_000


def targets() -> dict[str, dict]:
    cookie = settings.SESSION_COOKIE_NAME
    with_cart = f"{cookie}={cart_session()}; {browser_cookies()}"
    customer, order = customer_session()
    signed_in = f"{cookie}={customer}; {browser_cookies()}"
    pages = {"listing": listing_path(), "search": f"/products/?q={SEARCH}",
             "detail": detail_path()}
    return {
        "home": {"path": "/"},
        **{name: {"path": path} for name, path in pages.items()},
        **{f"{name} with a cart": {"path": path, "cookie": with_cart}
           for name, path in pages.items()},
        "cart": {"path": "/cart/", "cookie": with_cart},
        "checkout": {"path": "/checkout/", "cookie": with_cart},
        **{f"{name} signed in": {"path": path, "cookie": signed_in}
           for name, path in pages.items()},
        "orders signed in": {"path": "/orders/", "cookie": signed_in},
        "order signed in": {"path": order, "cookie": signed_in},
        "addresses signed in": {"path": "/addresses/", "cookie": signed_in},
        "dashboard": {
            "path": "/dashboard/?period=12m",
            "cookie": f"{cookie}={staff_session()}; {browser_cookies()}",
            "cold": unseen_dashboard_paths(),
        },
        "liveness": {"path": "/liveness/"},
    }


def unseen_dashboard_paths() -> list[str]:
    """12 months ending on each of the 3 days before yesterday: pages nobody has asked for,
    whose panels are worked out afresh (they are kept a minute once made)."""
    yesterday = kpis.today() - timedelta(days=1)
    return [
        f"/dashboard/?period=custom&start={end - timedelta(days=364)}&end={end}"
        for end in (yesterday - timedelta(days=n) for n in (1, 2, 3))
    ]


def export_periods() -> dict[str, tuple[str, str]]:
    """The sales report's periods: the last days that hold 10,000 paid orders, and the
    whole year of history."""
    zone = kpis.store_zone()
    paid = Order.objects.filter(paid_at__isnull=False)
    per_day = dict(
        paid.annotate(day=TruncDate("paid_at", tzinfo=zone)).values_list("day")
        .annotate(n=Count("pk")).order_by()
    )
    days = sorted(per_day, reverse=True)
    running, start = 0, days[-1]
    for day in days:
        running += per_day[day]
        if running >= RECENT_ORDERS:
            start = day
            break
    return {
        "recent": (start.isoformat(), days[0].isoformat()),
        "year": (days[-1].isoformat(), days[0].isoformat()),
    }


def browser_cookies() -> str:
    """The cookies a browser holding a session holds besides it, a browser with a cart or an
    account having been shown pages and forms: those the shop sets on a first visit to its
    listing, the CSRF cookie and the visitor cookie, the visitor counted today
    (dashboard.sessions: on its first page, or its second when its address had one today)."""
    browser = Client(headers=SHOP_HEADERS, HTTP_HOST="127.0.0.1")
    for _ in range(2):
        browser.get("/products/")
    return "; ".join(f"{name}={browser.cookies[name].value}"
                     for name in (settings.CSRF_COOKIE_NAME, visitors.COOKIE))


def listing_path() -> str:
    """The department with the most products in the size: its page 2, cheapest first."""
    counts = (
        Variant.objects.filter(size=SIZE, product__is_active=True)
        .values("product__category__parent__slug")
        .annotate(products=Count("product", distinct=True))
        .order_by("-products")
    )
    slug = counts[0]["product__category__parent__slug"]
    return f"/products/?category={slug}&size={SIZE}&sort=price&page=2"


def detail_path() -> str:
    """The active product with the most variants, the first by name among them."""
    product = (
        Product.objects.filter(is_active=True).annotate(n=Count("variants"))
        .order_by("-n", "name").first()
    )
    return product.get_absolute_url()


def cart_session() -> str:
    """A new anonymous session whose cart holds a unit of 3 variants in stock."""
    cart = cart_services.start_cart()
    variants = Variant.objects.filter(
        product__is_active=True, on_hand__gte=F("reserved") + 10
    ).order_by("sku")
    for variant in variants[:3]:
        cart_services.add_to_cart(cart=cart, variant=variant, quantity=1)
    session = SessionStore()
    session[request_cart.CART_ID] = cart.pk
    session[request_cart.CART_COUNT] = 3
    session.create()
    return session.session_key


def customer_session() -> tuple[str, str]:
    """A signed-in customer with the most paid orders (and an address): their session, and
    the path of their latest order's page."""
    user = (
        User.objects.filter(is_staff=False, orders__paid_at__isnull=False)
        .annotate(paid=Count("orders")).order_by("-paid", "pk").first()
    )
    order = user.orders.filter(paid_at__isnull=False).order_by("-paid_at").first()
    if not user.addresses.exists():
        user.addresses.create(**order.address_values(), is_default=True)
    return _signed_in(user), order.get_absolute_url()


def _signed_in(user: User, **extra) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.update(extra)
    session.create()
    return session.session_key


def staff_session() -> str:
    user, _ = User.objects.get_or_create(
        email=STAFF_EMAIL, defaults={"is_staff": True, "is_superuser": True}
    )
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or (
        TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)
    )
    return _signed_in(user, **{DEVICE_ID_SESSION_KEY: device.persistent_id})


if __name__ == "__main__":
    print(json.dumps({"targets": targets(), "exports": export_periods()}))
