"""The audit log: who did what to which object, when and from where.

Staff actions that change money, stock or orders, or take data out of the shop, call
`record` once each, after the change succeeded, or make the change inside `audited` when
the change and its entry must be kept together or not at all. Entries are never changed or
deleted (the admin shows them read-only).
"""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import models, transaction
from django.http import HttpRequest

from security.models import AuditEntry
from security.net import UNKNOWN, client_ip

# Actions other parts of the shop record: signing in (here), exports (the dashboard),
# refunds (payments). The admin's own are named where it records them ("order.shipped",
# "variant.changed", …).
STAFF_SIGN_IN = "staff.sign_in"
EXPORT = "export"
REFUND = "refund"


def record(
    request: HttpRequest | None, action: str, obj: models.Model | None = None, *,
    actor=None, **details,
) -> AuditEntry:
    """Write one entry. The actor is `actor`, else whoever is signed in to `request`;
    `details` are stored as JSON, with decimals, dates and ids as text."""
    if actor is None:
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
    return AuditEntry.objects.create(
        actor=actor,
        actor_label=getattr(actor, "email", "") or (actor.get_username() if actor else ""),
        action=action,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_label=str(obj)[:200] if obj is not None else "",
        ip=_known(client_ip(request)) if request is not None else None,
        details=_json_safe(details),
    )


@contextmanager
def audited(
    request: HttpRequest | None, action: str, obj: models.Model | None = None, **details: Any
) -> Iterator[dict[str, Any]]:
    """Make a change and write its entry in one transaction: the change runs inside the
    block, round the service's own transaction, and the entry is written when it succeeds.
    Details known only once the change is made (an amount, a new status) go in the dict
    this yields. An exception inside (a change refused) rolls the change back, writes no
    entry and propagates."""
    with transaction.atomic():
        learned: dict[str, Any] = {}
        yield learned
        record(request, action, obj, **details, **learned)


def _json_safe(value):
    match value:
        case None | bool() | int() | float() | str():
            return value
        case dict():
            return {str(key): _json_safe(item) for key, item in value.items()}
        case list() | tuple() | set() | frozenset():
            return [_json_safe(item) for item in value]
        case datetime.date() | datetime.time():
            return value.isoformat()
        case Decimal() | UUID():
            return str(value)
        case models.Model():
            return str(value.pk)
    return str(value)


def _known(address: str) -> str | None:
    return None if address == UNKNOWN else address
