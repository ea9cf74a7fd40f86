"""`manage.py demo_staff`: the demo's staff accounts (see dashboard.demo.staff) and its
sellers' people (dashboard.demo.sellers), and how to sign in with them."""

from django.core.management.base import BaseCommand, CommandError

from dashboard.demo.sellers import SellerAccounts, ensure_demo_sellers
from dashboard.demo.staff import EMAIL, PASSWORD, ROLE_ACCOUNTS, NotTheDemo, ensure_demo_staff


class Command(BaseCommand):
    help = (
        "Make the demo's staff accounts and its sellers' owners (dev settings only) unless "
        "they exist, and print their sign-ins. Their first visit to the dashboard or the "
        "seller portal sets up two-factor authentication."
    )

    def handle(self, *args: object, **options: object) -> None:
        try:
            created = ensure_demo_staff()
            sellers = ensure_demo_sellers()
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
        self._sellers(sellers)

    def _sellers(self, sellers: SellerAccounts) -> None:
        if sellers.shown is None:
            self.stdout.write("No demo sellers yet: `manage.py load_demo` adds them.")
        else:
            shop, email = sellers.shown
            self.stdout.write(
                f"Demo seller account ({shop}'s owner): {email} with the password {PASSWORD}\n"
                "  Its first visit to /sell/ sets up two-factor authentication, as staff's "
                "does: have an authenticator app at hand."
            )
            self.stdout.write("The owner of each demo seller (same password):")
            for name, owner in sellers.owners:
                self.stdout.write(f"  {name:<20} {owner}")
        shop, applicant = sellers.application
        self.stdout.write(f"An application to sell, waiting for staff to decide: {shop}, by "
                          f"{applicant} (same password).")
