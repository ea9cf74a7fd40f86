"""The demo's staff accounts, so that a newcomer running `make run` can open the dashboard:
one that may do everything, and one per staff role (dashboard.roles), to see the difference.

Owns ensure_demo_staff and ROLE_ACCOUNTS. For the demo only: with settings.DEMO_ACCOUNTS,
which only the dev settings turn on. Each account's email address is verified and it has no
second factor yet: its first visit to /dashboard/ or /admin/ sends it to set up an
authenticator app, as it does any staff member.
"""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction

from dashboard import roles
from shop.models import User

EMAIL = "staff@example.com"
PASSWORD = "northwind-demo-staff"  # noqa: S105 - printed for the demo; dev settings only
# One account per role, holding that role only, with the same password.
ROLE_ACCOUNTS = {role: f"{role.lower()}@example.com" for role in roles.ROLES}


class NotTheDemo(Exception):
    """The demo staff account was asked for outside the demo."""


@transaction.atomic
def ensure_demo_staff() -> bool:
    """Make the demo staff account (staff and superuser, so the admin and every report are
    open to it) unless an account with its email exists; True when it was made. An existing
    account is left exactly as it is."""
    if not settings.DEMO_ACCOUNTS:
        raise NotTheDemo(
            "The demo staff account has a published password: it is made only under the "
            "demo's settings (config.settings.dev, DEMO_ACCOUNTS on), never in production "
            "even with DEBUG on. Use `manage.py createsuperuser` for a real shop."
        )
    for role, email in ROLE_ACCOUNTS.items():
        if not User.objects.filter(email__iexact=email).exists():
            person = User.objects.create_user(email, PASSWORD, first_name=role,
                                              last_name="Demo", is_staff=True)
            person.groups.set(Group.objects.filter(name=role))
            EmailAddress.objects.create(user=person, email=email, verified=True, primary=True)
    if User.objects.filter(email__iexact=EMAIL).exists():
        return False
    user = User.objects.create_superuser(EMAIL, PASSWORD, first_name="Demo", last_name="Staff")
    EmailAddress.objects.create(user=user, email=EMAIL, verified=True, primary=True)
    return True
