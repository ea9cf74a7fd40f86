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
