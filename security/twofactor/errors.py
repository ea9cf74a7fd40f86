"""What can go wrong with a second factor, in words a person can act on."""



class TwoFactorError(Exception):
    message = "Two-factor authentication could not be changed."

    def __init__(self, message: str | None = None):
        super().__init__(message or self.message)
        self.message = message or self.message


class InvalidCode(TwoFactorError):
    message = (
        "That code did not work. Enter the newest code from your authenticator app, or one "
        "of your unused backup codes."
    )


class TooManyAttempts(TwoFactorError):
    """Wrong codes came too fast: django-otp's throttle wants a pause (1, 2, 4, 8 … s) before
    it checks another code, even a right one."""

    def __init__(self, seconds: int):
        self.seconds = seconds
        super().__init__(
            f"Too many tries: wait {seconds} second{'s' if seconds != 1 else ''} and enter "
            "the newest code from your authenticator app."
        )


class AlreadyEnabled(TwoFactorError):
    message = "Two-factor authentication is already on for your account."


class NotEnabled(TwoFactorError):
    message = "Two-factor authentication is not on for your account."
