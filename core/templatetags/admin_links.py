"""`{{ order|admin_change_url }}`: the admin page of a row. `{% url %}` reverses the URL for
each row, and a dashboard of order and stock tables reversed some fifty a request; here the
URL is reversed once for each model (and script prefix) and each row fills in its id, quoted
as the admin quotes it."""

from functools import lru_cache

from django.contrib.admin.utils import quote
from django.db.models import Model
from django.template import Library
from django.urls import get_script_prefix, reverse

register = Library()

# Stands for the id in the reversed URL: not a character the admin's quote() ever writes.
ID = "~id~"


@register.filter
def admin_change_url(row: Model) -> str:
    return _change_url(row._meta.app_label, row._meta.model_name, get_script_prefix()).replace(
        ID, str(quote(row.pk))
    )


@lru_cache(maxsize=64)
def _change_url(app_label: str, model_name: str, prefix: str) -> str:
    # The prefix is part of the key: reverse() writes the request's own.
    return reverse(f"admin:{app_label}_{model_name}_change", args=[ID])
