"""The staff areas (/admin/ and /dashboard/): staff only, with two-factor on and this session
verified. No way of signing in skips the code, the admin's own sign-in form included."""

import pytest
from django.contrib import admin
from django.urls import reverse

from payments.models import Payment
from security.twofactor.sites import StaffAdminSite
from shop.models import Order, Product
from tests.accounts import PASSWORD, sign_in, verify
from tests.second_factor import add_app_device, code_for, sign_in_with_second_factor

pytestmark = pytest.mark.django_db
STAFF_PAGES = ["/admin/", "/dashboard/"]
LOGIN = "/accounts/login/"


def landing(client, path: str) -> str:
    """Where a GET of `path` ends up after its redirects."""
    response = client.get(path, follow=True)
    return response.redirect_chain[-1][0] if response.redirect_chain else path


def test_the_admin_is_the_guarded_site_with_every_model_on_it():
    assert isinstance(admin.site._wrapped, StaffAdminSite)
    for model in (Order, Product, Payment):
        assert admin.site.is_registered(model)


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_anonymous_visitors_are_sent_to_the_shops_sign_in(client, path):
    assert landing(client, path) == f"{LOGIN}?next={path}"


def test_the_admins_own_sign_in_form_is_not_a_way_in(client, staff):
    add_app_device(staff)
    response = client.post(
        "/admin/login/?next=/admin/", {"username": staff.email, "password": PASSWORD}
    )
    assert response["Location"] == f"{LOGIN}?next=/admin/"
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/login/")["Location"].startswith(LOGIN)


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_the_password_alone_does_not_reach_a_staff_page(client, staff, path):
    add_app_device(staff)
    sign_in(client, staff.email)
    escaped = path.replace("/", "%2F")
    assert landing(client, path).startswith(f"/accounts/2fa/verify/?next={escaped}")


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_a_direct_session_does_not_reach_a_staff_page(client, staff, path):
    add_app_device(staff)
    client.force_login(staff)
    assert landing(client, path).startswith("/accounts/2fa/verify/")


def test_the_whole_staff_sign_in_ends_in_the_admin(client, staff):
    app = add_app_device(staff)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == f"{LOGIN}?next=/admin/"
    response = sign_in(client, staff.email, next="/admin/")
    assert response["Location"] == "/admin/"
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/2fa/verify/?next=%2Fadmin%2F"
    response = verify(client, code_for(app), next_url="/admin/")
    assert response["Location"] == "/admin/"
    response = client.get("/admin/")
    assert response.status_code == 200
    assert reverse("admin:shop_order_changelist") in response.text


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_staff_without_two_factor_are_sent_to_set_it_up(client, staff, path):
    client.force_login(staff)
    assert landing(client, path) == f"/accounts/2fa/setup/?next={path.replace('/', '%2F')}"


def test_setting_it_up_leads_back_to_the_staff_page(client, staff):
    client.force_login(staff)
    client.get("/accounts/2fa/setup/", {"next": "/dashboard/"})
    device = staff.totpdevice_set.get()
    response = client.post(
        "/accounts/2fa/setup/", {"code": code_for(device), "next": "/dashboard/"}
    )
    assert response.status_code == 200
    assert 'href="/dashboard/"' in response.text
    assert client.get("/dashboard/").status_code == 200


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_verified_staff_get_in(client, staff, path):
    sign_in_with_second_factor(client, staff)
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_other_accounts_are_refused(client, customer, path):
    client.force_login(customer)
    response = client.get(path, follow=True)
    assert response.status_code == 403
    assert "You can’t open this page" in response.text


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_other_accounts_are_refused_even_with_a_verified_code(client, customer, path):
    sign_in_with_second_factor(client, customer)
    assert client.get(path, follow=True).status_code == 403


def test_an_inactive_staff_account_is_refused(client, staff):
    sign_in_with_second_factor(client, staff)
    staff.is_active = False
    staff.save()
    assert landing(client, "/dashboard/") == f"{LOGIN}?next=/dashboard/"
