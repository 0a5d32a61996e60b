"""Browse the region tree within one's own subtree."""
from sqlalchemy import select

from ..core.auth import actor, require
from ..core.models import Region
from ..core.pagination import paginate
from ..core.tree import ancestors
from ..core.scoping import get_scoped, scoped_regions
from ..projects.models import Project
from . import bp, services
from .schemas import RegionDetail, RegionPage, RegionQuery

ERRORS = [400, 401, 403, 404]


@bp.get("/regions")
@require()
@bp.input(RegionQuery, location="query", arg_name="query")
@bp.output(RegionPage)
@bp.doc(responses=ERRORS)
def list_regions(query):
    """Regions in the caller's subtree, filtered by parent, level or name."""
    stmt = scoped_regions(select(Region), actor())
    if "parent_id" in query:
        stmt = stmt.where(Region.parent_id == query["parent_id"])
    if "level" in query:
        stmt = stmt.where(Region.level == query["level"])
    if query.get("q"):
        stmt = stmt.where(Region.name.contains(query["q"], autoescape=True))
    return paginate(stmt.order_by(Region.code), query["page"], query["per_page"])


@bp.get("/regions/<int:region_id>")
@require()
@bp.output(RegionDetail)
@bp.doc(responses=ERRORS)
def get_region(region_id):
    """One region with its ancestors and counts; 403 outside the caller's subtree."""
    region = get_scoped(Region, region_id, actor(), "地区", "region")
    return {**{c: getattr(region, c) for c in ("id", "code", "name", "level", "parent_id", "lat", "lng")},
            "ancestors": ancestors(region), "children_count": services.children_count(region),
            "project_count": services.subtree_count(region, Project)}
