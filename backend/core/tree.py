"""Reading the region tree."""
import time

from apiflask import Schema
from apiflask.fields import Integer, Nested, String
from sqlalchemy import event, select
from sqlalchemy.orm import Session, aliased

from ..extensions import db
from . import remembered
from .lookups import among, slices
from .models import Region


def ancestors(region):
    """From the root down to the region's parent, in one query on the path."""
    codes = region.path.strip("/").split("/")[:-1]
    if not codes:
        return []
    rows = db.session.execute(select(Region).where(Region.code.in_(codes))).scalars().all()
    return sorted(rows, key=lambda r: len(r.path))


PLACE_LEVELS = ("township", "county")
# Made once: building an alias copies every column of the table.
_PARENT, _GRAND = aliased(Region), aliased(Region)


class _Known:
    """Each region's name and places, kept in the process: every list page names the township and
    county of its twenty rows, and those change only when the division table does. A rename, move
    or abolition this process flushes forgets them all at once (``forget``), and on PostgreSQL so
    does the notice of one committed anywhere (``remembered.follow``, read on the next signed-in
    request); else an entry lives at most ``TTL`` seconds."""
    TTL = 60.0

    def __init__(self):
        self.forget()

    def forget(self):
        self.names, self.places, self.since = {}, {}, time.monotonic()

    def fresh(self):
        if time.monotonic() - self.since > self.TTL:
            self.forget()
        return self


KNOWN = _Known()
remembered.follow("jicai_regions", KNOWN.forget)


@event.listens_for(Session, "before_flush")
def _forget_changed_regions(session, flush_context, instances):
    if any(isinstance(o, Region) for o in (*session.dirty, *session.deleted)):
        KNOWN.forget()
        session.info["regions_changed"] = True


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_what_the_transaction_read(session):
    """(What was learnt while the change was uncommitted is forgotten again once it ends.)"""
    if session.info.pop("regions_changed", False):
        KNOWN.forget()


def _look_up(ids, into):
    """Each region of ``ids`` with its parent and grandparent (a village's township and county are
    at most two levels up), as few queries as ``lookups.slices`` gives, into ``into`` (a ``_Known``)."""
    parent, grand = _PARENT, _GRAND
    ids = list(ids)
    for part in slices(ids):
        rows = db.session.execute(
            select(Region.id, Region.level, Region.name, parent.id, parent.level, parent.name,
                   grand.id, grand.level, grand.name)
            .outerjoin(parent, Region.parent_id == parent.id).outerjoin(grand, parent.parent_id == grand.id)
            .where(among(Region.id, part))).all()
        for row in rows:
            named = {level: {"id": id_, "name": name} for id_, level, name in (row[0:3], row[3:6], row[6:9])
                     if level in PLACE_LEVELS}
            into.places[row[0]] = {level: named.get(level) for level in PLACE_LEVELS}
            into.names[row[0]] = row[2]
    return into


def _learn(ids):
    """Look up the regions the process does not know yet."""
    known = KNOWN.fresh()
    missing = {i for i in ids if i is not None and i not in known.places}
    return _look_up(missing, known) if missing else known


def places(region_ids, cached=True):
    """The township and the county each region lies in (itself when it is one; None above that
    level). ``{region_id: {"township": {id, name} | None, "county": {id, name} | None}}``. With
    ``cached=False`` read from the database in this transaction, not the process's cache (for
    who is told of something: that must not hang on what a cache last saw)."""
    known = _learn(region_ids) if cached else _look_up({i for i in region_ids if i is not None}, _Known())
    return {i: known.places[i] for i in region_ids if i in known.places}


def names(region_ids):
    """``{region_id: name}``."""
    known = _learn(region_ids)
    return {i: known.names[i] for i in region_ids if i in known.names}


def with_places(views, region_ids):
    """List items (dicts) with the ``township`` and ``county`` of their region (``region_ids`` in
    the same order as ``views``)."""
    region_ids = list(region_ids)
    named = places(region_ids)
    blank = dict.fromkeys(PLACE_LEVELS)
    return [{**view, **named.get(rid, blank)} for view, rid in zip(views, region_ids)]


class PlaceRef(Schema):
    id = Integer(required=True)
    name = String(required=True)


class Placed(Schema):
    """The township and county a list item lies in (null where the item sits above that level)."""
    township = Nested(PlaceRef, allow_none=True, metadata={"description": "the township the item lies in (lists)"})
    county = Nested(PlaceRef, allow_none=True, metadata={"description": "the county the item lies in (lists)"})
