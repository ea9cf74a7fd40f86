"""Sign-in lockout: five failures for one email from one address lock that pair for fifteen
minutes, whatever the password, without telling anyone whether the account exists."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from security import lockout
from security.forms import LOCKED_MESSAGE
from security.models import LoginLock
from tests.accounts import (
    PASSWORD,
    make_account,
    reset_password,
    sign_in,
    sign_in_errors,
)
from tests.second_factor import add_app_device

pytestmark = pytest.mark.django_db

WRONG = "not the password at all"
MISMATCH = "The email address and/or password you specified are not correct."


@pytest.fixture
def customer():
    return make_account("grace@example.com")


def fail(client, email: str, times: int, *, ip: str = "198.51.100.7"):
    for _ in range(times):
        response = sign_in(client, email, WRONG, ip=ip)
    return response


def is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- the services -------------------------------------------------------------------------

def test_four_failures_do_not_lock():
    for _ in range(4):
        assert lockout.record_failure("grace@example.com", "198.51.100.7") is False
    assert not lockout.is_locked("grace@example.com", "198.51.100.7")


def test_the_fifth_failure_locks_the_pair():
    for _ in range(4):
        lockout.record_failure("grace@example.com", "198.51.100.7")
    assert lockout.record_failure("grace@example.com", "198.51.100.7") is True
    assert lockout.is_locked("grace@example.com", "198.51.100.7")


def test_names_are_counted_without_regard_to_case_or_spaces():
    names = ["Grace@Example.com", " grace@example.com", "GRACE@EXAMPLE.COM ", "grace@example.COM"]
    for name in [*names, "grace@example.com"]:
        lockout.record_failure(name, "198.51.100.7")
    assert lockout.is_locked("Grace@example.com", "198.51.100.7")


def test_a_lock_lasts_fifteen_minutes_from_the_fifth_failure():
    start = timezone.now()
    for _ in range(5):
        lockout.record_failure("grace@example.com", "198.51.100.7", now=start)
    assert lockout.is_locked("grace@example.com", "198.51.100.7",
                             now=start + timedelta(minutes=15) - timedelta(seconds=1))
    assert not lockout.is_locked("grace@example.com", "198.51.100.7",
                                 now=start + timedelta(minutes=15))


def test_failures_while_locked_do_not_extend_the_lock():
    start = timezone.now()
    for _ in range(5):
        lockout.record_failure("grace@example.com", "198.51.100.7", now=start)
    lockout.record_failure("grace@example.com", "198.51.100.7", now=start + timedelta(minutes=10))
    assert not lockout.is_locked("grace@example.com", "198.51.100.7",
                                 now=start + timedelta(minutes=15))


def test_failures_far_apart_start_the_count_again():
    start = timezone.now()
    for day in range(4):
        lockout.record_failure("grace@example.com", "198.51.100.7", now=start + timedelta(days=day))
    later = start + timedelta(days=3, minutes=15)
    assert lockout.record_failure("grace@example.com", "198.51.100.7", now=later) is False
    assert LoginLock.objects.get().failures == 1


def test_clear_unlocks_the_pair():
    for _ in range(5):
        lockout.record_failure("grace@example.com", "198.51.100.7")
    lockout.clear("Grace@example.com", "198.51.100.7")
    assert not lockout.is_locked("grace@example.com", "198.51.100.7")


def test_clear_account_unlocks_the_name_from_every_address():
    for ip in ["198.51.100.7", "203.0.113.9"]:
        for _ in range(5):
            lockout.record_failure("grace@example.com", ip)
    lockout.record_failure("someone@example.com", "198.51.100.7")
    assert lockout.clear_account(["Grace@example.com"]) == 2
    assert list(LoginLock.objects.values_list("identifier", flat=True)) == ["someone@example.com"]


# --- signing in ---------------------------------------------------------------------------

def test_four_wrong_passwords_only_say_the_password_is_wrong(client, customer):
    assert sign_in_errors(fail(client, customer.email, 4)) == [MISMATCH]


def test_the_fifth_wrong_password_says_signing_in_is_paused(client, customer):
    assert sign_in_errors(fail(client, customer.email, 5)) == [LOCKED_MESSAGE]


def test_while_locked_the_right_password_is_refused_with_the_same_message(client, customer):
    fail(client, customer.email, 5)
    response = sign_in(client, customer.email, PASSWORD)
    assert response.status_code == 200
    assert sign_in_errors(response) == [LOCKED_MESSAGE]
    assert not is_signed_in(client)


def test_the_lock_holds_for_that_address_only(client, customer):
    fail(client, customer.email, 5, ip="198.51.100.7")
    response = sign_in(client, customer.email, PASSWORD, ip="203.0.113.9")
    assert response.status_code == 302
    assert is_signed_in(client)


def test_the_lock_ends_after_fifteen_minutes(client, customer, monkeypatch):
    fail(client, customer.email, 5)
    locked_at = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: locked_at + timedelta(minutes=14, seconds=59))
    assert sign_in_errors(sign_in(client, customer.email, PASSWORD)) == [LOCKED_MESSAGE]
    monkeypatch.setattr(timezone, "now", lambda: locked_at + timedelta(minutes=15, seconds=1))
    assert sign_in(client, customer.email, PASSWORD).status_code == 302
    assert is_signed_in(client)


def test_a_successful_sign_in_resets_the_count(client, customer):
    fail(client, customer.email, 4)
    assert sign_in(client, customer.email, PASSWORD).status_code == 302
    client.logout()
    fail(client, customer.email, 1)  # the fifth failure in all, but only the first since
    assert sign_in(client, customer.email, PASSWORD).status_code == 302


def test_the_right_password_alone_does_not_reset_the_count_before_a_second_factor(customer):
    add_app_device(customer)
    fail(Client(), customer.email, 4)
    assert sign_in(Client(), customer.email, PASSWORD).status_code == 302  # on to the code
    fail(Client(), customer.email, 1)
    assert lockout.is_locked(customer.email, "198.51.100.7")


def test_a_wrong_password_reads_the_same_whether_or_not_the_account_exists(client, customer):
    known = sign_in(client, customer.email, WRONG, ip="198.51.100.7")
    unknown = sign_in(client, "nobody@example.com", WRONG, ip="203.0.113.9")
    assert known.status_code == unknown.status_code == 200
    assert sign_in_errors(known) == sign_in_errors(unknown) == [MISMATCH]


def test_a_lock_reads_the_same_whether_or_not_the_account_exists(client, customer):
    fail(client, customer.email, 5, ip="198.51.100.7")
    fail(client, "nobody@example.com", 5, ip="203.0.113.9")
    known = sign_in(client, customer.email, PASSWORD, ip="198.51.100.7")
    unknown = sign_in(client, "nobody@example.com", PASSWORD, ip="203.0.113.9")
    assert known.status_code == unknown.status_code == 200
    assert sign_in_errors(known) == sign_in_errors(unknown) == [LOCKED_MESSAGE]


def test_a_malformed_sign_in_is_not_counted(client, customer):
    for _ in range(5):
        sign_in(client, customer.email, "")
    assert not LoginLock.objects.exists()


def test_a_password_reset_lifts_the_lock(client, customer):
    fail(client, customer.email, 5)
    reset_password(client, customer.email, "a brand new long password")
    assert sign_in(client, customer.email, "a brand new long password").status_code == 302


def test_a_connection_without_an_address_is_refused_cleanly(client, customer):
    response = sign_in(client, "grace@example.com", WRONG, ip="")
    assert response.status_code == 200
    assert MISMATCH in sign_in_errors(response)


def test_an_ipv6_client_cannot_escape_the_lock_by_rotating_within_its_64(client, customer):
    for n in range(5):
        sign_in(client, "grace@example.com", WRONG, ip=f"2001:db8:1:2::{n + 1}")
    response = sign_in(client, "grace@example.com", PASSWORD, ip="2001:db8:1:2::99")
    assert LOCKED_MESSAGE in sign_in_errors(response)
