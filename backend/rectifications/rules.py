"""The rectification feature's risk rule: a rectification past its deadline and not yet approved.
Registered with the engine when the app is built (the engine imports no feature)."""
import sys

from sqlalchemy import func, select

from ..core.models import User
from ..extensions import db
from ..risks import services as risk_services
from ..risks.models import RiskWarning
from ..risks.rules import Hit, register
from .models import Rectification

CODE = "rectification_overdue"
NAME_ZH, NAME_EN = "整改逾期", "Rectification overdue"
LEVEL = "red"
DESCRIPTION_ZH = "整改期限已过仍未通过审核销号：问题没有在承诺的时间内得到解决。"
DESCRIPTION_EN = "The rectification deadline has passed and it is not approved: the problem was not fixed in time."
THRESHOLDS = ()
LABELS = {"rectification_id": ("整改单", "Rectification"), "due_on": ("整改期限", "Due"),
          "status": ("状态", "Status"), "responsible": ("责任人", "Responsible"),
          "days_overdue": ("逾期天数", "Days overdue")}
PER_PROJECT = True
VOLATILE = ("days_overdue",)
# The escalation (services.escalate) tells the county about an overdue rectification: the warning
# about the same fact does not tell them a second time.
TELLS_COUNTY = False


def find(ctx):
    rows = db.session.execute(
        select(Rectification.id, Rectification.project_id, Rectification.region_id, Rectification.due_on,
               Rectification.status, User.display_name)
        .join(User, User.id == Rectification.responsible_id)
        .where(*ctx.scope(project=Rectification.project_id, region=Rectification.region_id),
               Rectification.status.in_(("open", "submitted")), Rectification.due_on < ctx.today))
    for rid, pid, region_id, due, status, who in rows:
        yield Hit(f"rectification:{rid}", "rectification", region_id, pid, {
            "rectification_id": rid, "due_on": due.isoformat(), "status": status, "responsible": who,
            "days_overdue": (ctx.today - due).days})


def explain(e):
    return (f"整改期限 {e['due_on']} 已过 {e['days_overdue']} 天（责任人 {e['responsible']}）",
            f"Due {e['due_on']}, {e['days_overdue']} days ago (responsible: {e['responsible']})")


register(sys.modules[__name__])


def open_rectifications(warning_ids):
    """{warning id: its open or submitted rectification's id (the latest, as ``open_rectification``)}:
    shown with each warning."""
    return dict(db.session.execute(select(Rectification.warning_id, Rectification.id).where(
        Rectification.warning_id.in_(list(warning_ids)), Rectification.status.in_(("open", "submitted")))
        .order_by(Rectification.id)).all())


# A column of a SELECT of warnings: the id of each one's open or submitted rectification (built once).
OPEN_RECTIFICATION = (select(func.max(Rectification.id)).where(
    Rectification.warning_id == RiskWarning.id, Rectification.status.in_(("open", "submitted"))).scalar_subquery())


risk_services.provide("open_rectifications", open_rectifications)
risk_services.provide("open_rectification", lambda: OPEN_RECTIFICATION)
