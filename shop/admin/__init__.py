"""The admin: the catalogue and the orders, each in its own module (importing them
registers them)."""

from shop.admin import catalogue
from shop.admin.orders import OrderAdmin, ReadOnlyInline

__all__ = ["OrderAdmin", "ReadOnlyInline", "catalogue"]
