"""Browse the region tree within one's own subtree; administrators add and rename divisions."""
from sqlalchemy import or_, select

from ..core import idempotency
from ..core.auth import PERMISSIONS, actor, require
from ..core.models import Region
from ..core.pagination import paginate
from ..core.tree import ancestors
from ..core.scoping import get_scoped, scoped_regions
from ..projects.models import Project
from . import bp, services
from .schemas import RegionDetail, RegionIn, RegionOut, RegionPage, RegionQuery, RegionRenameIn

ERRORS = [400, 401, 403, 404, 409]


@bp.get("/regions")
@require()
@bp.input(RegionQuery, location="query", arg_name="query")
@bp.output(RegionPage)
@bp.doc(responses=ERRORS)
def list_regions(query):
    """Regions in the caller's subtree, filtered by parent, by a region they lie ``under``, level,
    name or code (``q``) and status (``active`` by default: merged and abolished divisions stay out
    of pickers); each with its ancestors. 403 ``out_of_scope`` / 404 for an ``under`` the caller
    may not see."""
    stmt = scoped_regions(select(Region), actor())
    if "parent_id" in query:
        stmt = stmt.where(Region.parent_id == query["parent_id"])
    if "under" in query:
        top = get_scoped(Region, query["under"], actor(), "地区", "region")
        stmt = stmt.where(Region.path.startswith(top.path, autoescape=True), Region.id != top.id)
    if "level" in query:
        stmt = stmt.where(Region.level == query["level"])
    if query["status"] != "all":
        stmt = stmt.where(Region.status == query["status"])
    if query.get("q"):
        stmt = stmt.where(or_(Region.name.contains(query["q"], autoescape=True),
                              Region.code.startswith(query["q"], autoescape=True)))
    page = paginate(stmt.order_by(Region.code), query)
    return {**page, "items": services.with_ancestors(page["items"])}


@bp.get("/regions/<int:region_id>")
@require()
@bp.output(RegionDetail)
@bp.doc(responses=ERRORS)
def get_region(region_id):
    """One region with its ancestors, counts and history (renames, mergers, abolition); 403 outside
    the caller's subtree."""
    region = get_scoped(Region, region_id, actor(), "地区", "region")
    return {**services.view(region), "ancestors": ancestors(region),
            "children_count": services.children_count(region),
            "project_count": services.subtree_count(region, Project),
            "changes": services.history(region), "predecessors": services.predecessors(region)}


@bp.post("/regions")
@require(*PERMISSIONS["regions.manage"])
@bp.input(RegionIn, arg_name="data")
@bp.output(RegionOut, status_code=201)
@bp.doc(responses=ERRORS)
def create_region(data):
    """Add a division by hand under ``parent_id`` (administrators; audited). 400 ``region_not_found``
    / ``parent_abolished`` / ``parent_is_village`` / ``code_parent_mismatch``; 409 ``code_taken``."""
    user = actor()
    key = data.pop("client_uuid")
    return idempotency.once(key, user, "region.create", lambda: (
        RegionOut().dump(services.view(services.create_region(user, **data))), 201))


@bp.patch("/regions/<int:region_id>")
@require(*PERMISSIONS["regions.manage"])
@bp.input(RegionRenameIn, arg_name="data")
@bp.output(RegionOut)
@bp.doc(responses=ERRORS)
def rename_region(region_id, data):
    """Rename a division (administrators; kept in its history and audited). 403 ``out_of_scope``."""
    user = actor()
    key = data.pop("client_uuid")
    region = get_scoped(Region, region_id, user, "地区", "region")
    return idempotency.once(key, user, "region.rename", lambda: (
        RegionOut().dump(services.view(services.rename_region(user, region, data["name"], data.get("note")))), 200))
