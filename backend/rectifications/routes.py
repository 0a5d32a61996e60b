"""The rectification loop over HTTP: open, hand in evidence (with photos), review, escalate."""
from sqlalchemy import select

from ..core import clock, export, idempotency
from ..core.auth import actor, require
from ..core.errors import ApiError, bad_field
from ..core.pagination import paginate
from ..core.scoping import ensure_in_scope, get_scoped, scoped
from ..core.tree import with_places
from ..extensions import db
from ..inspections.models import Inspection
from ..inspections.schemas import PhotoForm, PhotoOut
from ..photos import services as photo_services
from ..projects.models import Project
from ..qrcodes import services as qrcodes
from ..risks import services as risk_services
from ..risks.models import RiskWarning
from . import bp, services
from .models import Rectification, Submission, Transition
from .schemas import DecisionIn, EvidenceIn, OpenIn, RectificationOut, RectificationPage, RectificationQuery

ERRORS = [400, 401, 403, 404, 409, 413, 415]
STAFF = ("admin", "province", "city", "county", "township_lead", "inspector", "clerk")


def views(rects, detail=True):
    """Rectifications with their project, warning, source finding, evidence and history (a list
    page loads its projects and codes in two queries; the details only for one rectification)."""
    pids = {r.project_id for r in rects}
    names = dict(db.session.execute(select(Project.id, Project.name).where(Project.id.in_(pids))).all()) if pids else {}
    codes = qrcodes.active_codes("project", list(pids))
    out = []
    for rect in rects:
        item = {c: getattr(rect, c) for c in ("id", "version", "status", "requirement", "due_on",
                                               "escalated_at", "created_at")}
        item.update(project={"id": rect.project_id, "name": names[rect.project_id],
                             "code": codes.get(rect.project_id)},
                    responsible=rect.responsible, created_by=rect.created_by,
                    overdue=services.is_overdue(rect), warning=None, source_inspection=None,
                    submissions=[], history=[])
        if detail:
            if rect.warning_id:
                item["warning"] = risk_services.views([db.session.get(RiskWarning, rect.warning_id)])[0]
            if rect.inspection_id:
                source = db.session.get(Inspection, rect.inspection_id)
                item["source_inspection"] = {"id": source.id, "findings": source.findings, "verdict": source.verdict,
                                             "photos": [photo_services.view(p) for p in
                                                        photo_services.of("inspection_id", [source.id])[source.id]]}
            subs = db.session.execute(select(Submission).where(Submission.rectification_id == rect.id)
                                      .order_by(Submission.id)).scalars().all()
            pics = photo_services.of("evidence_id", [s.id for s in subs])
            item["submissions"] = [{"id": s.id, "client_uuid": s.client_uuid, "text": s.text, "lat": s.lat,
                                    "lng": s.lng, "submitted_by": s.submitted_by, "submitted_at": s.submitted_at,
                                    "photos": [photo_services.view(p) for p in pics[s.id]]} for s in subs]
            item["history"] = [{"at": t.at, "action": t.action, "reason": t.reason,
                                "actor": t.actor.display_name if t.actor else None}
                               for t in db.session.execute(select(Transition).where(
                                   Transition.rectification_id == rect.id).order_by(Transition.id)).scalars()]
        out.append(item)
    return out


@bp.post("/rectifications")
@require(*services.OPENERS)
@bp.input(OpenIn, arg_name="data")
@bp.output(RectificationOut, status_code=201)
@bp.doc(responses=ERRORS)
def open_rectification(data):
    """Open a rectification from a warning, from an inspection that found a problem, or for a
    project. 409 ``rectification_exists`` / ``warning_not_open``."""
    user = actor()
    warning = inspection = None
    if data.get("warning_id"):
        warning = get_scoped(RiskWarning, data["warning_id"], user, "预警", "warning")
        if warning.project_id is None:
            raise bad_field("json.warning_id", "warning_without_project", "该预警不针对具体项目，请指定项目",
                            "This warning is not about one project; give project_id")
        project_id = warning.project_id
    elif data.get("inspection_id"):
        inspection = get_scoped(Inspection, data["inspection_id"], user, "巡查记录", "inspection")
        project_id = inspection.project_id
    else:
        project_id = data["project_id"]
    project = get_scoped(Project, project_id, user, "项目", "project")
    return idempotency.once(data["client_uuid"], user, "rectification.open", lambda: (
        RectificationOut().dump(views([services.open_rectification(
            user, project, data["requirement"], data["responsible_id"], data["due_on"], warning, inspection)])[0]),
        201))


def rectification_list(query):
    """The rectifications list's SELECT, filtered and ordered (the list and its export share it)."""
    user = actor()
    stmt = scoped(select(Rectification), Rectification, user, within=query.get("region_id"))
    if query["mine"]:
        stmt = stmt.where(Rectification.responsible_id == user.id)
    if query["status"] != "all":
        stmt = stmt.where(Rectification.status == query["status"])
    if query["overdue"]:
        stmt = stmt.where(Rectification.status.in_(("open", "submitted")),
                          Rectification.due_on < clock.today())
    if "project_id" in query:
        stmt = stmt.where(Rectification.project_id == query["project_id"])
    return stmt.order_by(Rectification.due_on, Rectification.id)


RECTIFICATION_COLUMNS = (
    export.col("编号", "No.", "number", width=8), export.col("项目", "Project", width=26),
    *export.PLACE_COLUMNS, export.col("整改要求", "Requirement", width=40), export.col("责任人", "Responsible", width=10),
    export.col("开单人", "Opened by", width=10), export.col("期限", "Due on", "date", width=12),
    export.col("状态", "Status", width=10), export.col("逾期", "Overdue", "bool", width=6),
    export.col("来源预警", "Warning no.", "number", width=9), export.col("来源巡查", "Inspection no.", "number", width=9),
    export.col("开单时间", "Opened at", "datetime", width=20), export.col("上报时间", "Escalated at", "datetime", width=20),
    export.col("关闭时间", "Closed at", "datetime", width=20))


def rectification_rows(stmt):
    """Batches of ``RECTIFICATION_COLUMNS`` rows (project and people names in two queries a batch)."""
    from ..core.models import User
    known = {}  # region id → its places, across batches
    for batch in export.batches(stmt):
        names = dict(db.session.execute(select(Project.id, Project.name).where(
            Project.id.in_({r.project_id for r in batch}))).all())
        people = dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(
            {r.responsible_id for r in batch} | {r.created_by_id for r in batch}))).all())
        places = export.placed((r.region_id for r in batch), known)
        yield [[r.id, names.get(r.project_id), *places[r.region_id], r.requirement, people.get(r.responsible_id),
                people.get(r.created_by_id), r.due_on, services.STATE_NAMES.get(r.status, (r.status,))[0],
                services.is_overdue(r), r.warning_id, r.inspection_id, r.created_at, r.escalated_at, r.closed_at]
               for r in batch]


@bp.get("/rectifications/export")
@require(*STAFF)
@bp.input(export.export_query(RectificationQuery, "RectificationExportQuery"), location="query", arg_name="query")
@bp.doc(responses={200: {"description": "CSV (UTF-8 with BOM) or Excel, streamed",
                         "content": {"text/csv": {}, export.MIMETYPES["xlsx"]: {}}}, 400: {}, 401: {}, 403: {}, 404: {}})
def export_rectifications(query):
    """Every rectification the list would show with the same filters (``region_id``, ``mine``,
    ``status``, ``overdue``, ``project_id``), as ``format=csv`` or ``xlsx``, streamed."""
    stmt = rectification_list(query)
    return export.respond(query["format"], RECTIFICATION_COLUMNS, lambda: rectification_rows(stmt),
                          "整改清单", "rectifications")


@bp.get("/rectifications")
@require(*STAFF)
@bp.input(RectificationQuery, location="query", arg_name="query")
@bp.output(RectificationPage)
@bp.doc(responses=ERRORS)
def list_rectifications(query):
    """Rectifications in the caller's region (or the subtree of ``region_id`` in it; 403
    ``out_of_scope`` outside it): ``mine`` (responsible), ``overdue``, by status; each names its
    township and county."""
    page = paginate(rectification_list(query), query)
    page["items"] = with_places(views(page["items"], detail=False), [r.region_id for r in page["items"]])
    return page


@bp.get("/rectifications/<int:rectification_id>")
@require(*STAFF)
@bp.output(RectificationOut)
@bp.doc(responses=ERRORS)
def get_rectification(rectification_id):
    """One rectification: the original finding beside the evidence, and its history."""
    return views([get_scoped(Rectification, rectification_id, actor(), "整改", "rectification")])[0]


@bp.post("/rectifications/<int:rectification_id>/evidence")
@require("inspector", "township_lead")
@bp.input(EvidenceIn, arg_name="data")
@bp.output(RectificationOut, status_code=201)
@bp.doc(responses=ERRORS)
def submit_evidence(rectification_id, data):
    """The responsible person hands in evidence (open → submitted); photos follow by the
    evidence's client UUID. 403 ``not_responsible``; 409 ``transition_not_allowed``."""
    user = actor()
    rect = get_scoped(Rectification, rectification_id, user, "整改", "rectification")
    return idempotency.once(data["client_uuid"], user, "rectification.evidence", lambda: (
        _submitted(rect, user, data), 201))


def _submitted(rect, user, data):
    services.submit(rect, user, data["client_uuid"], data["text"], data.get("lat"), data.get("lng"))
    return RectificationOut().dump(views([rect])[0])


@bp.post("/rectifications/evidence/<uuid:evidence_uuid>/photos")
@require("inspector", "township_lead")
@bp.input(PhotoForm, location="form_and_files", arg_name="form")
@bp.output(PhotoOut, status_code=201)
@bp.doc(responses=ERRORS)
@photo_services.accepts_photos
def upload_evidence_photo(evidence_uuid, form):
    """Attach a photo to handed-in evidence (same checks as inspection photos)."""
    user = actor()
    submission = db.session.execute(select(Submission).where(
        Submission.client_uuid == str(evidence_uuid))).scalar_one_or_none()
    if submission is None:
        raise ApiError(404, "evidence_not_found", "整改材料不存在（请先提交材料）", "No such evidence (submit it first)")
    ensure_in_scope(submission, user, "整改材料", "evidence")
    data = form["file"].read()
    device = {k: form.get(k) for k in ("taken_at", "lat", "lng", "accuracy_m", "exif_taken_at",
                                       "exif_lat", "exif_lng")}
    return idempotency.once(form["client_uuid"], user, "rectification.photo", lambda: (
        PhotoOut().dump(photo_services.view(services.add_photo(submission, user, form["client_uuid"], data,
                                                               form["sha256"], device))), 201))


def _decision(action, needs_reason):
    def view(rectification_id, data):
        user = actor()
        rect = get_scoped(Rectification, rectification_id, user, "整改", "rectification")
        reason = data.get("reason") or data.get("note")
        if needs_reason and not data.get("reason"):
            raise bad_field("json.reason", "reason_required", "请填写原因", "A reason is required")
        return idempotency.once(data["client_uuid"], user, f"rectification.{action}", lambda: (
            RectificationOut().dump(views([services.decide(rect, user, action, data.get("expected_version"),
                                                           reason)])[0]), 200))
    view.__name__ = f"{action}_rectification"
    view.__doc__ = (f"{action.replace('_', ' ').capitalize()} a rectification. 409 ``rectification_changed`` "
                    "(stale expected_version) / ``transition_not_allowed``; 403 for the wrong role.")
    return view


for _action, _path, _roles, _reason in (
        ("approve", "approve", services.REVIEWERS, False), ("reject", "reject", services.REVIEWERS, True),
        ("close_unfixed", "close-unfixed", services.REVIEWERS, True),
        ("reopen", "reopen", services.REOPENERS, True)):
    bp.post(f"/rectifications/<int:rectification_id>/{_path}")(
        require(*_roles)(bp.input(DecisionIn, arg_name="data")(bp.output(RectificationOut)(
            bp.doc(responses=ERRORS)(_decision(_action, _reason))))))
