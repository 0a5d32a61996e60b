"""Region scoping, in one place. Every list and every lookup of region-owned rows goes through here.

A user sees and acts on their region and everything below it: a region's ``path`` starts with the
user's region ``path``. Rows owned by a region carry ``region_id``.
"""
from sqlalchemy import select

from ..extensions import db
from .errors import ApiError, not_found
from .models import Region


def covers(actor, region):
    """True when ``region`` lies in the actor's subtree (anonymous covers nothing)."""
    if actor is None or not getattr(actor, "is_authenticated", False) or region is None:
        return False
    return region.path.startswith(actor.region.path)


def scoped(stmt, model, actor, within=None):
    """Restrict a SELECT of ``model`` (which has ``region_id``) to the actor's subtree, and further
    to the subtree of region ``within`` if given (403 when that region is outside the actor's)."""
    top = actor.region if within is None else get_scoped(Region, within, actor, "地区", "region")
    return stmt.join(Region, model.region_id == Region.id).where(
        Region.path.startswith(top.path, autoescape=True))


def scoped_regions(stmt, actor):
    """Restrict a SELECT of regions to the actor's subtree."""
    return stmt.where(Region.path.startswith(actor.region.path, autoescape=True))


def get_scoped(model, ident, actor, what_zh, what_en, for_update=False):
    """Load one region-owned row the actor may see: 404 when missing, 403 when outside the scope."""
    stmt = select(model).where(model.id == ident)
    if for_update:
        stmt = stmt.with_for_update()
    obj = db.session.execute(stmt).scalar_one_or_none()
    if obj is None:
        raise not_found(what_zh, what_en)
    return ensure_in_scope(obj, actor, what_zh, what_en)


def ensure_in_scope(obj, actor, what_zh, what_en):
    """Return ``obj`` (a region or a row with ``region_id``) if the actor covers it, else 403."""
    region = obj if isinstance(obj, Region) else db.session.get(Region, obj.region_id)
    if not covers(actor, region):
        raise ApiError(403, "out_of_scope", f"该{what_zh}不在您的管辖范围内",
                       f"This {what_en} is outside your region")
    return obj
