"""Field coverage of a township (巡查覆盖): who inspected how much in the last 30 days, and which
projects under way nobody inspected on site in that time — the same test as the no-recent-inspection
rule (an inspection without a position, or away from the site, shows nobody went and looked)."""
from datetime import timedelta

from sqlalchemy import and_, case, func, or_, select

from ..core import clock
from ..core.errors import bad_field
from ..core.models import Region, User
from ..extensions import db
from ..inspections.models import COVERAGE_DAYS as DAYS
from ..inspections.models import Inspection, on_site as made_on_site
from ..projects.models import Project
from ..risks.rules.no_recent_inspection import ACTIVE

LIST_LIMIT = 500  # projects listed at most (``complete`` says whether that was all of them)


def coverage(region):
    """Field coverage of ``region`` (a township or a village) and below. 400 ``not_a_township`` for a
    county or above (ask per township: the list would be the county's every project)."""
    if region.level not in ("township", "village"):
        raise bad_field("path.region_id", "not_a_township", f"巡查覆盖按乡镇查看，「{region.name}」不是乡镇或村",
                        f"Field coverage is per township; {region.name} is not a township or village")
    since = clock.now() - timedelta(days=DAYS)
    below = select(Region.id).where(Region.path.startswith(region.path, autoescape=True))
    on_site = made_on_site()
    recent = (select(Inspection.inspector_id, func.count().label("inspections"),
                     func.sum(case((on_site, 1), else_=0)).label("on_site"),
                     func.sum(case((Inspection.off_site.is_(True), 1), else_=0)).label("off_site"),
                     func.sum(case((Inspection.reused_photo.is_(True), 1), else_=0)).label("reused_photo"),
                     func.count(func.distinct(Inspection.project_id)).label("projects"),
                     func.max(Inspection.created_at).label("last_at"))
              .where(Inspection.region_id.in_(below), Inspection.created_at >= since)
              .group_by(Inspection.inspector_id).subquery())
    # The region's inspectors (with none recorded: 0) and anyone else who inspected here.
    people = db.session.execute(
        select(User, recent).outerjoin(recent, recent.c.inspector_id == User.id).join(Region, User.region_id == Region.id)
        .where(or_(recent.c.inspector_id.is_not(None),
                   and_(User.role == "inspector", User.active.is_(True),
                        Region.path.startswith(region.path, autoescape=True))))
        .order_by(func.coalesce(recent.c.inspections, 0).desc(), User.username)).all()
    inspectors = [{"user": {"id": row.User.id, "username": row.User.username, "display_name": row.User.display_name,
                            "role": row.User.role},
                   "inspections": row.inspections or 0, "on_site": int(row.on_site or 0),
                   "off_site": int(row.off_site or 0), "reused_photo": int(row.reused_photo or 0),
                   "projects": row.projects or 0,
                   "last_inspection_on": clock.local_date(row.last_at).isoformat() if row.last_at else None}
                  for row in people]

    last_any = (select(Inspection.project_id, func.max(Inspection.created_at).label("last"))
                .where(Inspection.region_id.in_(below)).group_by(Inspection.project_id).subquery())
    last_on_site = (select(Inspection.project_id, func.max(Inspection.created_at).label("last"))
                    .where(Inspection.region_id.in_(below), on_site).group_by(Inspection.project_id).subquery())
    active = select(Project).where(Project.region_id.in_(below), Project.stage.in_(ACTIVE))
    projects_active = db.session.scalar(select(func.count()).select_from(active.subquery()))
    stale = db.session.execute(
        select(Project, Region.name, last_any.c.last, last_on_site.c.last)
        .join(Region, Project.region_id == Region.id)
        .outerjoin(last_any, last_any.c.project_id == Project.id)
        .outerjoin(last_on_site, last_on_site.c.project_id == Project.id)
        .where(Project.region_id.in_(below), Project.stage.in_(ACTIVE),
               or_(last_on_site.c.last.is_(None), last_on_site.c.last < since))
        .order_by(last_on_site.c.last.is_not(None), last_on_site.c.last, Project.id)  # never inspected first
        .limit(LIST_LIMIT + 1)).all()
    today = clock.today()
    not_inspected = [{"id": p.id, "ref_no": p.ref_no, "name": p.name, "stage": p.stage, "region_name": place,
                      "last_inspection_on": clock.local_date(any_).isoformat() if any_ else None,
                      "last_on_site_on": clock.local_date(site).isoformat() if site else None,
                      "days_since_on_site": (today - clock.local_date(site)).days if site else None,
                      "link": f"/p/{p.id}"}
                     for p, place, any_, site in stale[:LIST_LIMIT]]
    count = len(stale) if len(stale) <= LIST_LIMIT else db.session.scalar(
        select(func.count()).select_from(active.outerjoin(last_on_site, last_on_site.c.project_id == Project.id)
                                         .where(or_(last_on_site.c.last.is_(None), last_on_site.c.last < since))
                                         .subquery()))
    return {"region": {"id": region.id, "code": region.code, "name": region.name, "level": region.level},
            "days": DAYS, "since": clock.local_date(since), "inspectors": inspectors,
            "not_inspected": not_inspected, "not_inspected_count": count, "projects_active": projects_active,
            "projects_covered": projects_active - count,  # the cockpit's 近30天现场巡查过的项目
            "complete": len(stale) <= LIST_LIMIT}
