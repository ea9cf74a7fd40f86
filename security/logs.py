"""Text from a request, made safe to put in a log line."""


def loggable(value: object, limit: int = 80) -> str:
    """`value` on one line, cut to `limit` characters. Whoever sent the request chose it, so
    line breaks and other control characters are escaped: a value cannot forge a log line."""
    text = "".join(
        char if char.isprintable() else repr(char)[1:-1] for char in str(value)
    )
    return text if len(text) <= limit else text[: limit - 1] + "…"
