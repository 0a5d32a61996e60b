"""Values written into a statement's text, so that PostgreSQL can plan it once and keep the plan.

psycopg prepares a statement it has run five times on a connection; PostgreSQL then plans each run
anew ("custom" plans) until a plan made without the parameters' values ("generic") looks no worse,
and from then on reuses that one. A list page's statement kept being planned anew, a millisecond of
each page at province scale: with its LIMIT a parameter, a generic plan must allow for reading
every row; with the region's path prefix a parameter it cannot walk the prefix index; with the
warnings' status a parameter it cannot count on the list's index. Such values — few per statement,
chosen by the app, not typed by a user — are written in (``written``); the values that vary from
page to page (the position of ``after``) stay parameters. One statement text per region and page
size: psycopg keeps at most 100 prepared per connection, the least used dropped first.
"""
from sqlalchemy import bindparam


def written(value, name="written"):
    """``value`` as a bound parameter that is rendered into the SQL text when the statement runs
    (quoted and escaped by the dialect, as any literal)."""
    return bindparam(name, value, unique=True, literal_execute=True)
