"""The one screen (一屏): what a meeting room's display shows of a region, in one document.

Built on the cockpit's document (``services.overview``: the summary table, so the screen and the
cockpit never disagree) plus four short lists read live, each capped to what fits on the screen
and each with its full count: the latest open red warnings, the rectifications past their deadline,
the subsidy payments that failed and have not been paid since (same person, policy and period), and
today's inspections. Everything is in the region's subtree (the caller checked the scope)."""
from datetime import datetime, time, timedelta

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import aliased

from ..core import clock
from ..core.models import Region, User
from ..extensions import db
from ..inspections.models import Inspection
from ..projects.models import Project
from ..rectifications.models import Rectification
from ..risks.models import RiskWarning
from ..risks.rules import RULES
from ..subsidies.models import Beneficiary, Disbursement, SubsidyPolicy
from ..core import pii
from . import services

LIST_LIMIT = 6
CHILD_LIMIT = 12
KEY_FIGURES = ("funds_arrived", "funds_spent", "funds_idle", "projects", "projects_overdue", "subsidy_paid",
               "subsidy_failed", "rect_overdue")


def _in(model, region):
    """``model``'s rows in the region's subtree."""
    return select(model).join(Region, model.region_id == Region.id).where(
        Region.path.startswith(region.path, autoescape=True))


def _count(stmt):
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))


def document(region, viewer, year=None):
    """The screen's document for ``region``: key figures, health, children ranked by health, and
    the four live lists (each ``{"count", "items"}``)."""
    today = clock.today()
    year = year or today.year
    doc = services.overview(region, year, viewer)
    total, derived = doc["total"], doc["derived"]
    figures = [{"name": n, "zh": doc["figures"][n]["zh"], "en": doc["figures"][n]["en"],
                "unit": doc["figures"][n]["unit"], "value": total[n]} for n in KEY_FIGURES]
    children = sorted(doc["children"], key=lambda c: (c["health"]["score"] is None, -(c["health"]["score"] or 0), c["region"]["code"]))
    ranked = [{"rank": i + 1, "region": c["region"], "score": c["health"]["score"], "band": c["health"]["band"],
               "warnings_red": c["total"]["warnings_open_red"], "rect_overdue": c["total"]["rect_overdue"]}
              for i, c in enumerate(children[:CHILD_LIMIT])]
    return {"region": services.region_brief(region), "as_of": clock.now(), "year": year, "today": today,
            "health": {k: doc["health"][k] for k in ("score", "band")},
            "warnings_open": {lv: total[f"warnings_open_{lv}"] for lv in ("red", "orange", "yellow")},
            "spending_pct": derived.get("spending_pct"), "arrival_pct": derived.get("arrival_pct"),
            "figures": figures, "children": ranked, "children_count": len(children),
            "red_warnings": _red_warnings(region), "overdue": _overdue(region, today),
            "failures": _failures(region), "inspections": _inspections(region, today)}


def _names(model, ids, column):
    ids = {i for i in ids if i is not None}
    return dict(db.session.execute(select(model.id, column).where(model.id.in_(ids))).all()) if ids else {}


def _red_warnings(region):
    stmt = _in(RiskWarning, region).where(RiskWarning.level == "red", RiskWarning.status == "open")
    rows = db.session.execute(stmt.order_by(RiskWarning.last_seen_at.desc(), RiskWarning.id.desc())
                              .limit(LIST_LIMIT)).scalars().all()
    projects = _names(Project, [w.project_id for w in rows], Project.name)
    places = _names(Region, [w.region_id for w in rows], Region.name)
    return {"count": _count(stmt), "items": [
        {"id": w.id, "rule_zh": RULES[w.rule_code].NAME_ZH if w.rule_code in RULES else w.rule_code,
         "rule_en": RULES[w.rule_code].NAME_EN if w.rule_code in RULES else w.rule_code,
         "subject": projects.get(w.project_id) or "", "place": places.get(w.region_id, ""),
         "seen_at": w.last_seen_at} for w in rows]}


def _overdue(region, today):
    stmt = _in(Rectification, region).where(Rectification.status.in_(("open", "submitted")),
                                            Rectification.due_on < today)
    rows = db.session.execute(stmt.order_by(Rectification.due_on, Rectification.id).limit(LIST_LIMIT)).scalars().all()
    projects = _names(Project, [r.project_id for r in rows], Project.name)
    people = _names(User, [r.responsible_id for r in rows], User.display_name)
    places = _names(Region, [r.region_id for r in rows], Region.name)
    return {"count": _count(stmt), "items": [
        {"id": r.id, "project": projects.get(r.project_id, ""), "responsible": people.get(r.responsible_id, ""),
         "place": places.get(r.region_id, ""), "due_on": r.due_on, "days_overdue": (today - r.due_on).days}
        for r in rows]}


def _failures(region):
    """Failed payments with no paid one since for the same person, policy and period (补发 pending)."""
    paid = aliased(Disbursement)
    stmt = _in(Disbursement, region).where(Disbursement.status == "failed", ~exists().where(and_(
        paid.beneficiary_id == Disbursement.beneficiary_id, paid.policy_id == Disbursement.policy_id,
        paid.period == Disbursement.period, paid.status == "paid")))
    rows = db.session.execute(stmt.order_by(Disbursement.id.desc()).limit(LIST_LIMIT)).scalars().all()
    people = _names(Beneficiary, [d.beneficiary_id for d in rows], Beneficiary.name)
    policies = _names(SubsidyPolicy, [d.policy_id for d in rows], SubsidyPolicy.name)
    places = _names(Region, [d.region_id for d in rows], Region.name)
    return {"count": _count(stmt), "items": [
        {"id": d.id, "person": pii.mask_name(people.get(d.beneficiary_id, "")), "policy": policies.get(d.policy_id, ""),
         "period": d.period, "amount": d.amount, "reason": d.reason or "", "place": places.get(d.region_id, "")}
        for d in rows]}


def _inspections(region, today):
    start = datetime.combine(today, time(0), clock.CHINA)
    stmt = _in(Inspection, region).where(Inspection.recorded_at >= start,
                                         Inspection.recorded_at < start + timedelta(days=1))
    rows = db.session.execute(stmt.order_by(Inspection.recorded_at.desc(), Inspection.id.desc())
                              .limit(LIST_LIMIT)).scalars().all()
    projects = _names(Project, [i.project_id for i in rows], Project.name)
    people = _names(User, [i.inspector_id for i in rows], User.display_name)
    flagged = stmt.where((Inspection.off_site.is_(True)) | (Inspection.reused_photo.is_(True)))
    return {"count": _count(stmt), "problems": _count(stmt.where(Inspection.verdict == "problem")),
            "flagged": _count(flagged), "items": [
                {"id": i.id, "project": projects.get(i.project_id, ""), "inspector": people.get(i.inspector_id, ""),
                 "verdict": i.verdict, "at": i.recorded_at, "flagged": bool(i.off_site or i.reused_photo)}
                for i in rows]}
