"""Inspections from the field app: record, list, and attach photos — all exactly once."""
from sqlalchemy import or_, select

from ..core import export, idempotency
from ..core.auth import actor, require
from ..core.pagination import paginate
from ..core.scoping import ensure_in_scope, get_scoped, scoped
from ..core.tree import with_places
from ..extensions import db
from ..photos import services as photo_services
from ..projects.models import Project
from . import bp, checklists, services
from .models import Inspection
from .schemas import (ChecklistsOut, InspectionIn, InspectionOut, InspectionPage, InspectionQuery,
                      PhotoForm, PhotoOut)

ERRORS = [400, 401, 403, 404, 409, 413, 415]


def inspection_views(items):
    photos = services.photos_of([i.id for i in items])
    names = dict(db.session.execute(select(Project.id, Project.name).where(
        Project.id.in_({i.project_id for i in items}))).all()) if items else {}
    return [{**{c: getattr(i, c) for c in (
        "id", "client_uuid", "project_id", "task_id", "verdict", "findings", "checklist", "lat", "lng",
        "accuracy_m", "distance_m", "off_site", "position_missing", "reused_photo", "recorded_at",
        "created_at")},
             "project_name": names[i.project_id], "inspector": i.inspector,
             "photos": [photo_services.view(p) for p in photos[i.id]]} for i in items]


@bp.get("/checklists")
@require()
@bp.output(ChecklistsOut)
@bp.doc(responses=[401])
def get_checklists():
    """What to check at each project stage (the app caches it for offline use)."""
    return {"stages": checklists.all_stages()}


@bp.post("/inspections")
@require(*services.RECORDERS)
@bp.input(InspectionIn, arg_name="data")
@bp.output(InspectionOut, status_code=201)
@bp.doc(responses=ERRORS)
def create_inspection(data):
    """Record an inspection. Idempotent on ``client_uuid``: a replay gets the first response."""
    user = actor()
    project = get_scoped(Project, data["project_id"], user, "项目", "project")
    return idempotency.once(data["client_uuid"], user, "inspection.create", lambda: (
        InspectionOut().dump(inspection_views([services.record(user, project, data)])[0]), 201))


def inspection_list(query):
    """The inspections list's SELECT, filtered and ordered (the list and its export share it)."""
    user = actor()
    stmt = scoped(select(Inspection), Inspection, user, within=query.get("region_id"))
    if query["mine"]:
        stmt = stmt.where(Inspection.inspector_id == user.id)
    if "project_id" in query:
        stmt = stmt.where(Inspection.project_id == query["project_id"])
    if query["flagged"]:
        stmt = stmt.where(or_(Inspection.off_site.is_(True), Inspection.reused_photo.is_(True)))
    return stmt.order_by(Inspection.created_at.desc(), Inspection.id.desc())


VERDICT_NAMES = {"normal": "正常", "problem": "发现问题"}
INSPECTION_COLUMNS = (
    export.col("编号", "No.", "number", width=8), export.col("项目", "Project", width=26), *export.PLACE_COLUMNS,
    export.col("巡查员", "Inspector", width=10), export.col("结论", "Verdict", width=9),
    export.col("发现问题", "Findings", width=40), export.col("离现场（米）", "Distance (m)", "number", width=10),
    export.col("不在现场", "Off site", "bool", width=8), export.col("无定位", "No position", "bool", width=8),
    export.col("照片重复", "Reused photo", "bool", width=8), export.col("巡查时间", "Recorded at", "datetime", width=20),
    export.col("上传时间", "Uploaded at", "datetime", width=20))


def inspection_rows(stmt):
    """Batches of ``INSPECTION_COLUMNS`` rows (project and inspector names in two queries a batch)."""
    from ..core.models import User
    known = {}  # region id → its places, across batches
    for batch in export.batches(stmt):
        names = dict(db.session.execute(select(Project.id, Project.name).where(
            Project.id.in_({i.project_id for i in batch}))).all())
        people = dict(db.session.execute(select(User.id, User.display_name).where(
            User.id.in_({i.inspector_id for i in batch}))).all())
        places = export.placed((i.region_id for i in batch), known)
        yield [[i.id, names.get(i.project_id), *places[i.region_id], people.get(i.inspector_id),
                VERDICT_NAMES.get(i.verdict, i.verdict), i.findings,
                round(i.distance_m) if i.distance_m is not None else None, i.off_site, i.position_missing,
                i.reused_photo, i.recorded_at, i.created_at] for i in batch]


@bp.get("/inspections/export")
@require()
@bp.input(export.export_query(InspectionQuery, "InspectionExportQuery"), location="query", arg_name="query")
@bp.doc(responses={200: {"description": "CSV (UTF-8 with BOM) or Excel, streamed",
                         "content": {"text/csv": {}, export.MIMETYPES["xlsx"]: {}}}, 400: {}, 401: {}, 403: {}, 404: {}})
def export_inspections(query):
    """Every inspection the list would show with the same filters (``region_id``, ``mine``,
    ``project_id``, ``flagged``), newest first, as ``format=csv`` or ``xlsx``, streamed."""
    stmt = inspection_list(query)
    return export.respond(query["format"], INSPECTION_COLUMNS, lambda: inspection_rows(stmt),
                          "巡查记录", "inspections")


@bp.get("/inspections")
@require()
@bp.input(InspectionQuery, location="query", arg_name="query")
@bp.output(InspectionPage)
@bp.doc(responses=ERRORS)
def list_inspections(query):
    """Inspections in the caller's region (or the subtree of ``region_id`` in it; 403 ``out_of_scope``
    outside it), newest first; ``flagged`` keeps the suspicious ones. Each names its township and county."""
    page = paginate(inspection_list(query), query)
    page["items"] = with_places(inspection_views(page["items"]), [i.region_id for i in page["items"]])
    return page


@bp.get("/inspections/<int:inspection_id>")
@require()
@bp.output(InspectionOut)
@bp.doc(responses=ERRORS)
def get_inspection(inspection_id):
    """One inspection with its photos and flags."""
    return inspection_views([get_scoped(Inspection, inspection_id, actor(), "巡查记录", "inspection")])[0]


@bp.post("/inspections/<uuid:inspection_uuid>/photos")
@require(*services.RECORDERS)
@bp.input(PhotoForm, location="form_and_files", arg_name="form")
@bp.output(PhotoOut, status_code=201)
@bp.doc(responses=ERRORS)
@photo_services.accepts_photos
def upload_photo(inspection_uuid, form):
    """Attach one photo (multipart) to the inspection with that client UUID. The server checks the
    SHA-256, sniffs the content, guards against bombs and re-encodes; a replay of the same photo
    UUID, or the same bytes again, is acknowledged and not stored twice."""
    user = actor()
    inspection = ensure_in_scope(services.by_uuid(inspection_uuid), user, "巡查记录", "inspection")
    data = form["file"].read()
    device = {k: form.get(k) for k in ("taken_at", "lat", "lng", "accuracy_m", "exif_taken_at",
                                       "exif_lat", "exif_lng")}
    return idempotency.once(form["client_uuid"], user, "photo.upload", lambda: (
        PhotoOut().dump(photo_services.view(services.add_photo(inspection, user, form["client_uuid"], data,
                                                      form["sha256"], device))), 201))
