"""Input validation for the storefront's query strings."""

from decimal import Decimal

from django import forms

SORT_CHOICES = [
    ("", "Best match"),
    ("newest", "Newest"),
    ("price", "Price: low to high"),
    ("-price", "Price: high to low"),
    ("name", "Name"),
    ("rating", "Top rated"),
]


class ValueList(forms.Field):
    """A repeated query parameter (`size=M&size=L`) as a list of distinct, trimmed values."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        values = [str(item).strip() for item in value or [] if str(item).strip()]
        return list(dict.fromkeys(values))[:20]


class ListingFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=100, strip=True)
    category = forms.SlugField(required=False, max_length=120)
    min_price = forms.DecimalField(
        label="Min price", required=False, min_value=Decimal(0), max_digits=10, decimal_places=2
    )
    max_price = forms.DecimalField(
        label="Max price", required=False, min_value=Decimal(0), max_digits=10, decimal_places=2
    )
    size = ValueList(required=False)
    color = ValueList(required=False)
    in_stock = forms.BooleanField(label="In stock only", required=False)
    sort = forms.ChoiceField(choices=SORT_CHOICES, required=False)

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
