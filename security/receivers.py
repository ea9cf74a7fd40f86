"""Signal receivers that keep the lockout in step with allauth's account flows."""

from allauth.account.models import EmailAddress

from security import lockout


def clear_lockouts_after_password_reset(sender, request, user, **kwargs) -> None:
    """A completed password reset proves the account is its owner's: their email addresses
    are unlocked everywhere, so the new password works at once (allauth clears its own
    counters here too)."""
    emails = set(EmailAddress.objects.filter(user=user).values_list("email", flat=True))
    if user.email:
        emails.add(user.email)
    lockout.clear_account(emails)
