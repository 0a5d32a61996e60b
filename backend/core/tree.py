"""Reading the region tree."""
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
