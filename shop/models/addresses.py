"""Postal addresses: the fields every address has, the customer's address book."""

from django.conf import settings
from django.db import models
from django_countries import Countries


def address_lines(values: dict) -> list[str]:
    """An address as it is written on a parcel, a line each (the phone aside): from a
    PostalAddress's fields, or from the same fields kept as a dict (checkout's session)."""
    place = " ".join(values.get(p) or "" for p in ("city", "region", "postal_code")).split()
    country = country_name(values.get("country") or "")
    lines = (values.get("full_name"), values.get("line1"), values.get("line2"), " ".join(place),
             country)
    return [line for line in lines if line]


class ShopCountries(Countries):
    """Countries by their ISO 3166 codes, named by django-countries; the United States by the
    short name the shop has always shown rather than the ISO "United States of America"."""

    override = {"US": "United States"}


COUNTRIES = ShopCountries()


def country_name(code: str) -> str:
    """The country's name, as addresses and the checkout's country list show it; an unknown
    code as it is."""
    return (COUNTRIES.name(code) if code else "") or code


class PostalAddress(models.Model):
    """The fields of an address a parcel can be sent to. Orders copy them, so a later edit
    of the address book never changes where a past order went."""

    full_name = models.CharField(max_length=120)
    line1 = models.CharField("address", max_length=200)
    line2 = models.CharField("apartment, suite, etc.", max_length=200, blank=True)
    city = models.CharField(max_length=100)
    region = models.CharField("state, province or county", max_length=100, blank=True)
    postal_code = models.CharField(max_length=20)
    country = models.CharField(max_length=2)
    phone = models.CharField(max_length=30, blank=True)

    # The country comes before the region, whose choices it decides (a list of states for
    # some countries), as forms draw them.
    ADDRESS_FIELDS = [
        "full_name", "country", "line1", "line2", "city", "region", "postal_code", "phone"
    ]

    class Meta:
        abstract = True

    def address_values(self) -> dict:
        return {name: getattr(self, name) for name in self.ADDRESS_FIELDS}

    def address_lines(self) -> list[str]:
        return address_lines(self.address_values())


class Address(PostalAddress):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="addresses", on_delete=models.CASCADE
    )
    is_default = models.BooleanField("default address", default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(is_default=True),
                name="address_one_default_per_user",
            ),
        ]
        verbose_name_plural = "addresses"

    def __str__(self) -> str:
        return ", ".join(self.address_lines())
