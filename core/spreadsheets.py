"""What every CSV file the shop writes shares, for the spreadsheets that open them: a byte
order mark first (so Excel reads accents right), and text a spreadsheet would run as a
formula (a cell starting with = + - @, a tab or a carriage return) made plain text with a
leading apostrophe."""

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Text a spreadsheet would take for a formula, made plain text."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text
