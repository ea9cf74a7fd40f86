"""Staff read the audit log in the admin, searched and filtered; nobody, superusers
included, can add, change or delete an entry there."""

import datetime
import re

import pytest
from django.contrib import admin
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from security import audit
from security.models import AuditEntry

pytestmark = pytest.mark.django_db
CHANGELIST = "admin:security_auditentry_changelist"


@pytest.fixture
def entry(staff):
    return AuditEntry.objects.create(
        actor=staff, actor_label=staff.email, action=audit.EXPORT,
        object_label="sales report", ip="203.0.113.9", details={"rows": 3},
    )


def listed(response) -> list[str]:
    return [entry.action for entry in response.context["cl"].result_list]


def test_staff_see_the_entries(staff_client, entry):
    response = staff_client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    for shown in ["staff@example.com", "export", "sales report", "203.0.113.9"]:
        assert shown in response.text


def test_entries_are_filtered_by_action(staff_client, entry):
    AuditEntry.objects.create(actor_label="ada@example.com", action=audit.REFUND)
    response = staff_client.get(reverse(CHANGELIST), {"action": audit.REFUND})
    assert listed(response) == ["refund"]


def test_entries_are_filtered_by_date(staff_client, entry):
    AuditEntry.objects.create(actor_label="old@example.com", action="old.thing")
    AuditEntry.objects.filter(action="old.thing").update(
        created_at=datetime.datetime(2025, 1, 5, tzinfo=datetime.UTC)
    )
    page = staff_client.get(reverse(CHANGELIST))
    assert "created at" in {spec.title for spec in page.context["cl"].filter_specs}
    response = staff_client.get(reverse(CHANGELIST), {"created_at__year": "2025"})
    assert listed(response) == ["old.thing"]


def test_entries_are_searched_by_actor(staff_client, entry):
    AuditEntry.objects.create(actor_label="ada@example.com", action=audit.REFUND)
    response = staff_client.get(reverse(CHANGELIST), {"q": "ada@"})
    assert listed(response) == ["refund"]


def test_entries_are_searched_by_object(staff_client, entry):
    AuditEntry.objects.create(object_label="Order NW-1234", action=audit.REFUND)
    response = staff_client.get(reverse(CHANGELIST), {"q": "NW-1234"})
    assert listed(response) == ["refund"]


def test_the_list_offers_no_actions(staff_client, entry):
    response = staff_client.get(reverse(CHANGELIST))
    assert 'name="action"' not in response.text
    assert "action-checkbox" not in response.text


def test_an_entry_is_shown_without_anything_to_edit_or_delete(staff_client, entry):
    response = staff_client.get(reverse("admin:security_auditentry_change", args=[entry.pk]))
    assert response.status_code == 200
    assert "sales report" in response.text
    assert 'name="_save"' not in response.text
    assert "deletelink" not in response.text
    form = response.text.split('id="auditentry_form"')[1].split("</form>")[0]
    assert re.findall(r'<(?:input(?![^>]*type="hidden")|textarea|select)\b', form) == []


def test_adding_an_entry_is_forbidden_to_a_superuser(staff_client):
    response = staff_client.post(reverse("admin:security_auditentry_add"), {
        "action": "forged", "actor_label": "someone@example.com",
    })
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="forged").exists()


def test_changing_an_entry_is_forbidden_to_a_superuser(staff_client, entry):
    url = reverse("admin:security_auditentry_change", args=[entry.pk])
    response = staff_client.post(url, {"action": "forged", "actor_label": "x@example.com"})
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.action == audit.EXPORT


def test_deleting_an_entry_is_forbidden_to_a_superuser(staff_client, entry):
    url = reverse("admin:security_auditentry_delete", args=[entry.pk])
    assert staff_client.get(url).status_code == 403
    assert staff_client.post(url, {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_bulk_deleting_entries_is_not_offered(staff_client, entry):
    staff_client.post(reverse(CHANGELIST), {
        "action": "delete_selected", "_selected_action": [entry.pk], "post": "yes",
    })
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_two_factor_devices_cannot_be_edited_in_the_admin():
    assert not admin.site.is_registered(TOTPDevice)
