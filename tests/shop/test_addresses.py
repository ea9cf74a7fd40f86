import pytest
from django.urls import reverse

from shop.models import Address
from shop.services import addresses as address_services
from tests.factories import AddressFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = reverse("shop:address-list")
NEW = reverse("shop:address-new")

VALID = {
    "full_name": "Ada Lovelace", "line1": "12 St James's Square", "line2": "Flat 3",
    "city": "London", "region": "", "postal_code": "sw1y 4jh", "country": "GB", "phone": "",
}


@pytest.fixture
def customer(client):
    user = UserFactory()
    client.force_login(user)
    return user


def url(name: str, address: Address) -> str:
    return reverse(f"shop:{name}", args=[address.pk])


@pytest.mark.parametrize(
    ("method", "name"),
    [("get", "address-list"), ("get", "address-new"), ("get", "address-edit"),
     ("post", "address-delete"), ("post", "address-default")],
)
def test_anonymous_visitors_are_sent_to_sign_in(client, method, name):
    address = AddressFactory()
    path = reverse(f"shop:{name}", args=[] if name in ("address-list", "address-new")
                   else [address.pk])
    response = getattr(client, method)(path)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={path}"
    assert Address.objects.filter(pk=address.pk, is_default=address.is_default).exists()


def test_the_list_shows_the_customers_addresses_default_first_and_no_one_elses(
    client, customer
):
    AddressFactory(user=customer, line1="1 Old Road")
    default = AddressFactory(user=customer, line1="2 Home Lane", is_default=True)
    AddressFactory(line1="99 Stranger Street")
    response = client.get(LIST)
    assert response.status_code == 200
    assert [a.line1 for a in response.context["addresses"]] == ["2 Home Lane", "1 Old Road"]
    assert "99 Stranger Street" not in response.text
    assert response.text.index("Default address") < response.text.index("2 Home Lane")
    assert url("address-edit", default) in response.text


def test_the_list_says_when_there_are_no_addresses(client, customer):
    assert "No saved addresses yet." in client.get(LIST).text


def test_adding_an_address_saves_it_as_the_first_and_default(client, customer):
    response = client.post(NEW, VALID)
    assert response.status_code == 302 and response["Location"] == LIST
    address = Address.objects.get(user=customer)
    assert (address.line1, address.postal_code, address.is_default) == (
        "12 St James's Square", "SW1Y 4JH", True
    )
    assert "Address added." in client.get(LIST).text


def test_a_second_address_does_not_take_the_default(client, customer):
    first = AddressFactory(user=customer, is_default=True)
    client.post(NEW, VALID)
    assert Address.objects.get(user=customer, is_default=True) == first
    assert Address.objects.filter(user=customer).count() == 2


def test_an_invalid_address_is_shown_again_with_its_messages(client, customer):
    response = client.post(NEW, {**VALID, "postal_code": "12345", "city": ""})
    assert response.status_code == 200
    assert "The address was not saved" in response.text
    assert "Enter a postcode such as SW1A 1AA." in response.text
    assert "This field is required." in response.text
    assert 'value="12 St James&#x27;s Square"' in response.text  # kept as typed
    assert not Address.objects.exists()


def test_a_country_the_shop_does_not_ship_to_is_refused(client, customer):
    response = client.post(NEW, {**VALID, "country": "ZZ"})
    assert response.status_code == 200
    assert not Address.objects.exists()


def test_the_form_is_labelled_and_completes_from_the_browser(client, customer):
    page = client.get(NEW).text
    assert '<label for="id_line1">Address' in page
    assert 'autocomplete="shipping address-line1"' in page


def test_editing_changes_the_address(client, customer):
    address = AddressFactory(user=customer, is_default=True)
    page = client.get(url("address-edit", address))
    assert page.context["form"].instance == address
    response = client.post(url("address-edit", address), {**VALID, "city": "Bath"})
    assert response.status_code == 302
    address.refresh_from_db()
    assert (address.city, address.is_default) == ("Bath", True)
    assert Address.objects.count() == 1


@pytest.mark.parametrize(
    ("method", "name"),
    [("get", "address-edit"), ("post", "address-edit"), ("post", "address-delete"),
     ("post", "address-default")],
)
def test_someone_elses_address_is_not_found_and_not_changed(client, customer, method, name):
    theirs = AddressFactory(city="Springfield", is_default=False)
    response = getattr(client, method)(url(name, theirs), VALID if method == "post" else None)
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert (theirs.city, theirs.is_default) == ("Springfield", False)


def test_deleting_the_default_passes_it_to_the_newest_remaining(client, customer):
    AddressFactory(user=customer, line1="1 Old Road")
    newer = AddressFactory(user=customer, line1="2 New Road")
    default = AddressFactory(user=customer, is_default=True)
    response = client.post(url("address-delete", default))
    assert response.status_code == 302 and response["Location"] == LIST
    assert not Address.objects.filter(pk=default.pk).exists()
    assert Address.objects.get(user=customer, is_default=True) == newer


def test_making_an_address_the_default_moves_the_mark(client, customer):
    old = AddressFactory(user=customer, is_default=True)
    other = AddressFactory(user=customer)
    response = client.post(url("address-default", other))
    assert response.status_code == 302
    assert list(Address.objects.filter(user=customer, is_default=True)) == [other]
    old.refresh_from_db()
    assert not old.is_default
    assert "is now your default address" in client.get(LIST).text


def test_deleting_by_htmx_answers_with_the_list_only(client, customer):
    keep = AddressFactory(user=customer, is_default=True)
    gone = AddressFactory(user=customer, line1="7 Gone Street")
    headers = {"HX-Request": "true", "HX-Target": "address-list"}
    response = client.post(url("address-delete", gone), headers=headers)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="address-list"')
    assert "<html" not in response.text
    assert [a.pk for a in response.context["addresses"]] == [keep.pk]
    assert "Removed the address for" in response.text and "7 Gone Street" in response.text


def test_only_the_service_can_make_another_customers_address_the_default():
    theirs = AddressFactory(is_default=True)
    someone = UserFactory()
    assert address_services.make_default_address(user=someone, address_id=theirs.pk) is None
    assert Address.objects.get(pk=theirs.pk).is_default


def test_the_account_menu_links_to_the_address_book_when_signed_in(client, customer):
    assert f'href="{LIST}"' in client.get("/").text


def test_the_account_menu_has_no_address_book_for_visitors(client):
    assert f'href="{LIST}"' not in client.get("/").text


@pytest.mark.parametrize("count", [1, 12])
def test_the_list_query_count_is_fixed(client, customer, django_assert_max_num_queries, count):
    for _ in range(count):
        AddressFactory(user=customer)
    with django_assert_max_num_queries(3):  # session, user, addresses
        response = client.get(LIST)
    assert len(response.context["addresses"]) == count


# --- states and provinces from a list ---------------------------------------------------------

US_HOME = {**VALID, "line1": "1 Main Street", "city": "Springfield", "region": "IL",
           "postal_code": "62701", "country": "US"}


def test_a_us_address_chooses_its_state_from_the_list(client, customer):
    page = client.get(NEW).text  # the shop ships to the US first: the form starts there
    assert '<label for="id_region">State:</label>' in page
    assert ('<select name="region" autocomplete="shipping address-level1" required '
            'id="id_region">') in page
    assert '<option value="CA">California</option>' in page
    response = client.post(NEW, US_HOME)
    assert response.status_code == 302
    assert Address.objects.get(user=customer).region == "IL"


@pytest.mark.parametrize(
    ("region", "message"),
    [("Narnia", "That is not a US state: choose one from the list."),
     ("", "Choose the state from the list."),
     ("ON", "That is not a US state: choose one from the list.")],
)
def test_a_us_state_not_on_the_list_is_refused_and_nothing_saved(client, customer, region,
                                                                   message):
    response = client.post(NEW, {**US_HOME, "region": region})
    assert response.status_code == 200
    assert response.context["form"].errors["region"] == [message]
    assert message in response.text
    assert 'aria-describedby="id_region_error"' in response.text
    assert not Address.objects.exists()


def test_editing_to_a_state_not_on_the_list_changes_nothing(client, customer):
    address = AddressFactory(user=customer, region="IL")
    response = client.post(url("address-edit", address), {**US_HOME, "region": "Narnia"})
    assert response.status_code == 200
    address.refresh_from_db()
    assert address.region == "IL"


@pytest.mark.parametrize(
    ("country", "postal_code", "region", "message"),
    [("CA", "K1A 0B1", "", "Choose the province or territory from the list."),
     ("CA", "K1A 0B1", "IL", "That is not a Canadian province or territory: choose one from the"
                             " list."),
     ("AU", "2000", "Narnia", "That is not an Australian state or territory: choose one from the"
                              " list.")],
)
def test_canada_and_australia_choose_from_their_lists_too(client, customer, settings, country,
                                                          postal_code, region, message):
    settings.SHIPPING_COUNTRIES = ["US", "CA", "AU"]
    response = client.post(NEW, {**US_HOME, "country": country, "postal_code": postal_code,
                                 "region": region})
    assert response.context["form"].errors["region"] == [message]
    assert not Address.objects.exists()


def test_without_javascript_a_changed_country_comes_back_with_its_list(client, customer):
    """The form was drawn for the US; the shopper chose Canada and kept a US state: the form
    comes back with Canada's provinces to choose from, and says so."""
    response = client.post(NEW, {**US_HOME, "country": "CA", "postal_code": "K1A 0B1"})
    assert response.status_code == 200
    assert '<label for="id_region">Province or territory:</label>' in response.text
    assert '<option value="ON">Ontario</option>' in response.text
    assert "Alabama" not in response.text
    assert not Address.objects.exists()


def test_a_state_typed_in_full_is_taken_as_its_code(client, customer):
    response = client.post(NEW, {**US_HOME, "region": " illinois "})
    assert response.status_code == 302
    assert Address.objects.get(user=customer).region == "IL"


def test_other_countries_keep_a_free_text_region(client, customer):
    client.post(NEW, {**VALID, "region": "Greater London"})
    assert Address.objects.get(user=customer).region == "Greater London"
    address = Address.objects.get(user=customer)
    page = client.get(url("address-edit", address)).text
    assert ('<input type="text" name="region" value="Greater London" maxlength="100" '
            'autocomplete="shipping address-level1" id="id_region">') in page


def test_editing_a_canadian_address_offers_the_provinces(client, customer):
    address = AddressFactory(user=customer, country="CA", region="QC", postal_code="H2X 1Y4")
    page = client.get(url("address-edit", address)).text
    assert '<option value="QC" selected>Quebec</option>' in page


def test_a_state_saved_by_its_full_name_shows_chosen_in_the_list(client, customer):
    address = AddressFactory(user=customer, country="US", region="Illinois ")
    page = client.get(url("address-edit", address)).text
    assert '<option value="IL" selected>Illinois</option>' in page


@pytest.mark.parametrize(
    ("country", "typed", "kept"),
    [("CA", "k1a0b1", "K1A 0B1"), ("IE", "d02x285", "D02 X285"), ("NL", "1012ab", "1012 AB"),
     ("GB", "sw1a1aa", "SW1A 1AA")],
)
def test_postal_codes_are_written_the_countrys_way(client, customer, country, typed, kept):
    region = "ON" if country == "CA" else ""
    client.post(NEW, {**VALID, "country": country, "region": region, "postal_code": typed})
    assert Address.objects.get(user=customer).postal_code == kept


@pytest.mark.parametrize(
    ("country", "typed", "message"),
    [("CA", "D1A 0B1", "Enter a postal code such as K1A 0B1."),  # no Canadian code starts so
     ("AU", "200", "Enter a postcode of four digits, such as 2000.")],
)
def test_a_postal_code_not_in_the_countrys_format_is_refused(client, customer, settings, country,
                                                             typed, message):
    settings.SHIPPING_COUNTRIES = ["US", "CA", "AU"]
    region = {"CA": "ON", "AU": "NSW"}[country]
    response = client.post(NEW, {**VALID, "country": country, "region": region,
                                 "postal_code": typed})
    assert response.context["form"].errors["postal_code"] == [message]
    assert not Address.objects.exists()


def test_the_list_names_countries_in_full(client, customer):
    AddressFactory(user=customer, country="GB", region="", postal_code="SW1A 1AA")
    AddressFactory(user=customer, country="US")
    page = client.get(LIST).text
    assert "United Kingdom" in page and "United States" in page
    assert "United States of America" not in page


# --- the region field, swapped in as the country changes ---------------------------------------

REGION = reverse("shop:address-region")


def test_the_region_field_for_a_country_with_a_list_is_that_list(client):
    response = client.get(REGION, {"country": "CA"})  # guests use it at checkout too
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div class="field" id="id_region_field">')
    assert '<label for="id_region">Province or territory:</label>' in response.text
    assert '<option value="" selected>Choose a province or territory</option>' in response.text
    assert "<html" not in response.text


@pytest.mark.parametrize("country", ["GB", "ZZ", "", "<b>"])
def test_the_region_field_for_other_countries_is_free_text(client, country):
    response = client.get(REGION, {"country": country})
    assert response.status_code == 200
    assert ('<input type="text" name="region" maxlength="100" '
            'autocomplete="shipping address-level1" id="id_region">') in response.text


def test_the_region_field_needs_no_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        client.get(REGION, {"country": "US"})


def test_the_address_form_swaps_the_region_as_the_country_changes(client, customer):
    page = client.get(NEW).text
    assert (f'hx-get="{REGION}" hx-trigger="change from:#id_country"\n'
            '        hx-params="country" hx-target="#id_region_field" hx-swap="outerHTML"'
            ) in page
    assert '<div class="field" id="id_region_field">' in page
