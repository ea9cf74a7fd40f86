"""The shop's user: a customer or a staff member, who signs in with an email address."""

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.db.models.functions import Lower

# Closed accounts, and the orders they placed, carry `deleted-<id>@invalid` in place of an
# email address: "invalid" is reserved (RFC 2606), no mail is ever delivered there.
PSEUDONYM_DOMAIN = "invalid"


def is_pseudonym(email: str) -> bool:
    """Whether `email` stands in for an erased one (no email goes out to it)."""
    return email.lower().endswith(f"@{PSEUDONYM_DOMAIN}")


class UserManager(DjangoUserManager):
    def _create_user(self, email: str, password: str | None, **extra_fields: object) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(
        self, email: str, password: str | None = None, **extra_fields: object
    ) -> "User":
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(
        self, email: str, password: str | None = None, **extra_fields: object
    ) -> "User":
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    username = None
    email = models.EmailField("email address", unique=True)
    # Set when the account was closed and its personal data erased (shop.services.erasure):
    # the row stays, under a pseudonym, for the orders and reviews that point at it.
    erased_at = models.DateTimeField("erased", null=True, blank=True, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]
        permissions = [("erase_user", "Can erase a customer's personal data on request")]

    def __str__(self) -> str:
        return self.email

    @property
    def display_name(self) -> str:
        """How reviews name their author: the first name, never the email address."""
        if self.erased_at is not None:
            return "A deleted customer"
        return self.first_name or "A customer"
