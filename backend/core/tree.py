"""Reading the region tree."""
from apiflask import Schema
from apiflask.fields import Integer, Nested, String
from sqlalchemy import select
from sqlalchemy.orm import aliased

from ..extensions import db
from .models import Region


def ancestors(region):
    """From the root down to the region's parent, in one query on the path."""
    codes = region.path.strip("/").split("/")[:-1]
    if not codes:
        return []
    rows = db.session.execute(select(Region).where(Region.code.in_(codes))).scalars().all()
    return sorted(rows, key=lambda r: len(r.path))


PLACE_LEVELS = ("township", "county")


def places(region_ids):
    """The township and the county each region lies in (itself when it is one; None above that
    level), for a whole page of rows in one query: each region with its parent and grandparent (a
    village's township and county are at most two levels up).
    ``{region_id: {"township": {id, name} | None, "county": {id, name} | None}}``."""
    ids = {i for i in region_ids if i is not None}
    if not ids:
        return {}
    parent, grand = aliased(Region), aliased(Region)
    rows = db.session.execute(
        select(Region.id, Region.level, Region.name, parent.id, parent.level, parent.name,
               grand.id, grand.level, grand.name)
        .outerjoin(parent, Region.parent_id == parent.id).outerjoin(grand, parent.parent_id == grand.id)
        .where(Region.id.in_(ids))).all()
    out = {}
    for row in rows:
        named = {level: {"id": id_, "name": name} for id_, level, name in (row[0:3], row[3:6], row[6:9])
                 if level in PLACE_LEVELS}
        out[row[0]] = {level: named.get(level) for level in PLACE_LEVELS}
    return out


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
