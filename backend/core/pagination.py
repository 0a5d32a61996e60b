"""Every list endpoint pages the same way: ?page=1&per_page=20 → {items, page, per_page, total}."""
from apiflask import Schema
from apiflask.fields import Integer
from apiflask.validators import Range
from sqlalchemy import func, select

from ..extensions import db


class PageQuery(Schema):
    page = Integer(load_default=1, validate=Range(min=1, max=100000))
    per_page = Integer(load_default=20, validate=Range(min=1, max=100))


def page_fields():
    return {"page": Integer(required=True), "per_page": Integer(required=True),
            "total": Integer(required=True)}


def paginate(stmt, page, per_page, scalars=True):
    """Run ``stmt`` for one page; returns the envelope dict (items are ORM rows or tuples)."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    result = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page))
    items = result.scalars().all() if scalars else result.all()
    return {"items": items, "page": page, "per_page": per_page, "total": total}
