"""The admin: the catalogue, the orders, the promotions and the shops, each in its own module
(importing them registers them)."""

from shop.admin import catalogue, promotions, sellers
from shop.admin.orders import OrderAdmin, ReadOnlyInline

__all__ = ["OrderAdmin", "ReadOnlyInline", "catalogue", "promotions", "sellers"]
