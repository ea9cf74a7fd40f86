from shop.models.catalogue import Category, Product, ProductImage, Variant
from shop.models.customers import User

__all__ = ["Category", "Product", "ProductImage", "User", "Variant"]
