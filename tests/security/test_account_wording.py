"""The account pages (allauth's) speak in the shop's sentence case: "Sign up", not "Sign Up".

The shop's English catalogue (security/locale/en) gives allauth's Title Case strings their
sentence-case wording; every page, heading, button, link, label and title is read here."""

import gettext
import html
import re
from pathlib import Path

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.urls import reverse

from tests.accounts import make_account

pytestmark = pytest.mark.django_db

CATALOGUE = Path(settings.BASE_DIR) / "security" / "locale" / "en" / "LC_MESSAGES"
TITLE_CASE = (
    "Sign Up", "Sign In", "Sign Out", "Password Reset", "Forgot Password?", "Forgot Your",
    "Change Password", "Set Password", "Reset My Password", "Remember Me", "Email Address",
    "Email Addresses", "Add Email", "Make Primary", "Re-send Verification",
    "Confirm Email Address", "Verify Your Email Address", "Current Password", "New Password",
    "Bad Token",
)
# Where the words people act on and find their way by sit.
WORDING = re.compile(r"<(title|h1|h2|h3|button|a|label|legend)\b[^>]*>(.*?)</\1>", re.DOTALL)


def wording(page: str) -> list[str]:
    return [" ".join(re.sub(r"<[^>]+>", " ", html.unescape(text)).split())
            for _, text in WORDING.findall(page)]


def says(page: str, text: str) -> bool:
    """Whether a heading, button, link, label or the title of `page` begins with `text`."""
    return any(words.startswith(text) for words in wording(page))


def title_case_in(page: str) -> list[str]:
    return [text for text in wording(page) if any(words in text for words in TITLE_CASE)]


@pytest.fixture
def account():
    return make_account("ada@example.com")


def reset_link(user) -> str:
    return reverse("account_reset_password_from_key", kwargs={
        "uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user),
    })


def test_the_pages_for_visitors_are_in_sentence_case(client, account):
    pages = {
        "account_login": ["Sign in"],
        "account_signup": ["Sign up"],
        "account_reset_password": ["Password reset", "Reset my password"],
        "account_reset_password_done": ["Password reset"],
        "account_reset_password_from_key_done": ["Change password"],
        "account_email_verification_sent": ["Verify your email address"],
    }
    for name, expected in pages.items():
        response = client.get(reverse(name), follow=True)
        assert response.status_code == 200, name
        assert title_case_in(response.text) == [], name
        for text in expected:
            assert says(response.text, text), (name, text)
    response = client.get(reset_link(account), follow=True)
    assert title_case_in(response.text) == []
    assert says(response.text, "Change password")
    response = client.get(reverse("account_reset_password_from_key", kwargs={
        "uidb36": user_pk_to_url_str(account), "key": "not-a-key"}), follow=True)
    assert title_case_in(response.text) == []
    assert says(response.text, "Bad token")


def test_the_pages_for_a_signed_in_customer_are_in_sentence_case(client, account):
    unconfirmed = EmailAddress.objects.create(user=account, email="ada@work.example",
                                              verified=False)
    client.force_login(account)
    pages = {
        reverse("account_logout"): ["Sign out"],
        reverse("account_email"): ["Email addresses", "Make primary", "Re-send verification",
                                   "Add email"],
        reverse("account_change_password"): ["Change password", "Current password"],
        reverse("account_confirm_email", args=[EmailConfirmationHMAC(unconfirmed).key]): [
            "Confirm email address"],
    }
    for url, expected in pages.items():
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        assert title_case_in(response.text) == [], url
        for text in expected:
            assert says(response.text, text), (url, text)


def test_the_login_form_labels_are_in_sentence_case(client):
    page = client.get(reverse("account_login")).text
    assert "Remember Me" not in page
    assert "Forgot your password?" in page


def test_the_compiled_catalogue_holds_what_its_source_says():
    source = (CATALOGUE / "django.po").read_text()
    pairs = dict(re.findall(r'^msgid "(.+)"\nmsgstr "(.*)"$', source, re.MULTILINE))
    with (CATALOGUE / "django.mo").open("rb") as file:
        compiled = gettext.GNUTranslations(file)
    assert len(pairs) > 30
    assert {msgid: compiled.gettext(msgid) for msgid in pairs} == pairs
    for msgid, msgstr in pairs.items():
        assert msgstr[0] == msgid[0] and msgstr[1:] == msgstr[1:].lower(), msgid
