"""The browser suite: the demo shop served by a real server process, driven in Chromium.

The server runs on its own database (a SQLite file, or a fresh PostgreSQL database when
DATABASE_URL is set) loaded with the demo catalogue, so pages look as a shopper sees them.
"""

import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from playwright.sync_api import sync_playwright

from tests.browser.stripe_stand_in import StripeStandIn
from tests.conftest import need

ROOT = Path(__file__).resolve().parents[2]
# Each run saves its screenshots here; `make screenshots` points this at docs/screenshots to
# refresh the README's pictures.
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR") or ROOT / "build" / "screenshots")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


def _chromium() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if not path:
        need("needs Chromium: apt-get install chromium")
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _fresh_database_url(tmp: Path) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return f"sqlite:///{tmp / 'browser.sqlite3'}"
    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'shop'}_browser"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def _manage(*args: str, env: dict) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _wait_until_up(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text()
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"the shop did not answer at {url}")


FIND_PICKER_CASE = """
import json
from shop.models import Variant
for sold_out in Variant.objects.filter(on_hand=0, product__is_active=True).exclude(size="")\\
        .exclude(color="").order_by("sku"):
    other = Variant.objects.filter(product=sold_out.product, color=sold_out.color,
                                   on_hand__gt=5).exclude(size=sold_out.size).order_by("sku").first()
    if other:
        print(json.dumps({"slug": sold_out.product.slug, "color": sold_out.color,
                          "in_stock": other.size, "sold_out": sold_out.size}))
        break
"""


@pytest.fixture(scope="session")
def stripe_api():
    """Stripe's API as the shop's server sees it: a stand-in on 127.0.0.1."""
    with StripeStandIn(secret_key="sk_test_browser_suite") as stand_in:
        yield stand_in


@pytest.fixture(scope="session")
def shop(tmp_path_factory, stripe_api):
    """The base URL of a running demo shop, and facts about its catalogue. Checkout offers
    card payments through Stripe (its API being `stripe_api`) and the test provider."""
    _chromium()
    tmp = tmp_path_factory.mktemp("browser-shop")
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _fresh_database_url(tmp),
        "MEDIA_ROOT": str(tmp / "media"),
        # As behind one proxy, so each page can be a client of its own (see `_page`).
        "TRUSTED_PROXY_COUNT": "1",
        # A connection per request, closed at its end: kept ones piled up in the server (34
        # during one module of 34 tests), near PostgreSQL's 100 over the whole suite.
        "DATABASE_CONN_MAX_AGE": "0",
        "STRIPE_SECRET_KEY": stripe_api.secret_key,
        "STRIPE_WEBHOOK_SECRET": "whsec_browser_suite",
        "STRIPE_API_BASE": stripe_api.url,
        "PAYMENTS_TEST_PROVIDER": "true",
        # Every checkout of the suite ships to the same street address, many a day: the risk
        # rules would take the suite for a reshipper and hold its orders. Past the highest
        # score nothing is held here by a score; the tests of the hold ask for one themselves.
        "RISK_REVIEW_THRESHOLD": "101",
    }
    _manage("migrate", "--noinput", env=env)
    _manage("load_demo", env=env)
    picker = json.loads(_manage("shell", "-c", FIND_PICKER_CASE, env=env).splitlines()[-1])
    port = _free_port()
    # The server logs a line per request: into a file, as a pipe nobody reads fills up and
    # then stalls the server mid-suite.
    log = tmp / "server.log"
    with log.open("w") as output:  # the server keeps its own handle on the file
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", "--insecure",
             f"127.0.0.1:{port}"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=output,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base_url + "/", server, log)
        # `manage` runs a management command against the server's database (to set up a
        # customer, say).
        # `stripe` is the stand-in for Stripe's API; `stripe_webhook_secret` signs webhooks.
        yield {"url": base_url, "picker": picker, "manage": partial(_manage, env=env),
               "stripe": stripe_api, "stripe_webhook_secret": env["STRIPE_WEBHOOK_SECRET"]}
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    # Module scope: Playwright's event loop must be gone before tests that use the ORM run in
    # this process, or Django takes them for async code.
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


HTMX_ABORT_NOTICES = ("htmx:sendAbort", "htmx:afterRequest")
# Chromium logs what the Content-Security-Policy blocks as a console error; this listener,
# run before the page's own scripts, also writes one for a violation only reported (a
# report-only policy, or a report sent with no console line), so no violation goes unseen.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.effectiveDirective} blocked `
    + `${event.blockedURI || "an inline item"} (${event.sourceFile}:${event.lineNumber})`);
});
"""


# Each page comes from an address of its own, as each shopper would: the rate limits and
# sign-in lockouts count per address, and the whole suite from one would add up to more
# than any one person does.
_addresses = (f"198.18.{n // 250}.{n % 250 + 1}" for n in itertools.count())


def _page(browser, *, javascript: bool):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, java_script_enabled=javascript,
        extra_http_headers={"X-Forwarded-For": next(_addresses)},
    )
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    page = context.new_page()
    errors = []

    def on_console(message) -> None:
        # htmx logs a request it aborted for a newer one (hx-sync replace) as an error; a
        # failed response still shows, as htmx:responseError.
        if message.type == "error" and not message.text.startswith(HTMX_ABORT_NOTICES):
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    return context, page


@pytest.fixture
def page(browser):
    context, page = _page(browser, javascript=True)
    yield page
    context.close()
    assert page.errors == [], f"errors in the browser console: {page.errors}"


@pytest.fixture(scope="module")
def new_page(browser):
    """Makes pages that outlive a test (a signed-in shopper that a module's tests share), each
    from an address of its own and watched as `page` is: its tests check `page.errors`."""
    contexts = []

    def make():
        context, page = _page(browser, javascript=True)
        contexts.append(context)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page_without_js(browser):
    context, page = _page(browser, javascript=False)
    yield page
    context.close()


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> None:
        page.screenshot(path=SCREENSHOTS / f"{name}.png")

    return take
