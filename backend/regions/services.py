"""Counting and finding in the region tree (ancestors live in core.tree)."""
from sqlalchemy import func, select

from ..core.models import Region
from .models import RegionChange  # noqa: F401  (the table joins the metadata with the feature)
from ..extensions import db


def subtree_count(region, model):
    """How many rows of a region-owned ``model`` lie in the region's subtree."""
    return db.session.scalar(select(func.count()).select_from(model).join(
        Region, model.region_id == Region.id).where(Region.path.startswith(region.path)))


def children_count(region):
    return db.session.scalar(select(func.count()).select_from(Region).where(Region.parent_id == region.id))


def by_code(code):
    return db.session.execute(select(Region).where(Region.code == code)).scalar_one_or_none()


LEVEL_ORDER = ("province", "city", "county", "township", "village")


def import_rows(rows):
    """Add or rename regions from rows with ``code``, ``name``, ``parent_code`` (empty for the root)
    and optionally ``lat``/``lng``; parents come before their children. Returns (added, renamed).
    Raises ValueError naming the first bad row (nothing is kept: the caller does not commit)."""
    added = renamed = 0
    for number, row in enumerate(rows, start=2):
        code = (row.get("code") or "").strip()
        name = (row.get("name") or "").strip()
        parent_code = (row.get("parent_code") or "").strip()
        if not (len(code) == 12 and code.isdigit()) or not name or len(name) > 64:
            raise ValueError(f"row {number}: needs a 12-digit code and a name of at most 64 characters")
        parent = by_code(parent_code) if parent_code else None
        if parent_code and parent is None:
            raise ValueError(f"row {number}: parent {parent_code} is not loaded (list parents first)")
        depth = 0 if parent is None else LEVEL_ORDER.index(parent.level) + 1
        if depth >= len(LEVEL_ORDER):
            raise ValueError(f"row {number}: a village cannot have children")
        lat, lng = (float(row[k]) if (row.get(k) or "").strip() else None for k in ("lat", "lng"))
        region = by_code(code)
        if region is not None:
            if region.parent_id != (parent.id if parent else None):
                raise ValueError(f"row {number}: {code} is already loaded under another parent")
            if region.name != name:
                region.name, renamed = name, renamed + 1
            continue
        region = Region(code=code, name=name, level=LEVEL_ORDER[depth], parent_id=parent.id if parent else None,
                        path=(parent.path if parent else "/") + code + "/", lat=lat, lng=lng)
        db.session.add(region)
        db.session.flush()
        added += 1
    return added, renamed
