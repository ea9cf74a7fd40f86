"""Fixtures of the marketplace tests."""

from tests.payments.conftest import providers_on  # noqa: F401  (refunds go through providers)
