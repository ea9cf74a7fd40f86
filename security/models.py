"""Security records: backup codes (hashed), sign-in failures and lockouts, the audit log.

This app imports no domain app: it knows users (the auth user model) and nothing of shops.
"""

from django.conf import settings
from django.db import models
from django_otp.models import Device


class BackupCodeDevice(Device):
    """A user's set of single-use backup codes, a django-otp device like the TOTP one. The
    codes are stored only as keyed hashes, never as they were shown."""

    class Meta:
        verbose_name = "backup codes"
        verbose_name_plural = "backup codes"


class BackupCode(models.Model):
    device = models.ForeignKey(BackupCodeDevice, related_name="codes", on_delete=models.CASCADE)
    digest = models.CharField(max_length=128, unique=True)

    def __str__(self) -> str:
        return f"backup code {self.pk}"


class LoginLock(models.Model):
    """Failed sign-ins (password or code) for one account name from one address. Five in a
    row lock that pair for a while; the name is kept as typed, whether or not such an
    account exists, so a lock says nothing about who has an account."""

    identifier = models.CharField("account", max_length=254)
    ip = models.GenericIPAddressField("address")
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["identifier", "ip"], name="login_lock_unique"),
        ]
        ordering = ["-last_failure_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.identifier} from {self.ip}"


class AuditEntry(models.Model):
    """Who did what, when, from where, to which object. Written once, never changed."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # No database constraint and nothing done on delete: removing an account must not
    # rewrite the log. actor_label keeps who it was.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+",
        on_delete=models.DO_NOTHING, db_constraint=False,
    )
    # Kept as text too, so the log still says who it was after the account is gone.
    actor_label = models.CharField("who", max_length=254, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_label = models.CharField("object", max_length=200, blank=True)
    ip = models.GenericIPAddressField("address", null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"
