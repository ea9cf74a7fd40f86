"""`manage.py demo_staff`: the demo's staff account (see dashboard.demo.staff), and how to
sign in with it."""

from django.core.management.base import BaseCommand, CommandError

from dashboard.demo.staff import EMAIL, PASSWORD, ROLE_ACCOUNTS, NotTheDemo, ensure_demo_staff


class Command(BaseCommand):
    help = (
        "Make the demo's staff account (dev settings only) unless it exists, and print its "
        "sign-in. Its first visit to the dashboard sets up two-factor authentication."
    )

    def handle(self, *args: object, **options: object) -> None:
        try:
            created = ensure_demo_staff()
        except NotTheDemo as error:
            raise CommandError(str(error)) from None
        state = "made" if created else "already there"
        self.stdout.write(
            f"Demo staff account ({state}): {EMAIL} with the password {PASSWORD}\n"
            "  Its first visit to /dashboard/ sets up two-factor authentication: have an "
            "authenticator app at hand."
        )
        self.stdout.write("One account per staff role, each seeing only what its role allows "
                          "(same password):")
        for role, email in ROLE_ACCOUNTS.items():
            self.stdout.write(f"  {role:<11} {email}")
