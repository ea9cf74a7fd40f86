from django.http import HttpResponse
from django.shortcuts import render

from bench.floor.models import Item

_HEAD = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Floor</title></head>'
    "<body><main><h1>A constant page</h1><p>"
)
_TAIL = "</p></main></body></html>\n"
# Exactly 1 KiB of HTML, the same bytes every time.
CONSTANT = (
    _HEAD + ("The same bytes on every request. " * 40)[: 1024 - len(_HEAD) - len(_TAIL)] + _TAIL
).encode()


def constant(request):
    return HttpResponse(CONSTANT)


def items(request):
    return render(request, "floor/items.html", {"items": Item.objects.all()[:20]})
