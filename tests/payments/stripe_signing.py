"""Stripe's side of a webhook, for tests: events shaped like Stripe's (from the fixtures in
tests/fixtures/stripe/, one file per event type and variant) and the Stripe-Signature header
Stripe puts on them, made from Stripe's description of the scheme rather than with its SDK.
"""

import hashlib
import hmac
import json
import time

from tests.payments import fixture_events


def sign(body: bytes, secret: str, *, timestamp: int | None = None, extra_secrets=()) -> str:
    """The Stripe-Signature header for `body`: `t=<unix time>` and one `v1=` per secret, each
    the hex HMAC-SHA256 of "<t>.<body>" (two secrets model a secret being rolled)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + body
    signatures = [
        hmac.new(key.encode(), signed, hashlib.sha256).hexdigest()
        for key in (secret, *extra_secrets)
    ]
    return ",".join([f"t={timestamp}", *(f"v1={signature}" for signature in signatures)])


def fixture_names() -> list[str]:
    """Every fixture's name, such as "checkout.session.completed.unpaid"."""
    return fixture_events.names("stripe")


def event(name: str, **changes) -> dict:
    """A fresh copy of the fixture `name`, with `changes` at dotted paths:
    event("charge.refunded.with_refunds",
    **{"data.object.refunds.data.0.metadata.refund_request": "R-1"})."""
    return fixture_events.event("stripe", name, **changes)


def body(name: str, **changes) -> bytes:
    """The fixture `name`, changed as event() does, as the bytes Stripe would post."""
    return json.dumps(event(name, **changes)).encode()

