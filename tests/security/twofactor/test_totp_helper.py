"""The tests' own TOTP, checked against RFC 6238 before anything relies on it."""

import pytest

from tests.second_factor import RFC_KEY_HEX, key_from_base32, totp

# RFC 6238, appendix B: SHA-1, 8 digits, the ASCII key "12345678901234567890".
RFC_6238_SHA1 = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]


@pytest.mark.parametrize(("at", "code"), RFC_6238_SHA1)
def test_the_helper_matches_the_rfc_6238_sha1_vectors(at, code):
    assert totp(b"12345678901234567890", at, digits=8) == code


def test_six_digit_codes_are_the_last_six_of_the_eight():
    assert totp(bytes.fromhex(RFC_KEY_HEX), 59) == "287082"


def test_a_key_read_off_the_setup_page_decodes_to_the_secret():
    assert key_from_base32("GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ") == b"12345678901234567890"
