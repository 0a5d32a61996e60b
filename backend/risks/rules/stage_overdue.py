"""A project still before acceptance after its planned completion date."""
from datetime import timedelta

from sqlalchemy import select

from ...extensions import db
from ...projects.models import Project
from . import Hit, stage_names

CODE = "stage_overdue"
NAME_ZH, NAME_EN = "项目超期未完工", "Project past its planned completion"
LEVEL = "orange"
DESCRIPTION_ZH = "计划完工日期已过，项目仍处于验收之前的阶段：可能停工、拖延或计划失实。"
DESCRIPTION_EN = ("The planned completion date has passed and the project is still before acceptance: "
                  "stalled, delayed, or planned unrealistically.")
THRESHOLDS = ("RISK_STAGE_OVERDUE_GRACE_DAYS",)
LABELS = {"stage": ("当前阶段", "Stage"), "planned_end_on": ("计划完工", "Planned completion"),
          "days_overdue": ("超期天数", "Days overdue")}
PER_PROJECT = True
VOLATILE = ("days_overdue",)
OPEN_STAGES = ("approved", "tendering", "contracted", "construction")


def find(ctx):
    cutoff = ctx.today - timedelta(days=ctx.config["RISK_STAGE_OVERDUE_GRACE_DAYS"])
    rows = db.session.execute(select(Project.id, Project.region_id, Project.stage, Project.planned_end_on)
                              .where(*ctx.scope(project=Project.id, region=Project.region_id),
                                     Project.stage.in_(OPEN_STAGES), Project.planned_end_on < cutoff))
    for pid, region_id, stage, end in rows:
        yield Hit(f"project:{pid}", "project", region_id, pid, {
            "stage": stage, "planned_end_on": end.isoformat(), "days_overdue": (ctx.today - end).days})


def explain(e):
    zh, en = stage_names(e["stage"])
    return (f"计划于 {e['planned_end_on']} 完工，已超期 {e['days_overdue']} 天，仍在「{zh}」阶段",
            f"Planned to finish on {e['planned_end_on']}, {e['days_overdue']} days ago; still in stage {en}")
