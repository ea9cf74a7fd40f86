from shop.models.addresses import Address, PostalAddress
from shop.models.cart import Cart, CartLine
from shop.models.catalogue import Category, Product, ProductImage, Variant
from shop.models.customers import User
from shop.models.orders import (
    TRANSITIONS,
    Order,
    OrderEmail,
    OrderEvent,
    OrderLine,
    ShippingMethod,
)
from shop.models.privacy import DataExport
from shop.models.promotions import DiscountCode, OrderDiscount, Promotion
from shop.models.reviews import Review, SellerReview
from shop.models.risk import OrderRisk
from shop.models.saved_sellers import SavedSeller
from shop.models.sellers import Payout, Seller, SellerBranch, SellerMember, Shipment
from shop.models.wishlist import WishlistItem

__all__ = [
    "TRANSITIONS",
    "Address",
    "Cart",
    "CartLine",
    "Category",
    "DataExport",
    "DiscountCode",
    "Order",
    "OrderDiscount",
    "OrderEmail",
    "OrderEvent",
    "OrderLine",
    "OrderRisk",
    "Payout",
    "PostalAddress",
    "Product",
    "ProductImage",
    "Promotion",
    "Review",
    "SavedSeller",
    "Seller",
    "SellerBranch",
    "SellerMember",
    "SellerReview",
    "Shipment",
    "ShippingMethod",
    "User",
    "Variant",
    "WishlistItem",
]
