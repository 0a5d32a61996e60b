"""Reading the region tree."""
from apiflask import Schema
from apiflask.fields import Integer, Nested, String
from sqlalchemy import select

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
    level), for a whole page of rows in two queries: the regions, then all their ancestors at once.
    ``{region_id: {"township": {id, name} | None, "county": {id, name} | None}}``."""
    ids = {i for i in region_ids if i is not None}
    if not ids:
        return {}
    paths = dict(db.session.execute(select(Region.id, Region.path).where(Region.id.in_(ids))).all())
    codes = {c for path in paths.values() for c in path.strip("/").split("/")}
    found = {code: (level, {"id": id_, "name": name}) for id_, code, name, level in db.session.execute(
        select(Region.id, Region.code, Region.name, Region.level).where(
            Region.code.in_(codes), Region.level.in_(PLACE_LEVELS))).all()}
    out = {}
    for id_, path in paths.items():
        named = dict(found[c] for c in path.strip("/").split("/") if c in found)
        out[id_] = {level: named.get(level) for level in PLACE_LEVELS}
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
