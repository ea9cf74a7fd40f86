from django.conf import settings
from django.http import HttpRequest

from shop.request_cart import badge_count


def store(request: HttpRequest) -> dict[str, object]:
    return {
        "store_name": settings.STORE_NAME,
        "store_currency": settings.STORE_CURRENCY,
        "cart_count": badge_count(request) if hasattr(request, "session") else 0,
    }
