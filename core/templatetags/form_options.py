"""`{{ choices|options:chosen }}`: a drop-down's <option> tags, written in Python. A list of
states is some sixty options, and a template loop over them cost more than the rest of the
checkout's form; the markup is the same (tests/shop/test_field_template.py holds it to
Django's own)."""

from functools import lru_cache

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def options(choices, chosen) -> SafeString:
    """Each (value, label) of `choices` as an option, the one equal to `chosen` (None: "")
    selected; one per line, indented, as the select partial had them."""
    chosen = "" if chosen is None else chosen
    # Safe: every value and label is escaped by _escaped; the rest is this literal markup.
    return mark_safe("".join(  # noqa: S308
        f'  <option value="{value_html}"{" selected" if value == chosen else ""}>'
        f"{label_html}</option>\n"
        for value, value_html, label_html in _escaped(tuple(choices))
    ))


@lru_cache(maxsize=64)
def _escaped(choices: tuple) -> tuple[tuple[object, str, str], ...]:
    """The values and labels escaped once for each list of choices (a country's states, the
    countries shipped to), not on every page."""
    return tuple((value, escape(value), escape(label)) for value, label in choices)
