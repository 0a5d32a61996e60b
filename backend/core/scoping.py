"""Region scoping, in one place. Every list and every lookup of region-owned rows goes through here.

A user sees and acts on their region and everything below it: a region's ``path`` starts with the
user's region ``path``. Rows owned by a region carry ``region_id``.

Some roles see less than their region: a ``department`` user (农业农村局 …) sees only the rows of its
department's subsidy policies. The feature that knows what "its policies" means registers, per model,
a condition with ``narrowing(role, model)``; every ``scoped`` list and ``get_scoped`` lookup applies
it, and a model with no condition registered shows such a role nothing.
"""
from sqlalchemy import false, or_, select

from ..extensions import db
from .errors import ApiError, not_found
from .models import Region
from .plans import written


# role -> {model: fn(actor) -> SQL condition on the model}
NARROWED = {}


def narrowing(role, model):
    """Register ``fn(actor)`` → the SQL condition rows of ``model`` meet to be seen by ``role``."""
    def register(fn):
        NARROWED.setdefault(role, {})[model] = fn
        return fn
    return register


def narrowed(stmt, model, actor):
    """``stmt`` further restricted for a role that sees less than its region (unchanged otherwise)."""
    rules = NARROWED.get(getattr(actor, "role", None))
    if rules is None:
        return stmt
    condition = rules.get(model)
    return stmt.where(condition(actor) if condition is not None else false())


def covers(actor, region):
    """True when ``region`` lies in the actor's subtree (anonymous covers nothing)."""
    if actor is None or not getattr(actor, "is_authenticated", False) or region is None:
        return False
    return region.path.startswith(actor.region.path)


def subtree(region):
    """The condition on ``Region`` of the regions at or below ``region``: its path as a prefix,
    escaped, written into the statement (``plans.written``)."""
    escaped = region.path.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return Region.path.startswith(written(escaped, "subtree"), escape="/")


def scoped(stmt, model, actor, within=None, unplaced=False):
    """Restrict a SELECT of ``model`` (which has ``region_id``) to the actor's subtree, and further
    to the subtree of region ``within`` if given (403 when that region is outside the actor's).
    ``unplaced``: rows with no region (the audit log's failed sign-in under a name nobody has) are
    the whole system's, seen with the root's subtree (its joined region is then NULL)."""
    top = actor.region if within is None else get_scoped(Region, within, actor, "地区", "region")
    inside = subtree(top)
    if unplaced and top.parent_id is None:
        return narrowed(stmt.outerjoin(Region, model.region_id == Region.id).where(
            or_(inside, model.region_id.is_(None))), model, actor)
    return narrowed(stmt.join(Region, model.region_id == Region.id).where(inside), model, actor)


def scoped_regions(stmt, actor):
    """Restrict a SELECT of regions to the actor's subtree."""
    return stmt.where(subtree(actor.region))


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
    if not covers(actor, region) or (not isinstance(obj, Region) and not _narrowly_seen(obj, actor)):
        raise ApiError(403, "out_of_scope", f"该{what_zh}不在您的管辖范围内",
                       f"This {what_en} is outside your region")
    return obj


def _narrowly_seen(obj, actor):
    if actor.role not in NARROWED:
        return True
    model = type(obj)
    return db.session.execute(narrowed(select(model.id).where(model.id == obj.id), model, actor)).first() is not None
