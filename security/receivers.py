"""Signal receivers: what the security app does when someone signs in or resets a password.
Each hands over to the module that owns the rule."""

from allauth.account.models import EmailAddress
from allauth.account.signals import password_reset
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core.signals import request_started
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from security import audit, lockout, users
from security.twofactor import gate


@receiver(user_logged_in, dispatch_uid="security.staff_sign_in")
def record_staff_sign_in(sender, request, user, **kwargs) -> None:
    """Staff signing in is the first line of their trail (the second factor is recorded by
    the two-factor flow)."""
    if user.is_staff:
        audit.record(request, audit.STAFF_SIGN_IN, actor=user)


user_logged_in.connect(gate.note_sign_in, dispatch_uid="security.twofactor.sign_in")
# A user row kept for signed-in requests is forgotten as it changes.
post_save.connect(users.forget, sender=settings.AUTH_USER_MODEL,
                  dispatch_uid="security.users.saved")
post_delete.connect(users.forget, sender=settings.AUTH_USER_MODEL,
                    dispatch_uid="security.users.deleted")
# What a request's session read of its user is for that request alone.
request_started.connect(users.forget_read, dispatch_uid="security.users.request_started")


@receiver(password_reset, dispatch_uid="security.clear_lockouts_after_password_reset")
def clear_lockouts_after_password_reset(sender, request, user, **kwargs) -> None:
    """A completed password reset proves the account is its owner's: their email addresses
    are unlocked everywhere, so the new password works at once (allauth clears its own
    counters here too)."""
    emails = set(EmailAddress.objects.filter(user=user).values_list("email", flat=True))
    if user.email:
        emails.add(user.email)
    lockout.clear_account(emails)
