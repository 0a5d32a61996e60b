"""Reading the region tree."""
from sqlalchemy import func, select

from ..core.models import Region
from ..extensions import db


def ancestors(region):
    """From the root down to the region's parent, in one query on the path."""
    codes = [c for c in region.path.strip("/").split("/")][:-1]
    if not codes:
        return []
    rows = db.session.execute(select(Region).where(Region.code.in_(codes))).scalars().all()
    return sorted(rows, key=lambda r: len(r.path))


def subtree_count(region, model):
    """How many rows of a region-owned ``model`` lie in the region's subtree."""
    return db.session.scalar(select(func.count()).select_from(model).join(
        Region, model.region_id == Region.id).where(Region.path.startswith(region.path)))


def children_count(region):
    return db.session.scalar(select(func.count()).select_from(Region).where(Region.parent_id == region.id))


def by_code(code):
    return db.session.execute(select(Region).where(Region.code == code)).scalar_one_or_none()
