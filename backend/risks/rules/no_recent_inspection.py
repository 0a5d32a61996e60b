"""An active project nobody has inspected for a long time. Only an inspection recorded on site counts:
one without a position, or far from the site, does not show that anybody went and looked (an
inspector tapping 正常 from the office must not clear the warning)."""
from datetime import timedelta

from sqlalchemy import func, or_, select

from ...core import clock
from ...core.clock import as_utc
from ...extensions import db
from ...inspections.models import Inspection, on_site
from ...projects.models import Project
from . import Hit, stage_names

CODE = "no_recent_inspection"
NAME_ZH, NAME_EN = "长期未巡查", "No recent inspection"
LEVEL = "yellow"
DESCRIPTION_ZH = "在建项目超过规定天数没有现场巡查记录（未定位或不在现场的巡查不算）：监管缺位。"
DESCRIPTION_EN = ("An active project has had no on-site inspection for longer than allowed (one without a "
                  "position, or away from the site, does not count): nobody is watching.")
THRESHOLDS = ("RISK_NO_INSPECTION_DAYS",)
LABELS = {"stage": ("当前阶段", "Stage"), "last_inspection_on": ("上次巡查", "Last inspection"),
          "days": ("未巡查天数", "Days without inspection")}
PER_PROJECT = True
VOLATILE = ("days",)
ACTIVE = ("contracted", "construction", "acceptance")


def find(ctx):
    cutoff = ctx.now - timedelta(days=ctx.config["RISK_NO_INSPECTION_DAYS"])
    last = (select(Inspection.project_id, func.max(Inspection.created_at).label("last"))
            .where(on_site())
            .group_by(Inspection.project_id).subquery())
    rows = db.session.execute(
        select(Project.id, Project.region_id, Project.stage, Project.stage_changed_at, last.c.last)
        .outerjoin(last, last.c.project_id == Project.id)
        .where(*ctx.scope(project=Project.id, region=Project.region_id),
               Project.stage.in_(ACTIVE), Project.stage_changed_at < cutoff,
               or_(last.c.last.is_(None), last.c.last < cutoff)))
    for pid, region_id, stage, since, latest in rows:
        start = as_utc(latest or since)
        yield Hit(f"project:{pid}", "project", region_id, pid, {
            "stage": stage, "last_inspection_on": clock.local_date(latest).isoformat() if latest else None,
            "days": (ctx.now - start).days})


def explain(e):
    if e["last_inspection_on"]:
        return (f"上次巡查在 {e['last_inspection_on']}，已 {e['days']} 天未巡查",
                f"Last inspected on {e['last_inspection_on']}, {e['days']} days ago")
    zh, en = stage_names(e["stage"])
    return (f"「{zh}」阶段已 {e['days']} 天，从未巡查", f"{e['days']} days in stage {en}, never inspected")
