"""What the shop's reads and writes can refuse, in words a person can act on."""

from datetime import datetime


class ShopError(Exception):
    message = "Something went wrong."

    def __init__(self, message: str = "") -> None:
        super().__init__(message or self.message)
        self.message = message or self.message


class CategoryNotFound(ShopError):
    message = "There is no such category."


class OutOfStock(ShopError):
    """Not enough units of a line; the message names the line and what is left."""

    message = "Some items are no longer available in the quantity you asked for."


class EmptyCart(ShopError):
    message = "Your cart is empty: add something before checking out."


class ShippingUnavailable(ShopError):
    message = "That shipping method is no longer offered; please choose another."


class UnpaidOrderFromCart(ShopError):
    """The cart changed after an order was placed from it, and that order may still be paid
    (its provider's page may be open): placing another would charge twice or hold the same
    units twice. The shopper pays for it or cancels it first."""

    def __init__(self, *, number: str) -> None:
        super().__init__(
            f"Order {number}, placed from this cart, is still waiting for payment. Pay for it "
            "or cancel it on its page before placing a new order."
        )
        self.number = number


class IllegalTransition(ShopError):
    message = "That change of status is not allowed for this order."


class CannotCancel(ShopError):
    message = "This order can no longer be cancelled."


class CartLineGone(ShopError):
    message = "That item is no longer in your cart."


class NotDueYet(ShopError):
    """Work asked for before its time (an order's expiry before its deadline)."""

    message = "This is not due yet."

    def __init__(self, *, due: datetime) -> None:
        super().__init__(f"Not due until {due.isoformat()}.")
        self.due = due


class AccountNotClosable(ShopError):
    """The account cannot be closed now: an order is still open, or it is not a customer's
    account to close here. `reasons` say what to wait for, one sentence each."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__(" ".join(reasons))
        self.reasons = reasons
