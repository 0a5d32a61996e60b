"""An asset marked idle (闲置) on which money is still spent: a payment on a project that formed or
maintains it, made after the day it went idle."""
from sqlalchemy import func, or_, select

from ...extensions import db
from ...projects.models import Project, ProjectPayment
from ...risks.rules import Hit, yuan
from ..models import Asset, AssetProject

CODE = "asset_idle_spending"
NAME_ZH, NAME_EN = "闲置资产仍有维护支出", "Idle asset still receives spending"
LEVEL = "orange"
DESCRIPTION_ZH = "资产已登记为闲置，之后仍有形成或管护它的项目付款：钱花在不用的资产上，或资产状态登记不实。"
DESCRIPTION_EN = ("The asset is registered idle, yet projects that formed or maintain it were paid after that day: "
                  "money spent on an asset nobody uses, or its status is recorded wrongly.")
THRESHOLDS = ()
LABELS = {"asset_id": ("资产", "Asset"), "asset_no": ("资产编号", "Asset number"), "asset": ("资产名称", "Asset name"),
          "idle_since": ("闲置起始日", "Idle since"), "payments": ("此后付款笔数", "Payments since"),
          "amount": ("此后付款金额（元）", "Paid since (yuan)"), "last_paid_on": ("最近付款日", "Last paid on"),
          "projects": ("相关项目", "Projects")}
VOLATILE = ()


def find(ctx):
    # The projects tied to each idle asset: the one that formed it and those that maintain it.
    linked = (select(Asset.id.label("asset_id"), Asset.project_id.label("project_id"))
              .where(Asset.status == "闲置", Asset.project_id.is_not(None))
              .union(select(AssetProject.asset_id, AssetProject.project_id)
                     .join(Asset, Asset.id == AssetProject.asset_id).where(Asset.status == "闲置"))).subquery()
    rows = db.session.execute(
        select(Asset.id, Asset.asset_no, Asset.name, Asset.region_id, Asset.status_changed_on,
               func.count(ProjectPayment.id), func.sum(ProjectPayment.amount), func.max(ProjectPayment.paid_on))
        .join(linked, linked.c.asset_id == Asset.id)
        .join(ProjectPayment, ProjectPayment.project_id == linked.c.project_id)
        .where(*ctx.scope(region=Asset.region_id), ProjectPayment.paid_on > Asset.status_changed_on)
        .group_by(Asset.id, Asset.asset_no, Asset.name, Asset.region_id, Asset.status_changed_on)).all()
    if not rows:
        return
    names = {}
    for asset_id, name in db.session.execute(
            select(linked.c.asset_id, Project.name).join(Project, Project.id == linked.c.project_id)
            .where(linked.c.asset_id.in_([r[0] for r in rows])).order_by(Project.id)):
        names.setdefault(asset_id, []).append(name)
    for aid, number, name, region_id, since, n, amount, last in rows:
        yield Hit(f"asset:{aid}", "asset", region_id, None, {
            "asset_id": aid, "asset_no": number or "", "asset": name, "idle_since": since.isoformat(),
            "payments": n, "amount": ctx.money(amount), "last_paid_on": last.isoformat(),
            "projects": "、".join(names.get(aid, []))})


def explain(e):
    return (f"资产“{e['asset']}”自 {e['idle_since']} 起闲置，此后仍付款 {e['payments']} 笔共 {yuan(e['amount'])} 元"
            f"（最近 {e['last_paid_on']}，项目：{e['projects']}）",
            f"Asset '{e['asset']}' has been idle since {e['idle_since']}, yet {e['payments']} payments "
            f"({yuan(e['amount'])} yuan, last on {e['last_paid_on']}) went to its projects: {e['projects']}")
