"""A project at acceptance or later whose asset is not in the village collective's register (no asset
names it as the project that formed it) — the gap national asset audits found everywhere: finished
roads, water works and buildings that no register holds, so nobody maintains, leases or accounts for
them."""
from datetime import timedelta

from sqlalchemy import exists, select

from ...core import clock
from ...extensions import db
from ...projects.models import Project
from ...risks.rules import Hit, stage_names, yuan
from ..models import Asset

CODE = "project_asset_unregistered"
NAME_ZH, NAME_EN = "项目形成资产未登记", "Project's asset not registered"
LEVEL = "orange"
DESCRIPTION_ZH = ("项目已验收（或更后阶段）超过规定天数，村集体资产台账中仍没有它形成的资产：资产游离于账外，"
                  "无人管护、出租收益无从监督。")
DESCRIPTION_EN = ("The project passed acceptance (or later) more than the allowed days ago and no asset formed by it "
                  "is in the collective's register: the asset sits off the books, unmaintained, its income unwatched.")
THRESHOLDS = ("RISK_ASSET_UNREGISTERED_DAYS",)
LABELS = {"stage": ("当前阶段", "Stage"), "since": ("进入该阶段", "In this stage since"),
          "budget": ("项目预算（元）", "Budget (yuan)"), "days": ("未登记天数", "Days unregistered")}
PER_PROJECT = True
VOLATILE = ("days",)
DONE_STAGES = ("acceptance", "settlement", "audit", "archived")


def find(ctx):
    cutoff = ctx.now - timedelta(days=ctx.config["RISK_ASSET_UNREGISTERED_DAYS"])
    rows = db.session.execute(
        select(Project.id, Project.region_id, Project.stage, Project.stage_changed_at, Project.budget)
        .where(*ctx.scope(project=Project.id, region=Project.region_id), Project.stage.in_(DONE_STAGES),
               Project.stage_changed_at < cutoff, ~exists().where(Asset.project_id == Project.id)))
    for pid, region_id, stage, since, budget in rows:
        since_day = clock.local_date(since)
        yield Hit(f"project:{pid}", "project", region_id, pid, {
            "stage": stage, "since": since_day.isoformat(), "budget": ctx.money(budget),
            "days": (ctx.today - since_day).days})


def explain(e):
    zh, en = stage_names(e["stage"])
    return (f"项目自 {e['since']} 起处于「{zh}」阶段（预算 {yuan(e['budget'])} 元），{e['days']} 天来村集体资产台账中没有它形成的资产",
            f"In stage {en} since {e['since']} (budget {yuan(e['budget'])} yuan); for {e['days']} days no asset "
            "formed by it is in the collective's register")
