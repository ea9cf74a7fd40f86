"""What the shop's reads and writes can refuse, in words a person can act on."""


class ShopError(Exception):
    message = "Something went wrong."

    def __init__(self, message: str = ""):
        super().__init__(message or self.message)
        self.message = message or self.message


class CategoryNotFound(ShopError):
    message = "There is no such category."
