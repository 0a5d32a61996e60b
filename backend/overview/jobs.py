"""Keeping the cockpit's summary table current: after the risk scan of what a write touched (so the
warnings it counts are the new ones), and in full after the periodic scan (time alone changes idle
money, overdue projects and rectifications)."""
from sqlalchemy import select

from .. import jobs
from ..extensions import db
from ..projects.models import Project
from . import summary


@jobs.on_scanned("FIGURES_AFTER_WRITES")
@jobs.job(retries=3, retry_delay=5)
def refresh_figures(projects, regions):
    """Refresh the regions (and what lies under them) and the projects' regions; None: everything."""
    if projects is None and regions is None:
        summary.rebuild()
        return
    ids = set(regions or ())
    if projects:
        ids.update(db.session.execute(select(Project.region_id).where(Project.id.in_(projects))).scalars())
    summary.refresh(ids)
