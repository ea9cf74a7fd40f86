"""Rendering pages for plain and HTMX requests alike, and tidy query strings."""

from collections.abc import Callable, Iterable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django_htmx.http import push_url


def render_page(
    request: HttpRequest,
    template: str,
    context: dict,
    *,
    fragments: Iterable[str] = (),
    push: str = "",
) -> HttpResponse:
    """Render the whole page, or only the partial an HTMX request targets.

    A request targeting `#name` gets `template#name` when `name` is one of `fragments`, with
    `fragment` set in the context, and the address `push` for the browser's history if given;
    a normal, boosted or history-restore request gets the whole page. A page rendered to be
    shared by many visitors is rendered with what its view's decorator left in
    `request.page_marks` (shop.shared_pages: marks in place of the CSP nonce and the CSRF
    token), which each response fills in with its own.
    """
    fragment = _targeted_fragment(request, fragments)
    if fragment:
        template = f"{template}#{fragment}"
    context = {**context, "fragment": fragment}
    context |= getattr(request, "page_marks", {})
    response = render(request, template, context)
    if fragment and push:
        push_url(response, push)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


def show_change(
    request: HttpRequest,
    template: str,
    *,
    fragment: str,
    context: Callable[[], dict],
    back_to: str,
    notice: str | None = None,
    error: str | None = None,
) -> HttpResponse:
    """After a change made by a POST: for an HTMX request targeting `#fragment`, that region
    again (its `context()` read afresh) with the notice or error in it; otherwise the
    message, and back to the page `back_to` names."""
    if _targeted_fragment(request, [fragment]):
        context = {**context(), "notice": notice, "error": error}
        return render_page(request, template, context, fragments=[fragment])
    if error:
        messages.error(request, error)
    elif notice:
        messages.success(request, notice)
    return redirect(back_to)


def _targeted_fragment(request: HttpRequest, fragments: Iterable[str]) -> str:
    htmx = getattr(request, "htmx", None)
    if not htmx or htmx.boosted or htmx.history_restore_request:
        return ""
    return htmx.target if htmx.target in set(fragments) else ""


def clean_query(params: QueryDict, **changes: object) -> str:
    """A query string without empty parameters, in a stable order, with `changes` applied
    (None or "" removes a parameter)."""
    params = params.copy()
    for name, value in changes.items():
        params.pop(name, None)
        if value not in (None, ""):
            params[name] = value
    pairs = [(k, [v for v in values if v]) for k, values in sorted(params.lists())]
    return urlencode([(k, values) for k, values in pairs if values], doseq=True)


def tidy_url(request: HttpRequest) -> str:
    """This request's address with its empty parameters left out."""
    query = clean_query(request.GET)
    return f"{request.path}?{query}" if query else request.path
