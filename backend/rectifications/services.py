"""The rectification loop: open → submitted → approved (closed, warning cleared) / rejected (back to
open); closed-not-fixed with a reason; reopened by a supervisor; escalated when overdue.

Who may do what (and only within their region):

    open            township lead, county supervisor
    submit evidence the responsible inspector
    approve/reject  township lead, county supervisor
    close unfixed   township lead, county supervisor
    reopen          county, city, province supervisor

Every transition is one conditional UPDATE on (id, version): of two people acting at once, one wins
and the other gets 409 ``rectification_changed``.
"""
from sqlalchemy import select, update

from .. import jobs
from ..core import audit, clock
from ..core.errors import ApiError, bad_field
from ..core.models import Region, User
from ..core.scoping import covers
from ..extensions import db
from ..notifications.services import about, notify, people_above
from ..photos import services as photos
from ..projects import lifecycle
from ..projects import services as projects
from ..projects.models import Project
from ..risks import engine
from ..risks.models import RiskWarning
from .models import STATE_NAMES, Rectification, Submission, Transition

OPENERS = ("township_lead", "county")
REVIEWERS = ("township_lead", "county")
REOPENERS = ("county", "city", "province")
# action: (from states, to state, roles)
MOVES = {
    "submit": (("open",), "submitted", ()),  # only the responsible person, checked in submit()
    "approve": (("submitted",), "approved", REVIEWERS),
    "reject": (("submitted",), "open", REVIEWERS),
    "close_unfixed": (("open", "submitted"), "closed_not_fixed", REVIEWERS),
    "reopen": (("approved", "closed_not_fixed"), "open", REOPENERS),
}
NAMES = {"approve": ("整改已通过", "Rectification approved"), "reject": ("整改被退回", "Rectification rejected"),
         "close_unfixed": ("整改已关闭（未整改）", "Rectification closed unfixed"),
         "reopen": ("整改已重新打开", "Rectification reopened")}


def _link(rect):
    return f"/rectifications/{rect.id}"


def _about(rect):
    """(zh, en): the rectification's project and township, for inbox titles."""
    project = db.session.get(Project, rect.project_id)
    return about(project.name if project else "", db.session.get(Region, rect.region_id))


def _record(rect, action, frm, actor, reason=None):
    db.session.add(Transition(rectification_id=rect.id, action=action, from_status=frm,
                              to_status=rect.status, actor_id=getattr(actor, "id", None), reason=reason))


def open_rectification(actor, project, requirement, responsible_id, due_on, warning=None, inspection=None):
    """Open a rectification and tell the responsible inspector. 400 ``responsible_invalid`` /
    ``due_in_past``; 409 ``rectification_exists`` when the warning already has an open one."""
    responsible = db.session.get(User, responsible_id)
    if responsible is None or responsible.role not in ("inspector", "township_lead") or not responsible.active \
            or not covers(responsible, project.region):
        raise bad_field("json.responsible_id", "responsible_invalid", "责任人须为该项目所在地区的巡查员或负责人",
                        "The responsible person must be an inspector or lead of the project's region")
    if due_on < clock.today():
        raise bad_field("json.due_on", "due_in_past", "整改期限不能早于今天", "The due date is in the past")
    if warning is not None:
        if warning.status != "open":
            raise ApiError(409, "warning_not_open", "该预警已不是待处理状态", "This warning is not open")
        if db.session.execute(select(Rectification.id).where(
                Rectification.warning_id == warning.id,
                Rectification.status.in_(("open", "submitted")))).first():
            raise ApiError(409, "rectification_exists", "该预警已有进行中的整改", "This warning already has an open rectification")
    rect = Rectification(project_id=project.id, region_id=project.region_id, requirement=requirement.strip(),
                         responsible_id=responsible.id, created_by_id=actor.id, due_on=due_on, status="open",
                         version=1, warning_id=getattr(warning, "id", None),
                         inspection_id=getattr(inspection, "id", None))
    db.session.add(rect)
    db.session.flush()
    _record(rect, "open", None, actor)
    lifecycle.append(projects.lock(project.id), "rectification_opened", actor, {
        "rectification_id": rect.id, "requirement": rect.requirement, "responsible": responsible.display_name,
        "due_on": due_on.isoformat()})
    zh, en = _about(rect)
    notify([responsible], "rectification_assigned", f"新整改任务：{zh}", f"New rectification: {en}", _link(rect))
    audit.record(actor, "rectification.open", subject=rect, warning_id=rect.warning_id)
    jobs.touch(projects=[rect.project_id])
    return rect


def _transition(rect, actor, action, expected_version=None, reason=None):
    frm_states, to, roles = MOVES[action]
    if roles and actor.role not in roles:
        raise ApiError(403, "rectification_forbidden", "您的角色不能执行此操作", "Your role may not do this")
    version = expected_version if expected_version is not None else rect.version
    if rect.version != version:
        raise _changed()
    if rect.status not in frm_states:
        zh, en = STATE_NAMES.get(rect.status, (rect.status, rect.status))
        raise ApiError(409, "transition_not_allowed", f"当前状态（{zh}）不能执行此操作", f"Not allowed from status {en}")
    done = db.session.execute(update(Rectification).where(
        Rectification.id == rect.id, Rectification.version == version).values(
        status=to, version=version + 1,
        closed_at=clock.now() if to in ("approved", "closed_not_fixed") else None)
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise _changed()
    frm = rect.status
    db.session.refresh(rect)
    _record(rect, action, frm, actor, reason)
    return frm


def _changed():
    return ApiError(409, "rectification_changed", "该整改已被他人处理，请刷新", "Someone else acted on this rectification; reload")


def submit(rect, actor, client_uuid, text, lat=None, lng=None):
    """The responsible inspector hands in evidence (photos follow separately); open → submitted.
    403 ``not_responsible``."""
    if actor.id != rect.responsible_id:
        raise ApiError(403, "not_responsible", "只有责任人可以提交整改材料", "Only the responsible person may submit")
    _transition(rect, actor, "submit")
    submission = Submission(client_uuid=str(client_uuid), rectification_id=rect.id, project_id=rect.project_id,
                            region_id=rect.region_id, text=text.strip(), lat=lat, lng=lng, submitted_by_id=actor.id)
    db.session.add(submission)
    db.session.flush()
    lifecycle.append(projects.lock(rect.project_id), "rectification_submitted", actor,
                     {"rectification_id": rect.id, "submission_id": submission.id})
    region = db.session.get(Region, rect.region_id)
    zh, en = _about(rect)
    notify(people_above(region, ("township_lead",)), "rectification_submitted", f"整改材料待审核：{zh}",
           f"Rectification evidence to review: {en}", _link(rect))
    audit.record(actor, "rectification.submit", subject=rect, submission_id=submission.id)
    jobs.touch(projects=[rect.project_id])
    return submission


def add_photo(submission, actor, client_uuid, data, sha256, device):
    if submission.submitted_by_id != actor.id:
        raise ApiError(403, "not_responsible", "只有提交人可以补充照片", "Only the submitter may add photos")
    photo, created = photos.store(actor, submission, client_uuid, data, sha256, device, owner_field="evidence_id")
    if created:
        lifecycle.append(projects.lock(submission.project_id), "photo_added", actor, {
            "photo_id": photo.id, "submission_id": submission.id, "sha256": photo.sha256, "reused": photo.reused})
    return photo


def decide(rect, actor, action, expected_version=None, reason=None):
    """approve / reject / close_unfixed / reopen, with their consequences: approving clears the
    warning (销号, held until the facts change); reopening reopens a warning it had cleared."""
    frm = _transition(rect, actor, action, expected_version, reason)
    warning = db.session.get(RiskWarning, rect.warning_id) if rect.warning_id else None
    if action == "approve" and warning is not None and warning.status == "open":
        engine.resolve(warning, "rectified", actor=actor, hold=True)
    if action == "reopen" and warning is not None and warning.resolved_reason == "rectified":
        warning.status, warning.resolved_at, warning.resolved_reason, warning.hold_fingerprint = "open", None, None, None
    if action == "reopen":
        db.session.execute(update(Rectification).where(Rectification.id == rect.id)
                           .values(escalated_at=None).execution_options(synchronize_session=False))
        db.session.refresh(rect)
    kind = {"approve": "rectification_approved", "reject": "rectification_rejected",
            "close_unfixed": "rectification_closed_unfixed", "reopen": "rectification_reopened"}[action]
    payload = {"rectification_id": rect.id, "from": frm}
    if reason:
        payload["reason"] = reason
    lifecycle.append(projects.lock(rect.project_id), kind, actor, payload)
    zh, en = NAMES[action]
    where_zh, where_en = _about(rect)
    notify([db.session.get(User, rect.responsible_id)], kind, f"{zh}：{where_zh}", f"{en}: {where_en}", _link(rect))
    audit.record(actor, f"rectification.{action}", subject=rect, reason=reason)
    jobs.touch(projects=[rect.project_id])
    return rect


def escalate(now=None):
    """Escalate every open or submitted rectification past its due date that was not escalated yet:
    the county supervisors and the township lead are told. Idempotent (cron-safe)."""
    now = now or clock.now()
    due = db.session.execute(select(Rectification).where(
        Rectification.status.in_(("open", "submitted")), Rectification.due_on < now.astimezone(clock.CHINA).date(),
        Rectification.escalated_at.is_(None))).scalars().all()
    for rect in due:
        rect.escalated_at = now
        db.session.flush()
        lifecycle.append(projects.lock(rect.project_id), "rectification_escalated", None,
                         {"rectification_id": rect.id, "due_on": rect.due_on.isoformat()})
        region = db.session.get(Region, rect.region_id)
        zh, en = _about(rect)
        notify(people_above(region, ("county", "township_lead")), "rectification_escalated",
               f"整改逾期已上报：{zh}：{rect.requirement[:40]}", f"Overdue rectification escalated: {en}: {rect.requirement[:40]}",
               _link(rect))
        audit.record(None, "rectification.escalate", subject=rect)
    return len(due)


def is_overdue(rect, today=None):
    return rect.status in ("open", "submitted") and rect.due_on < (today or clock.today())
