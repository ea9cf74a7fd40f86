"""Pages for the monitoring tests: one that queries by a recognisable value, one that logs,
one that fails while holding secrets."""

import logging

from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

MARKER_EMAIL = "needle-7f3a@example.com"


def lookup(request):
    found = get_user_model().objects.filter(email=MARKER_EMAIL).exists()
    return HttpResponse(f"found={found}")


def chatty(request):
    logging.getLogger("tests.monitoring").warning("something happened")
    return HttpResponse("ok")


@csrf_exempt  # posted straight to the WSGI handler, with no CSRF cookie
def boom(request):
    # A signed-in user and a secret in a local: the report must carry neither.
    if request.user.is_authenticated and request.POST.get("password"):
        raise RuntimeError("a bug")
    raise RuntimeError("a bug, signed out")


urlpatterns = [
    path("lookup/", lookup),
    path("chatty/", chatty),
    path("boom/", boom),
]
