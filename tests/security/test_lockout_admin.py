"""Staff see sign-in lockouts in the admin and clear them."""

import pytest
from django.urls import reverse

from security import lockout
from security.models import LoginLock

pytestmark = pytest.mark.django_db


@pytest.fixture
def locked():
    for _ in range(5):
        lockout.record_failure("grace@example.com", "198.51.100.7")
    return LoginLock.objects.get()


def test_staff_see_who_is_locked_out(staff_client, locked):
    response = staff_client.get(reverse("admin:security_loginlock_changelist"))
    assert response.status_code == 200
    assert "grace@example.com" in response.text
    assert "198.51.100.7" in response.text


def test_staff_clear_a_lockout(staff_client, locked):
    response = staff_client.post(reverse("admin:security_loginlock_changelist"), {
        "action": "clear_lockouts", "_selected_action": [locked.pk],
    })
    assert response.status_code == 302
    assert not lockout.is_locked("grace@example.com", "198.51.100.7")
    assert not LoginLock.objects.exists()
