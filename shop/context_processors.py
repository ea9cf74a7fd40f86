from django.conf import settings

from shop.carts import badge_count


def store(request):
    return {
        "store_name": settings.STORE_NAME,
        "store_currency": settings.STORE_CURRENCY,
        "cart_count": badge_count(request) if hasattr(request, "session") else 0,
    }
