"""Units, projects, stage moves and payments."""
from math import cos, radians

from apiflask import Schema
from apiflask.fields import List, Nested
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import aliased

from ..core import export, idempotency
from ..core.auth import actor, require
from ..core.geo import distance_m
from ..core.models import Region
from ..core.pagination import paginate, paginate_remembered
from ..core.scoping import get_scoped, scoped
from ..core.tree import with_places
from ..qrcodes import services as qrcodes
from ..qrcodes.models import QrCode
from . import bp, lifecycle, services
from .models import Project, Unit
from .schemas import (ChainOut, ContractorIn, PaymentIn, PaymentList, PaymentOut, ProjectIn, ProjectPage,
                      ProjectQuery, ProjectView, StageMoveIn, TimelineItem, UnitIn, UnitOut,
                      UnitPage, UnitQuery)

ERRORS = [400, 401, 403, 404, 409, 413, 415]
Timeline = Schema.from_dict({"items": List(Nested(TimelineItem), required=True)}, name="Timeline")


def _unit_out(unit, code=None):
    return {"id": unit.id, "name": unit.name, "kind": unit.kind, "region": unit.region,
            "address": unit.address, "head_name": unit.head_name,
            "code": code if code is not None else (qrcodes.active_codes("unit", [unit.id]).get(unit.id))}


@bp.get("/units")
@require()
@bp.input(UnitQuery, location="query", arg_name="query")
@bp.output(UnitPage)
@bp.doc(responses=ERRORS)
def list_units(query):
    """Management units in the caller's subtree (optionally under one region)."""
    stmt = scoped(select(Unit), Unit, actor(), within=query.get("region_id"))
    page = paginate(stmt.order_by(Unit.id), query)
    codes = qrcodes.active_codes("unit", [u.id for u in page["items"]])
    page["items"] = [_unit_out(u, codes.get(u.id, "")) for u in page["items"]]
    return page


@bp.post("/units")
@require("township_lead", "county", "admin")
@bp.input(UnitIn, arg_name="data")
@bp.output(UnitOut, status_code=201)
@bp.doc(responses=ERRORS)
def create_unit(data):
    """Create a management unit and issue its QR code."""
    user = actor()
    key = data.pop("client_uuid")
    return idempotency.once(key, user, "unit.create", lambda: (
        UnitOut().dump(_unit_out(services.create_unit(user, **data))), 201))


@bp.get("/units/<int:unit_id>")
@require()
@bp.output(UnitOut)
@bp.doc(responses=ERRORS)
def get_unit(unit_id):
    """One management unit; 403 outside the caller's subtree."""
    return _unit_out(get_scoped(Unit, unit_id, actor(), "管理单位", "unit"))


def project_list(query):
    """The projects list's SELECT, filtered and ordered (the list and its export share it)."""
    stmt = scoped(select(Project), Project, actor(), within=query.get("region_id"))
    if "stage" in query:
        stmt = stmt.where(Project.stage == query["stage"])
    if query.get("q"):
        word = query["q"].strip()
        # A project sits in a village or a township (``scoped`` joined its region): one join to the
        # parent names the village's township too.
        parent = aliased(Region)
        stmt = stmt.outerjoin(parent, Region.parent_id == parent.id).where(or_(
            Project.name.contains(word, autoescape=True),
            Project.ref_no.contains(word, autoescape=True),
            Project.contractor.contains(word, autoescape=True),
            and_(Region.level.in_(("township", "village")), Region.name.contains(word, autoescape=True)),
            and_(Region.level == "village", parent.name.contains(word, autoescape=True))))
    if "near_lat" in query:
        # Nearest first on a flat approximation (exact enough to order sites within a county).
        lat, lng = query["near_lat"], query["near_lng"]
        squeeze = cos(radians(lat)) ** 2
        order = [(Project.lat.is_(None)), (Project.lat - lat) * (Project.lat - lat)
                 + (Project.lng - lng) * (Project.lng - lng) * squeeze, Project.id]
    else:
        order = [Project.updated_at.desc(), Project.id.desc()]
    return stmt.order_by(*order)


@bp.get("/projects")
@require()
@bp.input(ProjectQuery, location="query", arg_name="query")
@bp.output(ProjectPage)
@bp.doc(responses=ERRORS)
def list_projects(query):
    """Projects in the caller's subtree, filtered by region (its subtree; 403 ``out_of_scope`` outside
    the caller's), stage or a search word (name, reference, contractor, or the village's or the
    township's name). Each names its township and county."""
    # The page reads only what an item shows, its region (``scoped`` joined it) and its active
    # code in the one statement: no entity is built and no second query asks for the codes.
    def build():
        listed = project_list(query)
        return listed.with_only_columns(*BRIEF_COLUMNS).outerjoin(QrCode, ITS_CODE), listed
    page = paginate_remembered(build, query)
    near = (query["near_lat"], query["near_lng"]) if "near_lat" in query else None
    items = []
    for (id_, ref_no, name, category, stage, budget, contractor, lat, lng,
         region_id, region_code, region_name, region_level, code) in page["items"]:
        items.append({"id": id_, "ref_no": ref_no, "name": name, "category": category, "stage": stage,
                      "budget": budget, "contractor": contractor, "code": code,
                      "region": {"id": region_id, "code": region_code, "name": region_name, "level": region_level},
                      "distance_m": round(distance_m(*near, lat, lng)) if near and lat is not None else None})
    page["items"] = with_places(items, [item["region"]["id"] for item in items])
    return page


ITS_CODE = qrcodes.active_of("project", Project.id)  # (built once: it costs more to put together than to keep)
BRIEF_COLUMNS = (Project.id, Project.ref_no, Project.name, Project.category, Project.stage, Project.budget,
                 Project.contractor, Project.lat, Project.lng, Region.id, Region.code, Region.name,
                 Region.level, QrCode.code)


PROJECT_COLUMNS = (
    export.col("项目编号", "Reference no.", width=16), export.col("项目名称", "Project", width=30),
    export.col("类别", "Category"), export.col("阶段", "Stage", width=8), *export.PLACE_COLUMNS,
    export.col("预算（元）", "Budget (CNY)", "money"), export.col("合同金额（元）", "Contract amount (CNY)", "money"),
    export.col("承建单位", "Contractor", width=24), export.col("进度（%）", "Progress (%)", "number", width=8),
    export.col("计划开工", "Planned start", "date", width=12), export.col("计划完工", "Planned end", "date", width=12),
    export.col("项目码", "QR code", width=16), export.col("更新时间", "Updated at", "datetime", width=20))


def project_rows(stmt):
    """Batches of ``PROJECT_COLUMNS`` rows for the projects the SELECT finds (codes and places per batch)."""
    known = {}  # region id → its places, across batches
    for batch in export.batches(stmt):
        codes = qrcodes.active_codes("project", [p.id for p in batch])
        places = export.placed((p.region_id for p in batch), known)
        yield [[p.ref_no, p.name, p.category, services.STAGE_NAMES.get(p.stage, (p.stage,))[0],
                *places[p.region_id], p.budget, p.contract_amount, p.contractor, p.progress_pct,
                p.planned_start_on, p.planned_end_on, codes.get(p.id), p.updated_at] for p in batch]


@bp.get("/projects/export")
@require()
@bp.input(export.export_query(ProjectQuery, "ProjectExportQuery"), location="query", arg_name="query")
@bp.doc(responses={200: {"description": "CSV (UTF-8 with BOM) or Excel, streamed",
                         "content": {"text/csv": {}, export.MIMETYPES["xlsx"]: {}}}, 400: {}, 401: {}, 403: {}, 404: {}})
def export_projects(query):
    """Every project the list would show with the same filters (``region_id``, ``stage``, ``q``,
    ``near_lat``/``near_lng``), as ``format=csv`` or ``xlsx``, streamed."""
    stmt = project_list(query)
    return export.respond(query["format"], PROJECT_COLUMNS, lambda: project_rows(stmt), "项目清单", "projects")


@bp.post("/projects")
@require(*services.CREATORS)
@bp.input(ProjectIn, arg_name="data")
@bp.output(ProjectView, status_code=201)
@bp.doc(responses=ERRORS)
def create_project(data):
    """Create a project in stage 'approved' and issue its QR code."""
    user = actor()
    key = data.pop("client_uuid")
    return idempotency.once(key, user, "project.create", lambda: (
        ProjectView().dump(services.view(services.create_project(user, data), user)), 201))


@bp.get("/projects/<int:project_id>")
@require()
@bp.output(ProjectView)
@bp.doc(responses=ERRORS)
def get_project(project_id):
    """The full project with its timeline; 403 outside the caller's subtree."""
    return services.view(get_scoped(Project, project_id, actor(), "项目", "project"), actor())


@bp.get("/projects/<int:project_id>/timeline")
@require()
@bp.output(Timeline)
@bp.doc(responses=ERRORS)
def project_timeline(project_id):
    """The whole lifecycle, newest first."""
    project = get_scoped(Project, project_id, actor(), "项目", "project")
    return {"items": lifecycle.events(project, public=False)}


@bp.post("/projects/<int:project_id>/stage")
@require(*set().union(*services.MOVES.values()))
@bp.input(StageMoveIn, arg_name="data")
@bp.output(ProjectView)
@bp.doc(responses=ERRORS)
def move_stage(project_id, data):
    """Move the project to another stage. 409 ``stage_move_not_allowed`` / ``stage_changed``;
    403 ``stage_move_forbidden``."""
    user = actor()
    project = get_scoped(Project, project_id, user, "项目", "project")
    key = data.pop("client_uuid")

    def work():
        moved = services.move_stage(project, user, data.pop("to_stage"), data.pop("note", None),
                                    data.pop("expected_from", None), **data)
        return ProjectView().dump(services.view(moved, user)), 200
    return idempotency.once(key, user, "project.stage", work)


@bp.get("/projects/<int:project_id>/payments")
@require()
@bp.output(PaymentList)
@bp.doc(responses=ERRORS)
def list_payments(project_id):
    """Payments to the contractor, newest first, with their total."""
    project = get_scoped(Project, project_id, actor(), "项目", "project")
    return {"items": services.payments(project), "paid_total": services.paid_total(project)}


@bp.post("/projects/<int:project_id>/payments")
@require(*services.PAYERS)
@bp.input(PaymentIn, arg_name="data")
@bp.output(PaymentOut, status_code=201)
@bp.doc(responses=ERRORS)
def record_payment(project_id, data):
    """Record a payment. 409 ``payment_stage`` / ``voucher_taken``."""
    user = actor()
    project = get_scoped(Project, project_id, user, "项目", "project")
    key = data.pop("client_uuid")
    return idempotency.once(key, user, "project.payment", lambda: (
        PaymentOut().dump(services.record_payment(project, user, data)), 201))


@bp.get("/projects/<int:project_id>/chain")
@require()
@bp.output(ChainOut)
@bp.doc(responses=ERRORS)
def verify_chain(project_id):
    """Check the project's lifecycle hash chain."""
    project = get_scoped(Project, project_id, actor(), "项目", "project")
    problems = lifecycle.verify(project)
    return {"intact": not problems, "event_count": project.event_count, "problems": problems}


@bp.post("/projects/<int:project_id>/contractor")
@require(*services.CORRECTORS)
@bp.input(ContractorIn, arg_name="data")
@bp.output(ProjectView)
@bp.doc(responses=ERRORS)
def correct_contractor(project_id, data):
    """Correct the contractor's name or 统一社会信用代码, with a reason; old → new goes on the
    timeline. 400 ``uscc_malformed`` / ``uscc_checksum``; 409 ``contractor_unchanged`` / ``no_contractor``."""
    user = actor()
    project = get_scoped(Project, project_id, user, "项目", "project")
    key = data.pop("client_uuid")
    return idempotency.once(key, user, "project.contractor", lambda: (
        ProjectView().dump(services.view(services.correct_contractor(
            project, user, data["contractor"], data.get("contractor_uscc"), data["reason"]), user)), 200))
