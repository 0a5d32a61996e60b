"""Counting and finding in the region tree (ancestors live in core.tree)."""
from sqlalchemy import func, select

from ..core.models import Region
from ..extensions import db


def subtree_count(region, model):
    """How many rows of a region-owned ``model`` lie in the region's subtree."""
    return db.session.scalar(select(func.count()).select_from(model).join(
        Region, model.region_id == Region.id).where(Region.path.startswith(region.path)))


def children_count(region):
    return db.session.scalar(select(func.count()).select_from(Region).where(Region.parent_id == region.id))


def by_code(code):
    return db.session.execute(select(Region).where(Region.code == code)).scalar_one_or_none()
