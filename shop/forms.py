"""Input validation for the storefront's query strings."""

from decimal import Decimal

from django import forms

SORT_CHOICES = [
    ("newest", "Newest"),
    ("price", "Price: low to high"),
    ("-price", "Price: high to low"),
    ("name", "Name"),
    ("rating", "Top rated"),
]
QUERY_LENGTH = 100
OPTION_LENGTH = 30  # as long as Variant.size and Variant.color may be


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

    def clean_q(self) -> str:
        # A long paste is searched by its start rather than thrown away.
        return self.cleaned_data["q"][:QUERY_LENGTH]

    def clean(self):
        data = super().clean()
        low, high = data.get("min_price"), data.get("max_price")
        if low is not None and high is not None and low > high:
            self.add_error("max_price", "The max price must not be below the min price.")
        return data

    def filters(self) -> dict:
        """The valid filters: a field with bad input is left out, and its message shown."""
        self.is_valid()
        return {name: self.cleaned_data.get(name) for name in self.fields}
