"""Managing staff: the owner invites by email with roles, the link works once for 72 hours
and leads to a password and then an authenticator app; roles change later; deactivating
signs a person out everywhere; nobody grants a role they do not hold; the last owner stays.
Each step is audited."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client
from django.urls import reverse

from dashboard import roles, staff
from dashboard.models import StaffInvitation
from security.models import AuditEntry
from shop.models import User
from tests.accounts import make_account
from tests.second_factor import sign_in_with_second_factor

pytestmark = pytest.mark.django_db
STAFF = reverse("dashboard:staff")


def member(email: str, *role_names: str) -> User:
    person = make_account(email, is_staff=True)
    person.groups.set(Group.objects.filter(name__in=role_names))
    return person


@pytest.fixture
def owner(client):
    person = member("owner@example.com", roles.OWNER)
    sign_in_with_second_factor(client, person)
    return person


def invite(client, email="new@example.com", *role_names, capture=None):
    with capture(execute=True):
        return client.post(STAFF, {"email": email, "roles": list(role_names)})


def link_in(message) -> str:
    return re.search(r"http://\S+/dashboard/invitation/\S+/", message.body).group()


def test_an_invited_person_sets_a_password_then_an_authenticator_app(
    client, owner, django_capture_on_commit_callbacks
):
    response = invite(client, "pat@example.com", roles.FULFILMENT,
                      capture=django_capture_on_commit_callbacks)
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["pat@example.com"] and "Fulfilment" in message.body
    path = link_in(message).removeprefix("http://127.0.0.1:8000")
    newcomer = Client()
    assert "Join the staff" in newcomer.get(path).text
    answer = newcomer.post(path, {"password1": "a long staff password 42",
                                  "password2": "a long staff password 42"})
    assert answer.status_code == 302
    # Nothing before the second factor: the dashboard sends them to set it up.
    gate = newcomer.get(answer["Location"])
    assert gate.status_code == 302 and gate["Location"].startswith("/accounts/2fa/setup/")
    pat = User.objects.get(email="pat@example.com")
    assert pat.is_staff and staff.roles_of(pat) == [roles.FULFILMENT]
    assert newcomer.get(path).status_code == 410  # once only
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"staff.invited", "staff.joined"} <= actions


def test_an_invitation_expires_after_72_hours(client, owner, django_capture_on_commit_callbacks):
    invite(client, "late@example.com", roles.SUPPORT, capture=django_capture_on_commit_callbacks)
    StaffInvitation.objects.update(created_at=StaffInvitation.objects.get().created_at
                                   - timedelta(hours=72, minutes=1))
    path = link_in(mail.outbox[0]).removeprefix("http://127.0.0.1:8000")
    response = Client().get(path)
    assert response.status_code == 410 and "has expired" in response.text


def test_a_link_tampered_with_is_refused(owner):
    invitation = staff.invite(owner, email="t@example.com", role_names=[roles.SUPPORT])
    token = staff.token_for(invitation)
    assert Client().get(reverse("dashboard:invitation", args=[token])).status_code == 200
    forged = token.replace(token.split(":")[0], str(invitation.pk + 1), 1)
    response = Client().get(reverse("dashboard:invitation", args=[forged]))
    assert response.status_code == 410 and "not valid" in response.text


def test_nobody_grants_a_role_they_do_not_hold(client, django_capture_on_commit_callbacks):
    # One who may manage staff but holds only Support cannot hand out Finance.
    person = member("lead@example.com", roles.SUPPORT)
    person.user_permissions.add(*Group.objects.get(name=roles.OWNER).permissions.filter(
        codename="manage_staff"))
    sign_in_with_second_factor(client, person)
    page = client.get(STAFF).text
    assert 'value="Support"' in page and 'value="Finance"' not in page
    response = invite(client, "x@example.com", roles.FINANCE,
                      capture=django_capture_on_commit_callbacks)
    assert response.status_code == 200 and not StaffInvitation.objects.exists()
    with pytest.raises(staff.StaffError, match="only give roles you hold"):
        staff.change_roles(person, member("y@example.com"), [roles.FINANCE])


def test_roles_change_and_are_audited(client, owner):
    pat = member("pat@example.com", roles.SUPPORT)
    response = client.post(reverse("dashboard:staff-member", args=[pat.pk]),
                           {"roles": [roles.SUPPORT, roles.FINANCE]})
    assert response.status_code == 302
    assert staff.roles_of(pat) == [roles.SUPPORT, roles.FINANCE]
    entry = AuditEntry.objects.get(action="staff.roles_changed")
    assert entry.details["roles"] == {"old": ["Support"], "new": ["Finance", "Support"]}


def test_the_last_owner_can_be_neither_demoted_nor_deactivated(client, owner):
    response = client.post(reverse("dashboard:staff-member", args=[owner.pk]),
                           {"roles": [roles.MANAGER]})
    assert "last owner" in response.text and staff.roles_of(owner) == [roles.OWNER]
    client.post(reverse("dashboard:staff-deactivate", args=[owner.pk]))
    owner.refresh_from_db()
    assert owner.is_active
    second = member("second@example.com", roles.OWNER)
    client.post(reverse("dashboard:staff-deactivate", args=[second.pk]))
    second.refresh_from_db()
    assert not second.is_active


def test_deactivating_signs_a_person_out_everywhere_and_keeps_their_history(client, owner):
    pat = member("pat@example.com", roles.FULFILMENT)
    theirs = Client()
    sign_in_with_second_factor(theirs, pat)
    assert theirs.get(reverse("dashboard:home")).status_code == 200
    AuditEntry.objects.create(actor=pat, action="order.shipped")

    client.post(reverse("dashboard:staff-deactivate", args=[pat.pk]))

    response = theirs.get(reverse("dashboard:home"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert AuditEntry.objects.filter(actor=pat, action="order.shipped").exists()
    assert AuditEntry.objects.filter(action="staff.deactivated").exists()


@pytest.mark.parametrize("role", [r for r in roles.ROLES if r != roles.OWNER])
def test_only_those_who_manage_staff_reach_the_staff_pages(client, role):
    person = member(f"{role.lower()}@example.com", role)
    sign_in_with_second_factor(client, person)
    assert client.get(STAFF).status_code == 403
    assert client.post(STAFF, {"email": "z@example.com", "roles": [role]}).status_code == 403
    assert client.post(reverse("dashboard:staff-deactivate", args=[person.pk])).status_code == 403
    assert not StaffInvitation.objects.exists()


def test_a_customer_invited_joins_with_their_own_account_and_exactly_the_roles_given(owner):
    customer = make_account("cy@example.com")
    old = member("old@example.com", roles.FINANCE)
    for person, role in ((customer, roles.SUPPORT), (old, roles.CATALOGUE)):
        if person is old:
            staff.deactivate(owner, old)
        invitation = staff.invite(owner, email=person.email, role_names=[role])
        joined = staff.accept(staff.token_for(invitation), password="a long staff password 42")
        assert joined.pk == person.pk and joined.is_staff and joined.is_active
        assert staff.roles_of(joined) == [role]
        with pytest.raises(staff.StaffError, match="used already"):
            staff.accept(staff.token_for(invitation), password="a long staff password 42")


def test_an_old_invitation_cannot_bring_back_roles_taken_since(owner):
    first = staff.invite(owner, email="pat@example.com", role_names=[roles.FINANCE])
    spare = staff.invite(owner, email="pat@example.com", role_names=[roles.FINANCE])
    pat = staff.accept(staff.token_for(first), password="a long staff password 42")
    staff.change_roles(owner, pat, [roles.SUPPORT])
    with pytest.raises(staff.StaffError, match="used already"):
        staff.accept(staff.token_for(spare), password="a long staff password 42")
    assert staff.roles_of(pat) == [roles.SUPPORT]


def test_a_person_rejoining_has_no_other_powers_than_the_invitations(owner):
    old = member("old@example.com", roles.FINANCE)
    old.is_superuser = True
    old.save()
    User.objects.filter(pk=old.pk).update(is_active=False)
    invitation = staff.invite(owner, email="old@example.com", role_names=[roles.SUPPORT])
    back = staff.accept(staff.token_for(invitation), password="a long staff password 42")
    assert not back.is_superuser and staff.roles_of(back) == [roles.SUPPORT]


def test_nobody_deactivates_themselves_or_one_who_may_do_more(client, owner):
    with pytest.raises(staff.StaffError, match="cannot deactivate yourself"):
        staff.deactivate(owner, owner)
    root = member("root@example.com")
    root.is_superuser = True
    root.save()
    with pytest.raises(staff.StaffError, match="only another such account"):
        staff.deactivate(owner, root)
    lead = member("lead@example.com", roles.SUPPORT)
    with pytest.raises(staff.StaffError, match="only give roles you hold"):
        staff.deactivate(lead, member("fin@example.com", roles.FINANCE))


def test_a_superuser_counts_as_an_owner_for_the_last_owner_rule(owner):
    root = member("root@example.com")
    root.is_superuser = True
    root.save()
    staff.change_roles(root, owner, [roles.MANAGER])  # the superuser is still there
    assert staff.roles_of(owner) == [roles.MANAGER]
    with pytest.raises(staff.StaffError, match="cannot deactivate yourself"):
        staff.deactivate(root, root)

