"""Every large fact row carries its county (``county_id``), so that a province that outgrows one
PostgreSQL can distribute those tables by county (Citus) and a county's or township's query stays
on one node. The county of a place is the third code of its region's path
('/province/city/county/…/'): a county's own row is its county; a place above the counties has none.

Filled in one place for every write path:

- ``county_column()``'s default: every INSERT that leaves ``county_id`` out (the ORM's, and any
  ``insert(Model)`` executemany) takes it from the row's ``region_id`` — or, for a table whose rows
  hang off another (a project's payments), from that parent row's ``county_id``;
- ``fill(table, rows)`` for row dicts written around the ORM: ``core.bulk.bulk_insert`` (COPY on
  PostgreSQL) calls it, and so does anything that updates ``region_id`` in bulk;
- an ORM ``before_update`` hook: a row whose ``region_id`` changes takes the new county, and the
  rows that hang off it (a project's payments) follow (``follow`` for a bulk UPDATE).

Region → county is kept per process (``_county``): regions rarely change and never move between
counties in place (a division moved to another county gets a new code). Writing a region clears it.
"""
from operator import itemgetter

from sqlalchemy import ForeignKey, event, inspect, select, update
from sqlalchemy.orm import mapped_column

from ..extensions import db
from .lookups import among, slices
from .models import Region

_county = {}  # region id → county id (None: above the counties)
_UNSEEN = object()


def county_column(through=None):
    """The ``county_id`` column of a large fact table. ``through`` = (column, parent table name):
    the row's county is that parent row's (a project payment's is its project's)."""
    return mapped_column(ForeignKey("regions.id"), default=_default, info={"county_through": through})


def _default(context):
    table = context.current_column.table
    params = context.get_current_parameters()
    through = _through(table)
    if through is None:
        return counties([params.get("region_id")], context.connection).get(params.get("region_id"))
    column, parent = through
    return _parents_counties(parent, [params.get(column)], context.connection).get(params.get(column))


def _through(table):
    return table.c.county_id.info.get("county_through")


def counties(region_ids, connection=None):
    """{region id: county id} for ``region_ids`` (a county id None above the counties); what the
    process has not seen yet is read in one query. (Answered from what this call found, not read
    back: another thread writing a region may clear the cache meanwhile.)"""
    found, missing = {}, set()
    for region_id in set(region_ids):
        county_id = _county.get(region_id, _UNSEEN)
        if county_id is _UNSEEN and region_id is not None:
            missing.add(region_id)
        else:
            found[region_id] = None if county_id is _UNSEEN else county_id
    if missing:
        run = (connection or db.session).execute
        codes = {}
        for region_id, path in run(select(Region.id, Region.path).where(Region.id.in_(missing))):
            parts = path.strip("/").split("/")
            codes[region_id] = parts[2] if len(parts) >= 3 else None
        ids = dict(run(select(Region.code, Region.id).where(Region.code.in_({c for c in codes.values() if c}))).all())
        for region_id, code in codes.items():
            found[region_id] = _county[region_id] = ids.get(code)
        for region_id in missing - codes.keys():
            found[region_id] = None  # no such region: the database's key refuses the row
    return found


def _parents_counties(parent, ids, connection=None):
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    table = db.metadata.tables[parent]
    run = (connection or db.session).execute
    found = {}
    ids = list(ids)
    for part in slices(ids):
        found.update(run(select(table.c.id, table.c.county_id).where(among(table.c.id, part))).all())
    return found


def fill(table, rows):
    """Set ``county_id`` in each row dict of ``table`` from its ``region_id`` (or its parent's
    county), in place; rows without the key it comes from are left alone. Nothing for a table
    without the column."""
    if "county_id" not in table.c or not rows:
        return rows
    through = _through(table)
    column = "region_id" if through is None else through[0]
    try:  # (a bulk write's rows all have it: under a second a million rows)
        keys, keyed = set(map(itemgetter(column), rows)), rows
    except KeyError:  # a withdrawal's rows put back only what they changed
        keyed = [row for row in rows if column in row]
        keys = {row[column] for row in keyed}
    found = counties(keys) if through is None else _parents_counties(through[1], keys)
    get = found.get  # (a parent not found: None, and the database says what is wrong)
    for row in keyed:
        row["county_id"] = get(row[column])
    return rows


def _children(table):
    """(child table, its column naming ``table``'s row) for each table whose county comes through it."""
    for child in db.metadata.tables.values():
        if "county_id" in child.c and (_through(child) or (None, None))[1] == table.name:
            yield child, child.c[_through(child)[0]]


def follow(table, ids, connection=None):
    """The rows hanging off ``table``'s rows ``ids`` (written already, moved to another county)
    take their county again."""
    ids = list(ids)
    run = (connection or db.session).execute
    for child, column in _children(table):
        for part in slices(ids):
            run(update(child).where(among(column, part)).values(
                county_id=select(table.c.county_id).where(table.c.id == column).scalar_subquery()))


def clear():
    """Forget every county read (a region was written)."""
    _county.clear()


@event.listens_for(db.Model, "before_update", propagate=True)
def _moved(mapper, connection, target):
    """A row whose place changes takes the new place's county; the rows hanging off it follow."""
    if "county_id" not in mapper.columns or _through(mapper.local_table) is not None:
        return
    if not inspect(target).attrs.region_id.history.has_changes():
        return
    county_id = counties([target.region_id], connection).get(target.region_id)
    target.county_id = county_id
    for child, column in _children(mapper.local_table):
        connection.execute(update(child).where(column == target.id, child.c.county_id != county_id)
                           .values(county_id=county_id))


@event.listens_for(Region, "after_insert")
@event.listens_for(Region, "after_update")
@event.listens_for(Region, "after_delete")
def _region_written(mapper, connection, target):
    clear()
