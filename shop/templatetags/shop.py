from django import template
from django.core.files.storage import default_storage
from django.template import Context

from core.http import clean_query

register = template.Library()

@register.simple_tag(takes_context=True)
def query(context: Context, **changes: object) -> str:
    """The current query string with some parameters replaced; None or "" removes one."""
    return "?" + clean_query(context["request"].GET, **changes)


@register.filter
def media_url(name: str) -> str:
    """The URL of a stored file named by an annotation (a path, not a FieldFile)."""
    return default_storage.url(name) if name else ""
