"""The second step of signing in: after the password, an account with two-factor on needs a
code before the session counts as signed in, whichever way the session was made."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY

from security.models import AuditEntry, LoginLock
from security.twofactor import services
from tests.accounts import sign_in, sign_out, verify
from tests.second_factor import code_for

pytestmark = pytest.mark.django_db
VERIFY = "/accounts/2fa/verify/"


def test_the_password_alone_does_not_reach_the_orders(client, customer, app):
    assert sign_in(client, customer.email).status_code == 302
    response = client.get("/orders/")
    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY}?next=%2Forders%2F"


def test_every_page_waits_for_the_code(client, customer, app):
    sign_in(client, customer.email)
    for path in ("/", "/products/", "/cart/", "/accounts/email/", "/accounts/2fa/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(VERIFY), path


def test_a_code_reaches_the_page_asked_for(client, customer, app):
    sign_in(client, customer.email)
    response = verify(client, code_for(app), next_url="/orders/")
    assert response.status_code == 302
    assert response["Location"] == "/orders/"
    assert client.get("/orders/").status_code == 200
    assert client.session[DEVICE_ID_SESSION_KEY] == app.persistent_id


def test_the_code_page_shows_a_labelled_form(client, customer, app):
    sign_in(client, customer.email)
    response = client.get(VERIFY)
    assert response.status_code == 200
    assert '<label for="id_code">Authentication code' in response.text
    assert 'autocomplete="one-time-code"' in response.text
    assert "Trust this browser for 30 days" in response.text
    # Half signed in, the header offers signing out and nothing of the account.
    assert reverse("shop:order-list") not in response.text


def test_a_wrong_code_renders_the_page_again_with_a_message(client, customer, app):
    sign_in(client, customer.email)
    response = verify(client, "000000")
    assert response.status_code == 200
    assert "That code did not work" in response.text
    assert client.get("/orders/").status_code == 302


def test_a_wrong_code_sent_by_htmx_gets_the_form_alone_to_swap_in(client, customer, app):
    sign_in(client, customer.email)
    response = verify(client, "000000", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="verify-form")
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<form id="verify-form"')
    assert "<html" not in response.text
    assert "That code did not work" in response.text
    assert {"HX-Request", "HX-Target"} <= {v.strip() for v in response["Vary"].split(",")}


@pytest.mark.parametrize("steps", [-1, 0, 1])
def test_one_step_of_clock_difference_is_accepted(client, customer, app, clock, steps):
    sign_in(client, customer.email)
    assert verify(client, code_for(app, steps=steps, at=clock))["Location"] == "/"


@pytest.mark.parametrize("steps", [-2, 2])
def test_two_steps_of_clock_difference_are_refused(client, customer, app, clock, steps):
    sign_in(client, customer.email)
    response = verify(client, code_for(app, steps=steps, at=clock))
    assert response.status_code == 200
    assert "That code did not work" in response.text


def test_a_code_cannot_be_used_twice(client, customer, app, clock):
    code = code_for(app, at=clock)
    sign_in(client, customer.email)
    assert verify(client, code).status_code == 302
    sign_out(client)
    sign_in(client, customer.email)
    response = verify(client, code)
    assert response.status_code == 200
    assert "That code did not work" in response.text


def test_a_code_older_than_the_last_one_used_is_refused(client, customer, app, clock):
    sign_in(client, customer.email)
    assert verify(client, code_for(app, steps=1, at=clock)).status_code == 302
    sign_out(client)
    sign_in(client, customer.email)
    assert verify(client, code_for(app, at=clock)).status_code == 200


@pytest.fixture
def otp_clock(monkeypatch):
    """django-otp's clock (timezone.now), held still and moved by hand: a wait is passed by
    moving it, not by sleeping, and a slow machine cannot outlast one."""
    clock = {"now": timezone.now()}
    monkeypatch.setattr(timezone, "now", lambda: clock["now"])
    return clock


def test_a_right_code_too_soon_after_wrong_ones_says_how_long_to_wait(
    client, customer, app, otp_clock
):
    sign_in(client, customer.email)
    assert "That code did not work" in verify(client, "000000").text  # wait 1 s
    otp_clock["now"] += timedelta(seconds=1)
    assert "That code did not work" in verify(client, "000001").text  # wait 2 s
    otp_clock["now"] += timedelta(seconds=2)
    assert "That code did not work" in verify(client, "000002").text  # wait 4 s

    otp_clock["now"] += timedelta(seconds=0.2)
    response = verify(client, code_for(app))

    assert response.status_code == 200
    assert "Too many tries: wait 4 seconds and enter the newest code" in response.text
    assert "did not work" not in response.text
    assert client.get("/orders/").status_code == 302
    otp_clock["now"] += timedelta(seconds=3.3)
    assert "wait 1 second and" in verify(client, code_for(app)).text  # 0.5 s left
    app.refresh_from_db()
    assert app.throttling_failure_count == 3  # a code turned away unchecked is no wrong one

    otp_clock["now"] += timedelta(seconds=0.5)
    response = verify(client, code_for(app))

    assert response.status_code == 302
    assert client.get("/orders/").status_code == 200
    app.refresh_from_db()
    assert app.throttling_failure_count == 0


def test_the_wait_counts_from_the_last_wrong_code_on_the_device(client, customer, app):
    # Another tab's wrong code, a moment ago: the throttle is the device's, not the page's.
    app.throttling_failure_count = 5  # waits 16 s from the last one
    app.throttling_failure_timestamp = timezone.now() - timedelta(seconds=6)
    app.save()
    sign_in(client, customer.email)

    response = verify(client, code_for(app))

    assert "Too many tries: wait 10 seconds" in response.text
    app.throttling_failure_timestamp -= timedelta(seconds=10)
    app.save()
    assert verify(client, code_for(app)).status_code == 302


def test_wrong_codes_count_toward_the_sign_in_lockout(client, customer, app):
    sign_in(client, customer.email)
    verify(client, "000000")
    assert LoginLock.objects.get(identifier=customer.email).failures == 1


def test_a_direct_session_still_needs_the_code(client, customer, app):
    client.force_login(customer)
    response = client.get("/orders/")
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)


def test_a_session_of_an_account_that_turns_two_factor_on_later_needs_the_code(
    client, customer, django_capture_on_commit_callbacks
):
    client.force_login(customer)
    assert client.get("/orders/").status_code == 200
    device = services.start_setup(user=customer)
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm_setup(user=customer, device_id=device.pk, code=code_for(device))
    assert client.get("/orders/")["Location"].startswith(VERIFY)


def test_an_htmx_request_is_sent_to_the_code_page_with_hx_redirect(client, customer, app):
    sign_in(client, customer.email)
    response = client.get(
        "/cart/", HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL="http://testserver/products/?q=x"
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{VERIFY}?next=%2Fproducts%2F%3Fq%3Dx"


def test_a_form_post_is_not_sent_back_to_after_the_code(client, customer, app):
    sign_in(client, customer.email)
    response = client.post("/cart/add/", {"variant": "1"})
    assert response["Location"] == VERIFY


def test_signing_out_and_static_files_are_not_held_back(client, customer, app):
    sign_in(client, customer.email)
    assert client.get("/static/css/shop.css").status_code == 200
    response = sign_out(client)
    assert response.status_code == 302 and not response["Location"].startswith(VERIFY)
    assert "_auth_user_id" not in client.session


def test_the_probes_are_not_held_back(client, customer, app):
    sign_in(client, customer.email)
    for path in ("/liveness/", "/readiness/", "/health/", "/metrics"):
        assert client.get(path).status_code != 302, path


def test_a_backup_code_works_once(client, customer, app):
    codes = services.regenerate_backup_codes(user=customer, code=code_for(app))
    sign_in(client, customer.email)
    response = verify(client, codes[0].upper().replace("-", " "))
    assert response.status_code == 302
    assert client.get("/orders/").status_code == 200
    sign_out(client)
    sign_in(client, customer.email)
    assert "That code did not work" in verify(client, codes[0]).text


def test_after_a_backup_code_the_codes_left_are_counted(client, customer, app):
    codes = services.regenerate_backup_codes(user=customer, code=code_for(app))
    sign_in(client, customer.email)
    verify(client, codes[3])
    response = client.get("/orders/")
    assert "You used a backup code; 9 left." in response.text


def test_the_code_page_sends_anyone_verified_on(client, customer, app):
    sign_in(client, customer.email)
    verify(client, code_for(app))
    response = client.get(VERIFY, {"next": "/wishlist/"})
    assert response["Location"] == "/wishlist/"


def test_next_may_not_lead_off_the_site(client, customer, app):
    sign_in(client, customer.email)
    response = verify(client, code_for(app), next_url="https://evil.example/")
    assert response["Location"] == "/"


def test_an_account_without_two_factor_signs_in_with_the_password(client, customer):
    sign_in(client, customer.email)
    assert client.get("/orders/").status_code == 200


def test_the_code_page_needs_a_signed_in_account(client):
    response = client.get(VERIFY)
    assert response["Location"].startswith(reverse("account_login"))


def test_staff_passing_the_code_is_in_the_audit_log(client, app, customer):
    customer.is_staff = True
    customer.save()
    sign_in(client, customer.email)
    verify(client, code_for(app))
    entry = AuditEntry.objects.get(action="staff.second_factor")
    assert (entry.actor, entry.details) == (customer, {"method": "app"})


def test_a_sign_in_is_let_go_when_two_factor_was_turned_off_meanwhile(client, customer, app):
    sign_in(client, customer.email)
    app.delete()  # from another session, say
    response = client.get("/orders/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/orders/"
    assert client.get("/orders/").status_code == 200


def test_passing_the_code_gives_the_session_a_new_key(client, customer, app):
    sign_in(client, customer.email)
    half = client.session.session_key
    verify(client, code_for(app))
    assert client.session.session_key != half
