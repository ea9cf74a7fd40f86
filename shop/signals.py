"""Signals the shop sends for other apps to follow, without the shop knowing them."""

from django.dispatch import Signal

# Sent by checkout once an order is placed (its stock reserved), with `request` and `order`.
order_placed = Signal()

# Sent by the cart-add view and the wishlist's move to the cart once units of a variant are
# in the shopper's cart (all asked for, or as many as could be added), with `request`,
# `product` and `variant`.
added_to_cart = Signal()

# Sent while a customer's data export is prepared, with `user` (None for a guest's, by
# email) and `order_ids` (the orders the export covers). Each receiver returns {name: list
# of rows (dicts)}: each becomes a JSON file of the export, and a CSV one beside it.
collect_personal_data = Signal()

# Sent before an account is closed or a guest's orders are erased, with `user` (None for a
# guest) and `order_ids`: each receiver returns a list of reasons (sentences for the
# customer) why it cannot be done yet, such as a refund still under way. Any reason refuses.
check_account_closable = Signal()

# Sent inside the transaction that erases an account's personal data (or a guest's), with
# `user` (None for a guest), `order_ids` and `scrub` (a function that replaces every
# personal value of the person in a text or a JSON value): receivers erase the copies their
# app keeps.
personal_data_erased = Signal()
