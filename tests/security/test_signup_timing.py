"""Signing up with an email that already has an account takes as long as with a new one, so
the time of the answer does not tell which emails are customers' (the page and the redirect
already do not). Timed with Argon2, the production password hasher: the new account's hash is
the slowest step, so a path that skipped it would stand out. With the test suite's MD5 it would
not.

The two paths are not identical past the hash: allauth sends a different email for each and
files a new account's confirmation, a few milliseconds apart. So the test asks what matters,
that the difference stays well below one hash, rather than that the two times are equal."""

import statistics
import time

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, make_password
from django.core import mail
from django.test import Client

from shop.models import User
from tests.accounts import make_account

TRIES = 30
PASSWORD = "plum-tartan-harbour-1987"  # passes every password validator


class QuickArgon2PasswordHasher(Argon2PasswordHasher):
    """Production's Argon2 with a sixth of its memory and one lane, a few times quicker, so
    62 sign-ups fit in a few seconds. The test asks whether both paths pay for a hash, which
    any cost well above the gap between the two flows shows; a sign-up with production's cost
    was measured the same way."""

    memory_cost = 16 * 1024
    parallelism = 1


def hash_time() -> float:
    """Seconds one password hash takes with the configured hasher, the median of five."""
    times = []
    for _ in range(5):
        started = time.perf_counter()
        make_password(PASSWORD)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def lower_quartile(times: list[float]) -> float:
    """The time a quarter of the runs beat: steady on a busy machine, where another process's
    burst makes some sign-ups slow at random and a median can move with them."""
    return statistics.quantiles(times, n=4)[0]


def sign_up(email: str) -> float:
    """Seconds the sign-up POST took, from a browser of its own (a fresh session)."""
    client = Client()
    data = {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    started = time.perf_counter()
    response = client.post("/accounts/signup/", data)
    elapsed = time.perf_counter() - started
    assert response.status_code == 302, response.content[:500]
    return elapsed


@pytest.mark.django_db
def test_signing_up_takes_as_long_whether_or_not_the_email_has_an_account(settings):
    # The accounts are made with the test suite's quick hasher; only the sign-ups are timed.
    registered = [make_account(f"known{n}@example.com").email for n in range(TRIES + 1)]
    settings.PASSWORD_HASHERS = [f"{__name__}.QuickArgon2PasswordHasher"]
    settings.RATELIMIT_ENABLE = False
    sign_up(registered.pop())  # warm up: templates, the common-password list, connections
    sign_up("warm-up@example.com")

    known, new = [], []
    # Interleaved, so whatever else the machine is doing slows both kinds alike.
    for n, email in enumerate(registered):
        known.append(sign_up(email))
        new.append(sign_up(f"new{n}@example.com"))

    one_hash = hash_time()
    known_time, new_time = lower_quartile(known), lower_quartile(new)
    # A path without the hash would be a whole hash quicker; half of one is the line.
    assert abs(known_time - new_time) < one_hash / 2, (
        f"sign-up: {known_time * 1000:.0f} ms with a registered email, "
        f"{new_time * 1000:.0f} ms with a new one; one hash takes {one_hash * 1000:.0f} ms"
    )
    # Both kinds were real sign-ups that each sent their email; the registered emails' made
    # no account (what they rehearse is rolled back).
    assert len(mail.outbox) == 2 * TRIES + 2
    assert User.objects.count() == (TRIES + 1) + (TRIES + 1)
