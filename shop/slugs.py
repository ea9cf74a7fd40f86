"""Slugs for addresses: a name's slug, numbered when another row of the model has it."""

from django.db import models
from django.utils.text import slugify


def free_slug(model: type[models.Model], name: str, *, fallback: str) -> str:
    """`name` as a slug that no `model` row has yet ("mug", then "mug-2", …), short enough
    for the model's slug field with a number added; `fallback` when the name has no letters
    a slug keeps."""
    base = slugify(name)[: model._meta.get_field("slug").max_length - 10] or fallback
    slug, n = base, 1
    while model.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug
