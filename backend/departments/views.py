"""Departments, tasks, holds and recoveries as the API shows them (one place)."""
from sqlalchemy import func, select

from ..core.models import Region, User
from ..extensions import db
from ..subsidies.models import SubsidyPolicy
from . import files, services
from .models import DepartmentTask, TaskStep


def department_views(depts):
    ids = [d.id for d in depts]
    users = dict(db.session.execute(select(User.department_id, func.count(User.id)).where(
        User.department_id.in_(ids), User.active.is_(True)).group_by(User.department_id)).all()) if ids else {}
    return [{"id": d.id, "name": d.name, "code": d.code, "active": d.active,
             "region": {"id": d.region.id, "name": d.region.name}, "users": users.get(d.id, 0)} for d in depts]


def task_views(tasks, actor, steps=False):
    regions = {r.id: r for r in db.session.execute(select(Region).where(
        Region.id.in_({t.region_id for t in tasks}))).scalars()} if tasks else {}
    people = {u.id: u.display_name for u in db.session.execute(select(User).where(
        User.id.in_({t.dispatched_by_id for t in tasks if t.dispatched_by_id}))).scalars()} if tasks else {}
    out = []
    for t in tasks:
        region = regions[t.region_id]
        view = {"id": t.id, "subject_kind": t.subject_kind, "subject_id": t.subject_id, "title_zh": t.title_zh,
                "title_en": t.title_en, "region": {"id": region.id, "name": region.name},
                "department": {"id": t.department.id, "name": t.department.name} if t.department else None,
                "due_on": t.due_on, "status": t.status, "version": t.version, "overdue": services.is_overdue(t),
                "dispatched_by": people.get(t.dispatched_by_id) if t.dispatched_by_id else None,
                "feedback": t.feedback, "escalated": t.escalated_at is not None, "created_at": t.created_at,
                "closed_at": t.closed_at, "actions": services.allowed(actor, t)}
        if steps:
            rows = db.session.execute(select(TaskStep).where(TaskStep.task_id == t.id).order_by(TaskStep.id)).scalars()
            view["steps"] = [{"action": s.action, "from_status": s.from_status, "to_status": s.to_status,
                              "actor": s.actor.display_name if s.actor else None, "note": s.note, "at": s.at}
                             for s in rows]
            view["files"] = [files.view(f) for f in files.of(t)]
            view["may_attach"] = services.may_work(actor, t) and t.status in files.OPEN_FOR_FILES
        out.append(view)
    return out


def task_view(task, actor):
    return task_views([task], actor, steps=True)[0]


def warning_actions(warning, holds, recoveries):
    names = dict(db.session.execute(select(SubsidyPolicy.id, SubsidyPolicy.name).where(
        SubsidyPolicy.id.in_({h.policy_id for h in holds}))).all()) if holds else {}
    return {"warning_id": warning.id, "warning_status": warning.status,
            "holds": [{"id": h.id, "beneficiary_id": h.beneficiary_id, "policy_id": h.policy_id,
                       "policy": names.get(h.policy_id, ""), "reason": h.reason, "held_at": h.held_at,
                       "justification": h.justification, "released_at": h.released_at} for h in holds],
            "recoveries": [{"id": r.id, "beneficiary_id": r.beneficiary_id, "policy_id": r.policy_id,
                            "amount": r.amount, "recovered_on": r.recovered_on, "receipt_no": r.receipt_no}
                           for r in recoveries],
            "subject": _subject(warning)}


def _subject(warning):
    from ..core import pii
    from .holds import subject_of
    person, policies, policy = subject_of(warning)
    if person is None:
        return None
    return {"beneficiary_id": person.id, "person": pii.mask_name(person.name), "policy_id": getattr(policy, "id", None),
            "policies": [{"id": p.id, "name": f"{p.name}（{p.year}）"} for p in policies]}


def todo_condition(actor):
    """Tasks the actor must act on now (SQL), matching ``services.allowed``."""
    from sqlalchemy import and_, or_
    if actor.role == "department":
        return DepartmentTask.status.in_(("dispatched", "signed", "working"))
    if actor.role == "township_lead":
        return or_(and_(DepartmentTask.department_id.is_(None), DepartmentTask.status.in_(("dispatched", "signed", "working"))),
                   and_(DepartmentTask.department_id.isnot(None), DepartmentTask.status == "fed_back"))
    if actor.role == "county":
        return DepartmentTask.status == "fed_back"
    return DepartmentTask.id.is_(None)
