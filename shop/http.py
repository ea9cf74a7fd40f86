"""Rendering pages for plain and HTMX requests alike."""

from collections.abc import Iterable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers


def render_page(
    request: HttpRequest,
    template: str,
    context: dict,
    *,
    fragments: Iterable[str] = (),
    status: int = 200,
) -> HttpResponse:
    """Render the whole page, or only the partial an HTMX request targets.

    A request targeting `#name` gets `template#name` when `name` is one of `fragments`;
    a normal, boosted or history-restore request gets the whole page.
    """
    htmx = getattr(request, "htmx", None)
    if (
        htmx
        and not htmx.boosted
        and not htmx.history_restore_request
        and htmx.target in set(fragments)
    ):
        template = f"{template}#{htmx.target}"
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response
