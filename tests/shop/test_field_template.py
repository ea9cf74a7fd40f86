"""The one field template (templates/forms/field.html): the checkout and the address book draw
their fields with it, and it writes what Django's own field group would."""

import copy
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.conf import settings as django_settings
from django.template.loader import get_template
from django.urls import reverse

from shop.forms import AddressForm, CheckoutForm
from shop.models import Address
from tests.factories import UserFactory, VariantFactory
from tests.shop.buying import ADDRESS

pytestmark = pytest.mark.django_db

FIELD_TEMPLATE = django_settings.BASE_DIR / "templates" / "forms" / "field.html"


@pytest.fixture
def customer(client):
    user = UserFactory()
    client.force_login(user)
    return user


@pytest.fixture
def marked_fields(settings, tmp_path):
    """The field template with a mark before each field it draws, found ahead of the real one."""
    source = FIELD_TEMPLATE.read_text()
    assert source.count("{% partialdef field %}") == 1
    marked = source.replace("{% partialdef field %}",
                            "{% partialdef field %}<!-- field {{ field.html_name }} -->")
    (tmp_path / "forms").mkdir()
    (tmp_path / "forms" / "field.html").write_text(marked)
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [tmp_path, *templates[0]["DIRS"]]
    settings.TEMPLATES = templates


def drawn_fields(html: str) -> list[str]:
    return re.findall(r"<!-- field (\w+) -->", html)


def test_a_change_to_the_field_template_shows_on_both_pages(client, customer, marked_fields):
    VariantFactory(sku="TEE-M", price=Decimal("20.00"), on_hand=3)
    client.post(reverse("shop:cart-add"), {"variant": "TEE-M", "quantity": 1})
    checkout = client.get(reverse("shop:checkout"))
    address = client.get(reverse("shop:address-new"))
    assert drawn_fields(checkout.text) == [*Address.ADDRESS_FIELDS, "shipping_method",
                                           "payment_provider"]
    assert drawn_fields(address.text) == Address.ADDRESS_FIELDS


def test_a_guest_checkout_draws_the_email_with_it_too(client, marked_fields):
    VariantFactory(sku="TEE-M", price=Decimal("20.00"), on_hand=3)
    client.post(reverse("shop:cart-add"), {"variant": "TEE-M", "quantity": 1})
    assert drawn_fields(client.get(reverse("shop:checkout")).text)[0] == "email"


class _Markup(HTMLParser):
    """HTML as the browser reads it: tags with their attributes in any order, text without
    the whitespace between tags."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.parts: list[tuple[str, list]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.parts.append((tag, sorted(attrs)))

    def handle_endtag(self, tag):
        self.parts.append((f"/{tag}", []))

    def handle_data(self, data):
        if data.strip():
            self.parts.append((" ".join(data.split()), []))


def _as_django_draws_it(field) -> list:
    # The wrapper's id lets a page swap the field in place. A <select> has no maxlength, so
    # the template leaves out the one Django copies from the model's max_length.
    wrapper = f'<div class="field" id="{field.auto_id}_field">'
    parts = _Markup(f"{wrapper}{field.as_field_group()}</div>").parts
    return [(tag, [attr for attr in attrs if attr[0] != "maxlength"]) if tag == "select"
            else (tag, attrs) for tag, attrs in parts]


TRICKY = {**ADDRESS, "full_name": "O'Brien & <Co>", "line2": "Flat 3"}
FORMS = {
    "blank": lambda: AddressForm(),
    "nothing given": lambda: AddressForm({}),
    "wrong": lambda: AddressForm({**TRICKY, "postal_code": "ABC", "country": "JP",
                                  "phone": "5" * 40}),
    "saved": lambda: AddressForm(instance=Address(**TRICKY)),
    "state refused": lambda: AddressForm({**ADDRESS, "region": "Narnia"}),
    "province missing": lambda: AddressForm({**ADDRESS, "country": "CA", "region": ""}),
    "province chosen": lambda: AddressForm(instance=Address(**{**ADDRESS, "country": "CA",
                                                               "region": "ON"})),
    "checkout blank": lambda: CheckoutForm(shipping_methods=[]),
    "checkout wrong": lambda: CheckoutForm({"email": "not-an-email"}, shipping_methods=[]),
}


@pytest.mark.parametrize("make_form", FORMS.values(), ids=FORMS.keys())
def test_the_template_writes_what_djangos_field_group_would(make_form):
    """The template is hand-written for speed; this keeps it honest when a field changes
    (a new widget attribute, help text or validation)."""
    form = make_form()
    template = get_template("forms/field.html#field")
    # The address book draws the whole form with it; the checkout its email and address.
    names = ["email", *Address.ADDRESS_FIELDS] if isinstance(form, CheckoutForm) else form.fields
    for name in names:
        field = form[name]
        assert _Markup(template.render({"field": field})).parts == _as_django_draws_it(field), name
