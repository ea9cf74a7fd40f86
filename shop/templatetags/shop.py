from django import template
from django.core.files.storage import default_storage
from django.template import Context
from django.utils.safestring import mark_safe

from core.http import clean_query
from shop.shared_pages import PRESSED, SavedMarks

register = template.Library()

@register.simple_tag(takes_context=True)
def query(context: Context, **changes: object) -> str:
    """The current query string with some parameters replaced; None or "" removes one."""
    return "?" + clean_query(context["request"].GET, **changes)


@register.filter
def media_url(name: str) -> str:
    """The URL of a stored file named by an annotation (a path, not a FieldFile)."""
    return default_storage.url(name) if name else ""


@register.simple_tag
def pressed(pk: int, saved: object) -> str:
    """A save toggle's value and aria-pressed, for the product or shop `pk` among the ids
    `saved`; in a page rendered to be shared by customers (shop.shared_pages), a mark that
    each response fills in for its own customer."""
    if isinstance(saved, SavedMarks):
        return saved.mark(pk)
    return mark_safe(PRESSED[pk in saved].decode())  # noqa: S308  fixed attributes
