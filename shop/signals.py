"""Signals the shop sends for other apps to follow, without the shop knowing them."""

from django.dispatch import Signal

# Sent by checkout once an order is placed (its stock reserved), with `request` and `order`.
order_placed = Signal()

# Sent by the cart-add view and the wishlist's move to the cart once units of a variant are
# in the shopper's cart (all asked for, or as many as could be added), with `request`,
# `product` and `variant`.
added_to_cart = Signal()
