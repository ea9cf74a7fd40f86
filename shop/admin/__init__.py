"""The admin: the catalogue, the orders and the promotions, each in its own module
(importing them registers them)."""

from shop.admin import catalogue, promotions
from shop.admin.orders import OrderAdmin, ReadOnlyInline

__all__ = ["OrderAdmin", "ReadOnlyInline", "catalogue", "promotions"]
