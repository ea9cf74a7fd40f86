"""Single-use discount codes made by the batch (for a newsletter or a partner): random,
unique, each good for one order."""

import secrets

from django.db import IntegrityError, transaction

from shop.models import DiscountCode, Promotion

# No 0/O, 1/I/L, so a code read out or copied from paper is typed right.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
RANDOM_PART = 8  # 31**8 ≈ 8.5e11 codes per prefix
ATTEMPTS = 5


class CodesNotGenerated(Exception):
    """Every code drawn clashed with an existing one, attempt after attempt."""


def single_use_codes(promotion: Promotion, *, count: int, prefix: str) -> list[DiscountCode]:
    """`count` new codes of the promotion, `PREFIX-XXXXXXXX`, each for one order. Raises
    CodesNotGenerated when the draws keep clashing with codes that exist."""
    for _ in range(ATTEMPTS):
        texts = _random_texts(count, prefix)
        texts -= set(DiscountCode.objects.filter(code__in=texts).values_list("code", flat=True))
        if len(texts) < count:
            continue  # one was taken already: draw the batch again
        try:
            # A savepoint: a code someone else saved meanwhile fails this batch alone.
            with transaction.atomic():
                return DiscountCode.objects.bulk_create(
                    DiscountCode(promotion=promotion, code=text, max_uses=1)
                    for text in sorted(texts)
                )
        except IntegrityError:
            continue
    raise CodesNotGenerated(
        "New codes kept clashing with codes that exist. Try again, or use another prefix."
    )


def _random_texts(count: int, prefix: str) -> set[str]:
    texts: set[str] = set()
    while len(texts) < count:
        random_part = "".join(secrets.choice(CODE_ALPHABET) for _ in range(RANDOM_PART))
        texts.add(f"{prefix}-{random_part}" if prefix else random_part)
    return texts
