"""Backup codes as a person sees them and as the database keeps them.

A code is ten characters from an alphabet without look-alikes (no 0/o, 1/l/i), shown as
`xxxxx-xxxxx`: about 49 bits each. Only a keyed hash of the normalised code is stored, made
with the site's secret and bound to the account, so the table alone reveals no code and two
accounts can never share a digest. Old secrets (SECRET_KEY_FALLBACKS) still match codes made
before a key rotation.
"""

import secrets

from django.conf import settings
from django.utils.crypto import salted_hmac

COUNT = 10
LENGTH = 10
ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
_SALT = "security.twofactor.backup-code"


def generate_codes(count: int = COUNT) -> list[str]:
    """`count` fresh codes, formatted for reading out and typing back."""
    codes = set()
    while len(codes) < count:
        codes.add("".join(secrets.choice(ALPHABET) for _ in range(LENGTH)))
    return [f"{code[:5]}-{code[5:]}" for code in sorted(codes)]


def normalise(code: str) -> str:
    """What a person typed, as it was generated: case, spaces and dashes do not matter."""
    return "".join(code.split()).replace("-", "").lower()


def looks_like_backup_code(code: str) -> bool:
    code = normalise(code)
    return len(code) == LENGTH and all(char in ALPHABET for char in code)


def digest(*, user_id: int, code: str, secret: str | None = None) -> str:
    """The stored form of `code` for this account, keyed with `secret` (the current one by
    default)."""
    return salted_hmac(
        f"{_SALT}:{user_id}", normalise(code), secret=secret, algorithm="sha256"
    ).hexdigest()


def candidate_digests(*, user_id: int, code: str) -> list[str]:
    """Every digest `code` may be stored under: one per secret the site still accepts."""
    secrets_in_use = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return [digest(user_id=user_id, code=code, secret=secret) for secret in secrets_in_use]
