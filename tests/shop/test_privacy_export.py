"""Downloading one's data: asked for with the password (and a code with two-factor on),
prepared by a task as a ZIP of JSON and CSV files holding every kind of data, its signed
link emailed, refused once expired, tampered with or replaced."""

import csv
import io
import json
import re
import zipfile

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from security.models import AuditEntry
from shop.models import DataExport, Review
from shop.services import data_export, erasure
from tests.accounts import PASSWORD, make_account
from tests.second_factor import code_for, sign_in_with_second_factor
from tests.shop import privacy
from tests.shop.privacy import make_person

pytestmark = pytest.mark.django_db
YOUR_DATA = reverse("shop:your-data")
ASK = reverse("shop:data-export")
LINK = re.compile(r"https?://\S+/accounts/data/download/\S+/")


def ask(client, capture, **data) -> object:
    with capture(execute=True):
        return client.post(ASK, {"password": PASSWORD, **data})


def emailed_link() -> str:
    (message,) = mail.outbox
    assert message.to == [privacy.EMAIL]
    return LINK.search(message.body).group(0)


def download(link: str, client=None):
    path = link.split("://", 1)[1].split("/", 1)[1]
    return (client or Client()).get(f"/{path}")


def files_of(response) -> dict[str, object]:
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    files = {}
    for name in archive.namelist():
        text = archive.read(name).decode("utf-8-sig")
        if name.endswith(".json"):
            files[name] = json.loads(text)
        elif name.endswith(".csv"):
            files[name] = list(csv.DictReader(io.StringIO(text)))
        else:
            files[name] = text
    return files


@pytest.fixture
def person(client):
    person = make_person()
    client.force_login(person.user)
    return person


def test_the_page_offers_the_download_and_closing_the_account(client, person):
    page = client.get(YOUR_DATA).content.decode()
    assert "Email me a download link" in page
    assert reverse("shop:account-close") in page
    assert 'name="code"' not in page  # two-factor is off


def test_the_export_holds_every_kind_of_data(client, person, django_capture_on_commit_callbacks):
    response = ask(client, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    downloaded = download(emailed_link())
    assert downloaded.status_code == 200
    assert downloaded["Content-Type"] == "application/zip"
    assert "attachment" in downloaded["Content-Disposition"]
    files = files_of(downloaded)

    assert files["profile.json"]["email"] == privacy.EMAIL
    assert files["profile.json"]["last_name"] == privacy.LAST
    assert files["addresses.json"][0]["line1"] == privacy.ADDRESS["line1"]
    assert files["addresses.csv"][0]["postal_code"] == privacy.ADDRESS["postal_code"]
    numbers = {order.number for order in person.orders}
    assert {order["number"] for order in files["orders.json"]} == numbers  # the guest one too
    delivered = next(o for o in files["orders.json"] if o["number"] == person.orders[0].number)
    assert delivered["lines"][0]["sku"] == "LIN-M"
    assert delivered["shipping_address"]["city"] == privacy.ADDRESS["city"]
    assert {row["order"] for row in files["order_lines.csv"]} == numbers
    assert {row["shipping_address.city"] for row in files["orders.csv"]} == {
        privacy.ADDRESS["city"]}
    assert {row["order__number"] for row in files["payments.json"]} == numbers - {
        person.orders[3].number}  # the expired one was never paid
    (refund,) = files["refunds.json"]
    assert (refund["order__number"], refund["amount"]) == (person.orders[1].number, "5.00")
    assert files["reviews.json"][0]["title"] == "Shrank in the wash"
    assert files["shop_reviews.json"][0]["seller__name"] == "Hilltop Pottery"
    assert files["wishlist.csv"][0]["product__name"] == "Glazed Mug"
    assert files["saved_shops.json"][0]["seller__slug"] == "hilltop-pottery"
    actions = {row["action"] for row in files["audit_log.json"]}
    assert {"2fa.enabled", "order.note", "privacy.export_requested"} <= actions
    staff_note = next(row for row in files["audit_log.json"] if row["action"] == "order.note")
    assert (staff_note["who"], staff_note["client_address"]) == ("the shop", "")
    assert "README.txt" in files


def test_csv_cells_are_never_formulas(client, person, django_capture_on_commit_callbacks):
    Review.objects.update(title="=HYPERLINK(\"http://evil.example\")")
    ask(client, django_capture_on_commit_callbacks)
    files = files_of(download(emailed_link()))
    assert files["reviews.csv"][0]["title"].startswith("'=")


def test_asking_needs_the_password(client, person, django_capture_on_commit_callbacks):
    response = ask(client, django_capture_on_commit_callbacks, password="not my password")
    assert response.status_code == 200
    assert "That is not your password." in response.content.decode()
    assert not DataExport.objects.exists()
    assert mail.outbox == []


def test_asking_needs_a_code_with_two_factor_on(client, django_capture_on_commit_callbacks):
    person = make_person()
    device = sign_in_with_second_factor(client, person.user)
    assert 'name="code"' in client.get(YOUR_DATA).content.decode()

    for code in ("", "000000"):
        refused = ask(client, django_capture_on_commit_callbacks, code=code)
        assert refused.status_code == 200
        assert not DataExport.objects.exists()
    device.throttle_reset()  # the wrong code asks for a second's pause

    assert ask(client, django_capture_on_commit_callbacks,
               code=code_for(device)).status_code == 302
    assert DataExport.objects.filter(user=person.user).exclude(file_name="").exists()


def test_an_expired_link_is_refused(client, person, settings,
                                    django_capture_on_commit_callbacks):
    ask(client, django_capture_on_commit_callbacks)
    link = emailed_link()
    settings.PRIVACY_EXPORT_DAYS = 0
    response = download(link)
    assert response.status_code == 410
    assert "This download link has expired" in response.content.decode()


def test_a_tampered_link_is_refused(client, person, django_capture_on_commit_callbacks):
    ask(client, django_capture_on_commit_callbacks)
    link = emailed_link()
    token = link.rstrip("/").rsplit("/", 1)[1]
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    for bad in (tampered, "not-a-token", "x" * 300):
        response = Client().get(reverse("shop:data-download", args=[bad]))
        assert response.status_code == 400
        assert "This download link is not valid" in response.content.decode()


def test_a_newer_export_replaces_the_older(client, person, django_capture_on_commit_callbacks):
    ask(client, django_capture_on_commit_callbacks)
    first = emailed_link()
    mail.outbox.clear()
    ask(client, django_capture_on_commit_callbacks)
    assert download(first).status_code == 410
    assert download(emailed_link()).status_code == 200
    assert DataExport.objects.count() == 1
    assert AuditEntry.objects.filter(action="privacy.export_requested").count() == 2


def test_a_file_gone_a_moment_before_its_download_is_refused_as_replaced(
    client, person, django_capture_on_commit_callbacks, monkeypatch
):
    ask(client, django_capture_on_commit_callbacks)
    link = emailed_link()

    def deleted_meanwhile(name, mode="rb"):  # by a newer export's commit, after the check
        raise FileNotFoundError(name)

    monkeypatch.setattr(data_export.default_storage, "open", deleted_meanwhile)
    response = download(link)

    assert response.status_code == 410
    assert "a newer download replaced it" in response.content.decode()


def test_closing_the_account_deletes_its_exports(client, person,
                                                 django_capture_on_commit_callbacks):
    ask(client, django_capture_on_commit_callbacks)
    link = emailed_link()
    name = DataExport.objects.get().file_name
    erasure.erase_account(user_id=person.user.pk)
    assert download(link).status_code == 410
    assert not data_export.default_storage.exists(name)


def test_the_file_is_not_under_a_guessable_name(client, person,
                                                django_capture_on_commit_callbacks):
    ask(client, django_capture_on_commit_callbacks)
    name = DataExport.objects.get().file_name
    assert name.startswith("privacy-exports/")
    assert len(name.removeprefix("privacy-exports/").removesuffix(".zip")) >= 40


@pytest.mark.parametrize("page", ["account_email", "account_change_password",
                                  "shop:address-list"])
def test_the_account_pages_link_to_your_data(client, page):
    client.force_login(make_account("lee@example.com"))
    assert f'href="{YOUR_DATA}"' in client.get(reverse(page)).content.decode()
