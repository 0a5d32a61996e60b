"""One payment larger than half of the whole budget."""
from decimal import Decimal

from sqlalchemy import select

from ...extensions import db
from ...projects.models import Project
from . import Hit, yuan

CODE = "single_payment_over_half"
NAME_ZH, NAME_EN = "单笔支付超预算半数", "A single payment over half the budget"
LEVEL = "orange"
DESCRIPTION_ZH = "单笔支付超过项目预算的一半：大额一次性支付应有合同依据，常见于提前付清或化整为零的反面。"
DESCRIPTION_EN = "One payment exceeds half of the project's budget: large lump sums need a contractual basis."
THRESHOLDS = ("RISK_SINGLE_PAYMENT_SHARE",)
LABELS = {"largest_payment": ("最大单笔", "Largest payment"), "budget": ("预算", "Budget")}
PER_PROJECT = True
VOLATILE = ()


def find(ctx):
    share = ctx.config["RISK_SINGLE_PAYMENT_SHARE"]
    stats = ctx.payment_stats()
    rows = db.session.execute(
        select(Project.id, Project.region_id, Project.budget, stats.c.largest)
        .join(stats, stats.c.project_id == Project.id)
        .where(*ctx.scope(project=Project.id, region=Project.region_id),
               stats.c.largest > Project.budget * Decimal(str(share))))
    for pid, region_id, budget, largest in rows:
        yield Hit(f"project:{pid}", "project", region_id, pid, {
            "largest_payment": str(Decimal(largest).quantize(Decimal("0.01"))), "budget": str(budget)})


def explain(e):
    return (f"单笔支付 ¥{yuan(e['largest_payment'])} 超过预算 ¥{yuan(e['budget'])} 的一半",
            f"A payment of ¥{yuan(e['largest_payment'])} is more than half of the ¥{yuan(e['budget'])} budget")
