"""Signals the shop sends for other apps to follow, without the shop knowing them."""

from django.dispatch import Signal

# Sent by checkout once an order is placed (its stock reserved), with `request` and `order`.
order_placed = Signal()
