"""Writing many rows at once, for the importers and the bank's return files: fresh ids in one
block, COPY on PostgreSQL (executemany elsewhere), and the cyclic garbage collector paused while
millions of row dicts come and go."""
import gc
from contextlib import contextmanager

from sqlalchemy import func, insert, select, text

from ..extensions import db
from . import county


@contextmanager
def gc_paused():
    """Tens of thousands to millions of short-lived row dicts: the cyclic collector would walk the
    growing heap again and again (none of these rows forms a cycle); reference counting still
    frees them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def new_ids(model, n):
    """``n`` fresh primary keys for ``model``'s table."""
    if n == 0:
        return []
    connection = db.session.connection()
    table = model.__table__.name
    if connection.dialect.name == "postgresql":
        return db.session.execute(text(  # one row holding them all: no row-by-row fetch
            f"SELECT array_agg(nextval(pg_get_serial_sequence('{table}', 'id'))) FROM generate_series(1, :n)"),
            {"n": n}).scalar_one()
    start = (db.session.scalar(select(func.max(model.id))) or 0) + 1
    return list(range(start, start + n))


def bulk_insert(table, rows, columns=None):
    """Insert many rows: PostgreSQL's COPY (several times faster than INSERT), else executemany.
    ``rows`` are dicts, or tuples in the order of ``columns``. A fact table's ``county_id`` is
    filled here from each row's place (``core.county``); a region written clears what the process
    knows of counties."""
    if not rows:
        return
    if "county_id" in table.c:
        if columns is not None:
            rows, columns = [dict(zip(columns, row)) for row in rows], None
        county.fill(table, rows)
    elif table.name == "regions":
        county.clear()
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        db.session.execute(insert(table), rows if columns is None else [dict(zip(columns, row)) for row in rows])
        return
    if columns is None:
        columns = list(rows[0])
        rows = ([row[c] for c in columns] for row in rows)
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor:
        # psycopg's write_row dumps and escapes each value in C: ~3× faster than joining text here.
        with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
