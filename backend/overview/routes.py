"""The cockpit over HTTP: one JSON document per view (GET /overview/<region_id>?year=), for a
region in the caller's subtree."""
from ..core import clock
from ..core.auth import actor, require
from ..core.models import Region
from ..core.scoping import get_scoped
from . import bp, services
from .schemas import OverviewOut, OverviewQuery


@bp.get("/overview/<int:region_id>")
@require(*services.READERS)
@bp.input(OverviewQuery, location="query", arg_name="query")
@bp.output(OverviewOut)
@bp.doc(responses=[400, 401, 403, 404])
def get_overview(region_id, query):
    """A region's cockpit: its own (本级) and 辖区 figures for the year, the regions one level down side
    by side with their health index, the region's health index with every point lost explained, and
    the flow figures month by month for the year and the one before."""
    region = get_scoped(Region, region_id, actor(), "地区", "region")
    return services.overview(region, query.get("year") or clock.today().year, actor())
