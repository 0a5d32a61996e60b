"""Looking up thousands of keys at once: ``for part in slices(keys): … where(among(column, part))``
— one statement on PostgreSQL (the keys as one array), slices of 10,000 on SQLite (which binds at
most 32,766 parameters to a statement)."""
from sqlalchemy import any_, bindparam
from sqlalchemy.types import ARRAY

from ..extensions import db


def among(column, values):
    """``column IN (values)`` for thousands of values. On PostgreSQL one array parameter,
    ``column = ANY(:values)``: a 10,000-value IN is 10,000 parameters for SQLAlchemy to render and
    psycopg to scan (a second for a return file's lookups), an array one. Elsewhere IN (callers
    still slice: SQLite takes at most 32,766 parameters a statement)."""
    values = list(values)
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


def slices(values, size=10_000):
    """``values`` (a list) in the slices one ``among`` can take: on PostgreSQL all of them at once
    (one array, and one statement: run again and again psycopg would prepare it, and a prepared
    statement's generic plan cannot pick the table's partition by the other parameters); elsewhere
    ``size`` at a time."""
    if db.session.get_bind().dialect.name == "postgresql":
        return [values] if values else []
    return [values[i:i + size] for i in range(0, len(values), size)]
