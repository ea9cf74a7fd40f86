"""`security.audit.record` writes one audit entry: who (from the request, or named), from
which address, what, to which object, with details stored as JSON. Staff signing in is
recorded; customers signing in is not."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import login
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore

from security import audit
from security.models import AuditEntry
from tests.factories import ProductFactory, UserFactory, VariantFactory

pytestmark = pytest.mark.django_db


def signed_in(request, user):
    request.user = user
    return request


def test_the_actor_is_whoever_is_signed_in(rf, staff):
    request = signed_in(rf.post("/admin/", REMOTE_ADDR="203.0.113.9"), staff)
    entry = audit.record(request, audit.EXPORT)
    entry.refresh_from_db()
    assert (entry.actor, entry.actor_label, entry.action, entry.ip) == (
        staff, "staff@example.com", "export", "203.0.113.9"
    )


def test_a_named_actor_wins_over_the_request(rf, staff):
    request = signed_in(rf.post("/"), AnonymousUser())
    entry = audit.record(request, audit.REFUND, actor=staff)
    assert (entry.actor, entry.actor_label) == (staff, "staff@example.com")


def test_nobody_signed_in_leaves_the_actor_empty(rf):
    entry = audit.record(signed_in(rf.post("/"), AnonymousUser()), "something")
    assert (entry.actor, entry.actor_label) == (None, "")


def test_the_object_is_stored_by_type_id_and_name(rf, staff):
    # A product's name may fill its 200 characters; its variant's name is longer still.
    variant = VariantFactory(product=ProductFactory(name="T" * 200), size="M", color="Navy")
    entry = audit.record(signed_in(rf.post("/"), staff), "variant.touched", variant)
    assert (entry.object_type, entry.object_id) == ("shop.Variant", str(variant.pk))
    assert len(str(variant)) > 200 and entry.object_label == str(variant)[:200]


def test_details_are_stored_as_json_with_decimals_and_dates_as_text(rf, staff):
    entry = audit.record(
        signed_in(rf.post("/"), staff), audit.EXPORT,
        report="sales", start=datetime.date(2026, 1, 1),
        at=datetime.datetime(2026, 1, 2, 3, 4, tzinfo=datetime.UTC),
        price={"old": Decimal("20.00"), "new": Decimal("24.50")}, lines=(1, 2),
    )
    entry.refresh_from_db()
    assert entry.details == {
        "report": "sales", "start": "2026-01-01", "at": "2026-01-02T03:04:00+00:00",
        "price": {"old": "20.00", "new": "24.50"}, "lines": [1, 2],
    }


def test_a_request_without_an_address_stores_none(rf, staff):
    request = signed_in(rf.post("/"), staff)
    del request.META["REMOTE_ADDR"]
    assert audit.record(request, audit.EXPORT).ip is None


def sign_in(rf, user):
    request = rf.post("/accounts/login/", REMOTE_ADDR="198.51.100.20")
    request.session = SessionStore()
    login(request, user, backend="security.users.KeptModelBackend")


def test_a_staff_sign_in_is_recorded(rf, staff):
    sign_in(rf, staff)
    [entry] = AuditEntry.objects.all()
    assert (entry.action, entry.actor, entry.ip) == ("staff.sign_in", staff, "198.51.100.20")


def test_a_customer_sign_in_is_not_recorded(rf):
    sign_in(rf, UserFactory())
    assert not AuditEntry.objects.exists()
