"""The staff activity log: filtered by who, what and the day, paged in place."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from security import audit
from security.models import AuditEntry
from tests.accounts import make_account
from tests.second_factor import sign_in_clerk

pytestmark = pytest.mark.django_db

URL = reverse("dashboard:activity")


def entry(actor, action: str, at: datetime | None = None, **details) -> AuditEntry:
    found = audit.record(None, action, actor=actor, **details)
    if at is not None:
        AuditEntry.objects.filter(pk=found.pk).update(created_at=at)
    return found


@pytest.fixture
def other_staff(db):
    return make_account("kim@example.com", is_staff=True)


def shown(response) -> list[str]:
    return [f"{e.actor_label} {e.action}" for e in response.context["entries"]]


def test_the_log_lists_entries_newest_first(staff_client, staff, other_staff):
    entry(staff, "refund", datetime(2025, 3, 1, 12, tzinfo=UTC), amount="5.00")
    entry(other_staff, "export", datetime(2025, 3, 2, 12, tzinfo=UTC))
    response = staff_client.get(URL)
    assert response.status_code == 200
    logged = [line for line in shown(response) if not line.endswith("staff.sign_in")]
    assert logged == ["kim@example.com export", "staff@example.com refund"]
    assert "amount: 5.00" in response.text


def test_a_detail_named_like_a_dict_method_is_shown_as_any_other(staff_client, staff):
    entry(staff, "stock.counted", items=3, keys="all", note="shelf B")
    response = staff_client.get(URL)
    assert response.status_code == 200
    assert "items: 3; keys: all; note: shelf B" in response.text


def test_filters_by_staff_member_action_and_day(staff_client, staff, other_staff, settings):
    settings.TIME_ZONE = "America/New_York"
    entry(staff, "refund", datetime(2025, 3, 2, 3, tzinfo=UTC))  # 22:00 on the 1st there
    entry(staff, "refund", datetime(2025, 3, 2, 15, tzinfo=UTC))
    entry(staff, "export", datetime(2025, 3, 2, 16, tzinfo=UTC))
    entry(other_staff, "refund", datetime(2025, 3, 2, 17, tzinfo=UTC))
    response = staff_client.get(URL, {"actor": staff.pk, "action": "refund", "day": "2025-03-02"})
    assert [e.created_at for e in response.context["entries"]] == [
        datetime(2025, 3, 2, 15, tzinfo=UTC)
    ]
    assert len(shown(staff_client.get(URL, {"actor": other_staff.pk}))) == 1


def test_the_filters_offer_staff_and_the_actions_logged(staff_client, staff, other_staff):
    entry(other_staff, "variant.changed")
    form = staff_client.get(URL).context["form"]
    assert {user.email for user in form.fields["actor"].queryset} == {
        "staff@example.com", "kim@example.com"
    }
    assert ("variant.changed", "variant.changed") in form.fields["action"].choices


def test_a_bad_filter_is_explained_and_everything_shown(staff_client, staff):
    entry(staff, "refund")
    response = staff_client.get(URL, {"day": "someday", "action": "nothing-like-it"})
    assert response.status_code == 200
    assert "Enter a valid date." in response.text
    assert "Select a valid choice." in response.text
    assert "staff@example.com refund" in shown(response)


def test_pages_of_25_are_fetched_in_place(staff_client, staff):
    for n in range(30):
        entry(staff, "export", n=n)
    first = staff_client.get(URL)
    assert len(first.context["entries"]) == 25
    assert "page 1 of 2" in first.text
    second = staff_client.get(URL, {"page": 2, "action": "export"},
                              HTTP_HX_REQUEST="true", HTTP_HX_TARGET="activity-log")
    assert second.text.lstrip().startswith('<section id="activity-log"')
    assert len(second.context["entries"]) == 5
    assert second["HX-Push-Url"] == f"{URL}?action=export&page=2"
    assert "Newer entries" in second.text


def test_the_log_needs_a_fixed_number_of_queries(staff_client, staff,
                                                 django_assert_max_num_queries):
    for n in range(30):
        entry(staff, "export", n=n)
    # signed in (3); staff members, actions, the count and the page
    with django_assert_max_num_queries(7):
        staff_client.get(URL)


def test_staff_who_may_not_read_the_audit_log_are_refused_and_not_shown_the_link(client):
    sign_in_clerk(client)
    response = client.get(URL)
    assert response.status_code == 403
    assert "Can view audit entry" in response.text
    page = client.get(reverse("dashboard:home"))
    assert page.status_code == 200
    assert f'href="{URL}"' not in page.text


def test_staff_who_may_read_the_audit_log_see_it_and_its_link(client, staff):
    entry(staff, "refund", amount="5.00")
    sign_in_clerk(client, "security.view_auditentry")
    response = client.get(URL)
    assert response.status_code == 200
    assert "staff@example.com refund" in shown(response)
    assert f'href="{URL}"' in client.get(reverse("dashboard:home")).text
