"""The large fact tables, partitioned by year on PostgreSQL (declarative partitioning; SQLite keeps
one table, and everything here does nothing there).

A partitioned table is ``PARTITION BY RANGE (<period column>)``: the column holds a period as text
that begins with its year ('2026', '2026-03', '2026-Q1', '2026-H1'), so year Y is the range
['Y', 'Y+1') and its partition is ``<table>_<Y>``; ``<table>_default`` takes anything else (a
period outside every year made so far) so that no write ever fails for want of a partition.

``ensure(years)`` makes the partitions that are missing: the importers call it before they write a
new year's rows, and a periodic job (subsidies/jobs.py) every hour for this year and the next.
Queries that read one year say so with ``year_range`` — a predicate the planner prunes on.
"""
import re

from sqlalchemy import and_, text

from ..extensions import db

# table: its partition key (a text column that begins with the year)
PARTITIONED = {"disbursements": "period"}
FIRST_YEAR, LAST_YEAR = 1990, 2199  # years outside are left to the default partition
_NAME = re.compile(r"^(%s)_(\d{4}|default)$" % "|".join(PARTITIONED))


def is_partition(name):
    """True for the name of a partition (``disbursements_2026``, ``disbursements_default``)."""
    return bool(_NAME.match(name or ""))


def bounds(year):
    """The partition key range of ``year``: ['2026', '2027')."""
    return f"{int(year):04d}", f"{int(year) + 1:04d}"


def year_range(column, year):
    """SQL: ``column`` (a period) lies in ``year`` — as a range, so PostgreSQL reads one partition."""
    low, high = bounds(year)
    return and_(column >= low, column < high)


def years_of(periods):
    """The years named by periods ('2026-03' → 2026); anything that does not begin with one is left out."""
    found = set()
    for period in periods:
        head = str(period or "")[:4]
        if head.isdigit() and FIRST_YEAR <= int(head) <= LAST_YEAR:
            found.add(int(head))
    return found


def ensure(years, tables=None):
    """Make the missing year partitions of ``tables`` (all partitioned tables by default), inside the
    current transaction; returns the names made. Does nothing on SQLite or for a table that is not
    partitioned. Rows of that year already in the default partition move into the new partition."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        return []
    years = sorted(y for y in {int(y) for y in years} if FIRST_YEAR <= y <= LAST_YEAR)
    if not years:
        return []
    made = []
    for table in tables or PARTITIONED:
        wanted = [f"{table}_{y}" for y in years]
        if _missing(table, wanted) is None:
            continue  # not partitioned (yet): one table
        missing = _missing(table, wanted)
        if not missing:
            continue
        # two writers making the same partition: the second waits here, then finds it made
        db.session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": f"partitions:{table}"})
        for name in _missing(table, wanted):
            _make(table, int(name.rsplit("_", 1)[1]))
            made.append(name)
    return made


def _missing(table, names):
    """Which of ``names`` are not yet partitions of ``table`` (None: ``table`` is not partitioned)."""
    rows = db.session.execute(text(
        "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relname = ANY(:names)"), {"names": [table, *names]}).all()
    kinds = dict(rows)
    if kinds.get(table) != "p":
        return None
    return [name for name in names if name not in kinds]


def _make(table, year):
    key = PARTITIONED[table]
    low, high = bounds(year)
    name, default = f"{table}_{year}", f"{table}_default"
    stray = db.session.execute(text(f"SELECT 1 FROM {default} WHERE {key} >= :low AND {key} < :high LIMIT 1"),
                               {"low": low, "high": high}).first()
    if stray is None:
        db.session.execute(text(f"CREATE TABLE {name} PARTITION OF {table} FOR VALUES FROM ('{low}') TO ('{high}')"))
        return
    # The default partition holds rows of this year: take them out of it, then attach the year.
    db.session.execute(text(f"CREATE TABLE {name} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"))
    db.session.execute(text(f"WITH moved AS (DELETE FROM {default} WHERE {key} >= :low AND {key} < :high RETURNING *) "
                            f"INSERT INTO {name} SELECT * FROM moved"), {"low": low, "high": high})
    db.session.execute(text(f"ALTER TABLE {table} ATTACH PARTITION {name} FOR VALUES FROM ('{low}') TO ('{high}')"))


def ensure_current(today):
    """This year's and next year's partitions (the periodic job)."""
    return ensure({today.year, today.year + 1})
