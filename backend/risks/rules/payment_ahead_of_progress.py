"""More paid than the project's stage justifies."""
from decimal import Decimal

from sqlalchemy import case, literal, select

from ...extensions import db
from ...projects.models import Project
from . import Hit, stage_names, yuan

CODE = "payment_ahead_of_progress"
NAME_ZH, NAME_EN = "资金支付超进度", "Payments ahead of progress"
LEVEL = "red"
DESCRIPTION_ZH = "已付金额占预算的比例明显高于当前阶段应有的比例：可能提前支付、虚报工程量或资金挪用。"
DESCRIPTION_EN = ("The share of the budget already paid is well above what the current stage justifies: "
                  "early payment, inflated quantities, or diverted funds.")
THRESHOLDS = ("RISK_STAGE_PAID_SHARE", "RISK_PAID_MARGIN")
LABELS = {"stage": ("当前阶段", "Stage"), "budget": ("预算", "Budget"), "paid_total": ("已付", "Paid"),
          "paid_share": ("已付比例", "Paid share"), "allowed_share": ("本阶段应不超过", "Stage allows up to")}
PER_PROJECT = True
VOLATILE = ()


def find(ctx):
    shares = ctx.config["RISK_STAGE_PAID_SHARE"]
    margin = ctx.config["RISK_PAID_MARGIN"]
    allowed = case({stage: literal(Decimal(str(share))) for stage, share in shares.items()},
                   value=Project.stage, else_=literal(Decimal("1")))
    paid = ctx.payment_stats()
    rows = db.session.execute(
        select(Project.id, Project.region_id, Project.stage, Project.budget, paid.c.paid)
        .join(paid, paid.c.project_id == Project.id)
        .where(*ctx.scope(project=Project.id, region=Project.region_id), Project.budget > 0,
               paid.c.paid > Project.budget * (allowed + literal(Decimal(str(margin))))))
    for pid, region_id, stage, budget, total in rows:
        total = Decimal(total).quantize(Decimal("0.01"))
        yield Hit(f"project:{pid}", "project", region_id, pid, {
            "stage": stage, "budget": str(budget), "paid_total": str(total),
            "paid_share": f"{total / budget:.0%}", "allowed_share": f"{shares.get(stage, 1):.0%}"})


def explain(e):
    zh, en = stage_names(e["stage"])
    return (f"已付 ¥{yuan(e['paid_total'])}，占预算 {e['paid_share']}；「{zh}」阶段应不超过 {e['allowed_share']}",
            f"Paid ¥{yuan(e['paid_total'])}, {e['paid_share']} of the budget; stage {en} allows up to {e['allowed_share']}")
