"""Managing the staff: inviting people with roles, changing a person's roles, deactivating
them, and an invitation accepted. For those who may manage staff (dashboard.manage_staff).

Nobody grants a role whose permissions they do not all hold; the shop always keeps an
active owner, so the last one can be neither demoted nor deactivated. An invitation's link
is signed, works once and for INVITATION_HOURS; accepting it sets a password, and the staff
gate then asks for an authenticator app before anything else. Deactivating a person ends
their sessions at once (an inactive account is signed out on its next request) and keeps
their audit history. Each step writes an audit entry.
"""

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from dashboard import roles
from dashboard.models import StaffInvitation
from security import audit
from shop.models import User

INVITATION_HOURS = 72
MANAGE_STAFF = "dashboard.manage_staff"
SALT = "dashboard.staff-invitation"


class StaffError(Exception):
    """What was asked cannot be done; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def grantable(actor: User) -> list[str]:
    """The roles `actor` may give, in the table's order: those whose every permission they
    hold themselves (an owner holds them all), so nobody gives more than they have."""
    held = actor.get_all_permissions()
    groups = Group.objects.filter(name__in=roles.ROLES).prefetch_related(
        "permissions__content_type")
    needs = {
        group.name: {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        for group in groups
    }
    return [role for role in roles.ROLES
            if actor.is_superuser or (role in needs and needs[role] <= held)]


def roles_of(person: User) -> list[str]:
    held = {group.name for group in person.groups.all()}
    return [role for role in roles.ROLES if role in held]


def staff() -> list[User]:
    return list(User.objects.filter(is_staff=True, is_active=True)
                .prefetch_related("groups").order_by("email"))


@transaction.atomic
def invite(actor: User, *, email: str, role_names: list[str], request=None) -> StaffInvitation:
    """Invite `email` with these roles and email them the link. Raises StaffError."""
    email = email.strip().lower()
    _may_grant(actor, set(role_names))
    if not role_names:
        raise StaffError("Choose at least one role.")
    if User.objects.filter(email__iexact=email, is_staff=True, is_active=True).exists():
        raise StaffError(f"{email} is on the staff already: change their roles instead.")
    invitation = StaffInvitation.objects.create(email=email, invited_by=actor)
    invitation.roles.set(Group.objects.filter(name__in=role_names))
    audit.record(request, "staff.invited", invitation, actor=actor, email=email,
                 roles=sorted(role_names))
    link = settings.SITE_URL + reverse("dashboard:invitation", args=[token_for(invitation)])
    transaction.on_commit(lambda: send_mail(
        f"[{settings.STORE_NAME}] You are invited to join the staff",
        f"{actor.email} invites you to the staff of {settings.STORE_NAME} as "
        f"{', '.join(role_names)}.\n\nSet your password here (the link works once, for "
        f"{INVITATION_HOURS} hours): {link}\n\nYou will then set up an authenticator app.",
        None, [email],
    ))
    return invitation


def token_for(invitation: StaffInvitation) -> str:
    return signing.dumps(invitation.pk, salt=SALT)


def invitation_for(token: str) -> StaffInvitation:
    """The open invitation the link names. Raises StaffError for a link tampered with,
    used already or expired."""
    try:
        pk = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise StaffError("This invitation link is not valid: check it is the whole link "
                         "from the email.") from None
    invitation = StaffInvitation.objects.filter(pk=pk).first()
    if invitation is None or invitation.accepted_at is not None:
        raise StaffError("This invitation has been used already: sign in instead.")
    if timezone.now() - invitation.created_at > timedelta(hours=INVITATION_HOURS):
        raise StaffError(f"This invitation has expired (after {INVITATION_HOURS} hours): ask "
                         "for a new one.")
    return invitation


@transaction.atomic
def accept(token: str, *, password: str, request=None) -> User:
    """Join the staff through the invitation: an account with its email is made (or the
    one there is made staff again), with exactly the invitation's roles and this password.
    Raises StaffError."""
    invitation = invitation_for(token)
    # Locked, then looked at again: the same link opened twice at once joins once.
    invitation = StaffInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise StaffError("This invitation has been used already: sign in instead.")
    inviter = invitation.invited_by
    if inviter is None or not inviter.is_active or not inviter.has_perm(MANAGE_STAFF):
        raise StaffError("Whoever sent this invitation may no longer invite staff: ask an "
                         "owner of the shop for a new one.")
    _may_grant(inviter, {group.name for group in invitation.roles.all()})
    person = User.objects.filter(email__iexact=invitation.email).first()
    if person is not None and person.is_staff and person.is_active:
        raise StaffError("You are on the staff already: sign in instead.")
    if person is None:
        person = User.objects.create_user(invitation.email, password)
    else:
        person.set_password(password)
    # One who was on the staff before starts afresh: only the invitation's roles.
    person.is_staff, person.is_active, person.is_superuser = True, True, False
    person.save()
    person.user_permissions.clear()
    person.groups.set(invitation.roles.all())
    EmailAddress.objects.update_or_create(
        user=person, email=person.email, defaults={"verified": True, "primary": True})
    # This one is used; any other open for the address can no longer be.
    StaffInvitation.objects.filter(email__iexact=invitation.email, accepted_at__isnull=True) \
        .update(accepted_at=timezone.now())
    audit.record(request, "staff.joined", person, actor=person, invitation=invitation.pk,
                 roles=roles_of(person))
    return person


@transaction.atomic
def change_roles(actor: User, person: User, role_names: list[str], *, request=None) -> None:
    """Give `person` exactly these roles. Raises StaffError."""
    before, after = set(roles_of(person)), set(role_names)
    _may_act_on(actor, person)
    _may_grant(actor, after - before)
    if roles.OWNER in before - after:
        _not_the_last_owner(person, "demoted")
    _close_invitations(person)
    person.groups.remove(*Group.objects.filter(name__in=before - after))
    person.groups.add(*Group.objects.filter(name__in=after - before))
    audit.record(request, "staff.roles_changed", person, actor=actor,
                 roles={"old": sorted(before), "new": sorted(after)})


@transaction.atomic
def deactivate(actor: User, person: User, *, request=None) -> None:
    """Take `person` off the staff: signed out everywhere at once, their history kept.
    Raises StaffError."""
    if person.pk == actor.pk:
        raise StaffError("You cannot deactivate yourself: ask another owner.")
    _may_act_on(actor, person)
    if roles.OWNER in roles_of(person) or person.is_superuser:
        _not_the_last_owner(person, "deactivated")
    User.objects.filter(pk=person.pk).update(is_active=False)
    _close_invitations(person)
    audit.record(request, "staff.deactivated", person, actor=actor)


def _may_grant(actor: User, role_names: set[str]) -> None:
    refused = sorted(role_names - set(grantable(actor)))
    if refused:
        raise StaffError(f"You can only give roles you hold yourself, not {', '.join(refused)}.")


def _may_act_on(actor: User, person: User) -> None:
    """Only one who could have given a person all their roles changes or deactivates them
    (a superuser only by another)."""
    if person.is_superuser and not actor.is_superuser:
        raise StaffError(f"{person.email} may do everything: only another such account may "
                         "change them.")
    _may_grant(actor, set(roles_of(person)))


def _close_invitations(person: User) -> None:
    """Open invitations for the person's address can no longer bring back other roles."""
    StaffInvitation.objects.filter(email__iexact=person.email, accepted_at__isnull=True) \
        .update(accepted_at=timezone.now())


def _not_the_last_owner(person: User, what: str) -> None:
    # Locked: two owners taking each other off at once cannot both succeed.
    owners = list(User.objects.select_for_update(of=("self",)).filter(
        Q(groups__name=roles.OWNER) | Q(is_superuser=True), is_active=True, is_staff=True,
    ).exclude(pk=person.pk).values_list("pk", flat=True))
    if not owners:
        raise StaffError(f"{person.email} is the shop's last owner and cannot be {what}: make "
                         "someone else an owner first.")
