"""Cells of every CSV or Excel file the system writes (import reports today, exports tomorrow) go
through ``safe_cell``: a text cell that starts with = + - @, a tab or a carriage return would be run
as a formula by Excel or WPS when the clerk opens the file (OWASP "CSV injection"), so it gets a
leading apostrophe and shows as the text it is. Numbers stay numbers — a negative amount in a money
column keeps its sign and is still summed by Excel."""
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """``value`` ready for a spreadsheet cell: numbers (int, float, Decimal) unchanged, text that
    could start a formula prefixed with ``'``, None as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def safe_row(values):
    """Every cell of a row through ``safe_cell``."""
    return [safe_cell(v) for v in values]
