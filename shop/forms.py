"""Input validation: the listing's query string, the cart, checkout, addresses, reviews and
the wishlist."""

from decimal import Decimal
from functools import cache

from django import forms
from django.conf import settings
from localflavor.au.au_states import STATE_CHOICES as AU_STATES
from localflavor.au.forms import AUPostCodeField
from localflavor.ca.ca_provinces import PROVINCE_CHOICES as CA_PROVINCES
from localflavor.ca.forms import CAPostalCodeField
from localflavor.de.forms import DEZipCodeField
from localflavor.fr.forms import FRZipCodeField
from localflavor.gb.forms import GBPostcodeField
from localflavor.ie.forms import EircodeField
from localflavor.nl.forms import NLZipCodeField
from localflavor.us.forms import USZipCodeField
from localflavor.us.us_states import STATE_CHOICES as US_STATES

from core.money import format_money
from shop.models import Address, Seller, ShippingMethod, Variant
from shop.models.addresses import country_name
from shop.services import pricing

SORT_CHOICES = [
    ("newest", "Newest"),
    ("price", "Price: low to high"),
    ("-price", "Price: high to low"),
    ("name", "Name"),
    ("rating", "Top rated"),
]
QUERY_LENGTH = 100
SHOP_SLUG_LENGTH = Seller._meta.get_field("slug").max_length
# As long as Variant.size or Variant.color may be.
OPTION_LENGTH = max(Variant._meta.get_field(name).max_length for name in ("size", "color"))


def sort_choices(*, searching: bool) -> list[tuple[str, str]]:
    """The sort menu; the empty choice is the default order: best match, or else newest."""
    if searching:
        return [("", "Best match"), *SORT_CHOICES]
    return [("", "Newest"), *[(value, label) for value, label in SORT_CHOICES if value != "newest"]]


class ValueList(forms.Field):
    """A repeated query parameter (`size=M&size=L`) as a list of distinct, trimmed values.
    Values no option could have (too long, or with a NUL character) are dropped."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        values = [str(item).strip() for item in value or []]
        return list(dict.fromkeys(v for v in values if v and self._could_be_an_option(v)))[:20]

    def _could_be_an_option(self, value: str) -> bool:
        return len(value) <= OPTION_LENGTH and "\x00" not in value


class ListingFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, strip=True)
    category = forms.CharField(required=False)
    min_price = forms.DecimalField(
        label="Min price", required=False, min_value=Decimal(0), max_digits=10, decimal_places=2
    )
    max_price = forms.DecimalField(
        label="Max price", required=False, min_value=Decimal(0), max_digits=10, decimal_places=2
    )
    size = ValueList(required=False)
    color = ValueList(required=False)
    in_stock = forms.BooleanField(label="In stock only", required=False)
    sort = forms.ChoiceField(choices=[("", ""), *SORT_CHOICES], required=False)
    shop = forms.CharField(required=False, strip=True)  # a shop's slug

    def clean_q(self) -> str:
        # A long paste is searched by its start rather than thrown away.
        return self.cleaned_data["q"][:QUERY_LENGTH]

    def clean_shop(self) -> str:
        # Cut to one past the longest slug: still no shop's, so the listing says it knows
        # no such shop, as it does for any unknown one (never an error page).
        return self.cleaned_data["shop"][:SHOP_SLUG_LENGTH + 1]

    # Set by clean when the min price is above the max: neither is applied.
    price_range_refused = False

    def clean(self):
        data = super().clean()
        low, high = data.get("min_price"), data.get("max_price")
        if low is not None and high is not None and low > high:
            # The range is refused whole: half of it applied would look like a real filter.
            self.add_error("max_price", "The min price is above the max price, so prices are "
                                        "not filtered. Lower the min or raise the max.")
            del data["min_price"]
            self.price_range_refused = True
        return data

    def filters(self) -> dict:
        """The valid filters: a field with bad input is left out, and its message shown."""
        self.is_valid()
        return {name: self.cleaned_data.get(name) for name in self.fields}


# --- cart and checkout ------------------------------------------------------------------------

# Any whole number is taken: the cart cuts one past what it may hold (or what is left) down
# to that and says so. What is not a whole number, or is below the least, changes nothing.
class AddToCartForm(forms.Form):
    variant = forms.CharField(max_length=64)  # the SKU
    quantity = forms.IntegerField(
        min_value=1, initial=1,
        error_messages={
            "required": "Give a quantity of 1 or more.",
            "invalid": "Enter a whole number of 1 or more, such as 2.",
            "min_value": "Enter a whole number of 1 or more, such as 2.",
        },
    )


class QuantityForm(forms.Form):
    quantity = forms.IntegerField(
        min_value=0,
        error_messages={
            "required": "Give a quantity (0 removes it).",
            "invalid": "Enter a whole number, such as 2 (0 removes it).",
            "min_value": "Enter a whole number, such as 2 (0 removes it).",
        },
    )


# Postal codes as each country writes them, checked by django-localflavor's fields, which
# also write them the one way ("k1a0b1" is "K1A 0B1"); other countries only need something.
POSTAL_CODES = {
    "US": (USZipCodeField(), "a ZIP code such as 94107 or 94107-1234"),
    "CA": (CAPostalCodeField(), "a postal code such as K1A 0B1"),
    "AU": (AUPostCodeField(), "a postcode of four digits, such as 2000"),
    "GB": (GBPostcodeField(), "a postcode such as SW1A 1AA"),
    "IE": (EircodeField(), "an Eircode such as D02 X285"),
    "DE": (DEZipCodeField(), "five digits, such as 10115"),
    "FR": (FRZipCodeField(), "five digits, such as 75001"),
    "NL": (NLZipCodeField(), "a postcode such as 1012 AB"),
}

# Countries whose addresses name a state or province from a known list (django-localflavor's):
# the field's label, the list, and what one of them is called in a message.
REGIONS = {
    "US": ("State", US_STATES, "a US state"),
    "CA": ("Province or territory", CA_PROVINCES, "a Canadian province or territory"),
    "AU": ("State or territory", AU_STATES, "an Australian state or territory"),
}


def country_choices() -> list[tuple[str, str]]:
    return [(code, country_name(code)) for code in settings.SHIPPING_COUNTRIES]


@cache
def _region_list(country: str) -> tuple[tuple[tuple[str, str], ...], dict[str, str]]:
    """The country's states or provinces as (code, name), and each code and name (folded) to
    its code. Worked out once: localflavor's lists are lazy and sort their translated names
    on every read, which cost a checkout page more than all the rest of its form. The shop
    speaks one language, so one copy serves every request."""
    regions = tuple((code, str(name)) for code, name in REGIONS[country][1])
    return regions, {key.casefold(): code for code, name in regions for key in (code, name)}


class RegionField(forms.ChoiceField):
    """A state or province chosen from its country's list, sent as its code. A name typed in
    full (a form sent without JavaScript after its country changed) counts as its code."""

    def __init__(self, country: str, **kwargs):
        label, _, one = REGIONS[country]
        regions, self.codes = _region_list(country)
        super().__init__(
            label=label, choices=[("", f"Choose a {label.lower()}"), *regions],
            error_messages={
                "required": f"Choose the {label.lower()} from the list.",
                "invalid_choice": f"That is not {one}: choose one from the list.",
            },
            **kwargs,
        )

    def to_python(self, value) -> str:
        value = super().to_python(value).strip()
        return self.codes.get(value.casefold(), value)

    def prepare_value(self, value):
        # An address saved before the list, with the name typed in full, shows it chosen.
        return self.codes.get(value.strip().casefold(), value) if isinstance(value, str) else value


class AddressForm(forms.ModelForm):
    """A postal address a parcel can reach: required parts present, the postal code in the
    country's own format, the state or province from the list where the country has one
    (REGIONS), and only countries the shop ships to.

    The region field follows the country sent (or, unsent, the one the form starts with):
    a list for the countries in REGIONS, else free text. Sent with another country than it
    was drawn for, the form comes back with the right field and says what to choose."""

    class Meta:
        model = Address
        fields = Address.ADDRESS_FIELDS
        widgets = {"country": forms.Select}

    autocomplete = {
        "full_name": "name", "line1": "address-line1", "line2": "address-line2",
        "city": "address-level2", "region": "address-level1", "postal_code": "postal-code",
        "country": "country", "phone": "tel",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].widget.choices = country_choices()
        self.fields["country"].initial = settings.SHIPPING_COUNTRIES[0]
        country = self.chosen_country()
        if country in REGIONS:
            self.fields["region"] = RegionField(country)
        self.fields["phone"].help_text = "For the courier, if they need to reach you."
        for name, token in self.autocomplete.items():
            self.fields[name].widget.attrs["autocomplete"] = f"shipping {token}"

    def chosen_country(self) -> str:
        """The country the region field is drawn for: the one sent, else the initial one."""
        if self.is_bound:
            country = self.data.get(self.add_prefix("country"))
        else:
            country = self.get_initial_for_field(self.fields["country"], "country")
        return str(country or "").strip().upper()

    def clean_country(self) -> str:
        country = self.cleaned_data["country"].upper()
        if country and country not in settings.SHIPPING_COUNTRIES:
            raise forms.ValidationError("We do not ship to that country yet.")
        return country

    def clean(self):
        data = super().clean()
        country, code = data.get("country"), data.get("postal_code")
        if country and code:
            code = " ".join(code.upper().split())
            if country in POSTAL_CODES:
                field, example = POSTAL_CODES[country]
                try:
                    code = field.prepare_value(field.clean(code))
                except forms.ValidationError:
                    self.add_error("postal_code", f"Enter {example}.")
            data["postal_code"] = code
        return data


class CheckoutForm(AddressForm):
    """Who is buying, where it goes, how it ships and how it is paid. A signed-in customer
    may pick a saved address instead of typing one."""

    email = forms.EmailField(
        label="Email", help_text="For your receipt and the link to your order.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    saved_address = forms.ModelChoiceField(
        queryset=Address.objects.none(), required=False, empty_label="A new address",
        widget=forms.RadioSelect, label="Ship to",
    )
    save_address = forms.BooleanField(label="Save this address to my address book", required=False)
    # Offered from the methods the caller already read (the cart's), not queried again; the
    # choice comes back as that ShippingMethod.
    shipping_method = forms.ChoiceField(
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose how it should be shipped.",
            "invalid_choice": "Select a valid choice. That choice is not one of the available"
                              " choices.",
        },
    )
    payment_provider = forms.ChoiceField(
        label="Payment", widget=forms.RadioSelect,
        error_messages={"required": "Choose how you would like to pay."},
    )

    field_order = ["email", "saved_address", *Address.ADDRESS_FIELDS, "save_address",
                   "shipping_method", "payment_provider"]

    def __init__(self, *args, user=None, shipping_methods: list[ShippingMethod] | None = None,
                 subtotal: Decimal = Decimal(0), **kwargs):
        """`shipping_methods`: the active methods, when the caller has them (else read here).
        `subtotal`: the cart's, which some methods ship free from."""
        super().__init__(*args, **kwargs)
        self.user = user if user is not None and user.is_authenticated else None
        if shipping_methods is None:
            shipping_methods = list(ShippingMethod.objects.filter(is_active=True))
        self.shipping_methods = {str(method.pk): method for method in shipping_methods
                                 if method.is_active}
        self.fields["shipping_method"].choices = [
            (key, shipping_label(method)) for key, method in self.shipping_methods.items()
        ]
        if self.shipping_methods:  # the cheapest for this cart first; of equals, the first listed
            self.fields["shipping_method"].initial = min(
                self.shipping_methods, key=lambda key: pricing.shipping_cost(
                    price=self.shipping_methods[key].price,
                    free_above=self.shipping_methods[key].free_above, subtotal=subtotal,
                ),
            )
        choices = payment_choices()
        self.fields["payment_provider"].choices = choices
        if len(choices) == 1:  # nothing to choose between
            self.fields["payment_provider"].initial = choices[0][0]
        if self.user:
            del self.fields["email"]
            addresses = self.user.addresses.all()
            self.fields["saved_address"].queryset = addresses
            self.saved = list(addresses)
        else:
            del self.fields["saved_address"], self.fields["save_address"]
            self.saved = []

    def full_clean(self):
        # A chosen saved address stands in for the typed one: its fields are not required.
        if self.saved and self.data.get("saved_address"):
            for name in Address.ADDRESS_FIELDS:
                self.fields[name].required = False
        super().full_clean()

    def clean_shipping_method(self) -> ShippingMethod:
        return self.shipping_methods[self.cleaned_data["shipping_method"]]

    def clean(self):
        saved = self.cleaned_data.get("saved_address")
        if saved:
            return {**self.cleaned_data, **saved.address_values()}
        return super().clean()

    def address_fields(self) -> list:
        return [self[name] for name in Address.ADDRESS_FIELDS]

    def checkout_data(self) -> dict:
        """What the review step and placing the order need, as plain data for the session."""
        data = self.cleaned_data
        return {
            "email": self.user.email if self.user else data["email"],
            "address": {name: data[name] for name in Address.ADDRESS_FIELDS},
            "save_address": bool(data.get("save_address")) and not data.get("saved_address"),
            "shipping_method_id": data["shipping_method"].pk,
            "payment_provider": data["payment_provider"],
        }


def shipping_label(method: ShippingMethod) -> str:
    """A shipping choice as the shopper picks it: `Standard: $5.00, 3–5 working days; free
    from $75.00`."""
    label = f"{method.name}: {format_money(method.price) if method.price else 'free'}"
    if method.description:
        label += f", {method.description}"
    if method.free_above is not None:
        label += f"; free from {format_money(method.free_above)}"
    return label


def payment_choices() -> list[tuple[str, str]]:
    """The ways to pay that settings turn on, as settings name them to shoppers. Shop knows
    no payment provider: which are on and what they are called is configuration."""
    labels = settings.PAYMENT_PROVIDER_LABELS
    return [(name, labels.get(name, name)) for name in settings.PAYMENT_PROVIDERS]


# --- reviews and the wishlist -----------------------------------------------------------------

class MoveToCartForm(forms.Form):
    """Which variant of a saved product goes to the cart."""

    variant = forms.IntegerField()  # the variant's id
