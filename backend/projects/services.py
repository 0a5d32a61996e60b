"""Units, projects, the stage machine and payments. Plain functions: they flush, never commit."""
from decimal import Decimal

from sqlalchemy import func, select

from .. import jobs
from ..core import audit, clock
from ..core.errors import ApiError, bad_field
from ..core.models import Region
from ..core.scoping import covers
from ..core.tree import ancestors
from ..extensions import db
from ..qrcodes import services as qrcodes
from . import lifecycle
from .models import Project, ProjectPayment, Unit

STAGES = ("approved", "tendering", "contracted", "construction", "acceptance", "settlement",
          "audit", "archived")
STAGE_NAMES = {
    "approved": ("立项", "Approved"), "tendering": ("招投标", "Tendering"),
    "contracted": ("合同", "Contracted"), "construction": ("施工", "Construction"),
    "acceptance": ("验收", "Acceptance"), "settlement": ("结算", "Settlement"),
    "audit": ("审计", "Audit"), "archived": ("归档", "Archived"),
}

# Which stage moves exist, and who may make them. Township leads run a project up to handing in
# its settlement; the county finance bureau reviews settlement and audit and archives. A failed
# acceptance sends the project back to construction. Nothing else moves; supervisors above the
# county watch but do not move stages.
MOVES = {
    ("approved", "tendering"): {"township_lead", "county"},
    ("tendering", "contracted"): {"township_lead", "county"},
    ("contracted", "construction"): {"township_lead", "county"},
    ("construction", "acceptance"): {"township_lead", "county"},
    ("acceptance", "construction"): {"township_lead", "county"},
    ("acceptance", "settlement"): {"township_lead", "county"},
    ("settlement", "audit"): {"county"},
    ("audit", "archived"): {"county"},
}
CREATORS = {"township_lead", "county"}
PAYERS = {"township_lead", "county"}
# Payments go to a contractor, so there is none before the contract; an archived project is closed.
PAYABLE_STAGES = {"contracted", "construction", "acceptance", "settlement", "audit"}


def allowed_moves(project, actor):
    """The stages this actor may move this project to now."""
    if actor is None or not covers(actor, project.region):
        return []
    return [to for (frm, to), roles in MOVES.items() if frm == project.stage and actor.role in roles]


def _require_region(actor, region_id, levels, path):
    region = db.session.get(Region, region_id)
    if region is None:
        raise bad_field(path, "region_not_found", "地区不存在", "No such region")
    if region.status != "active":  # merged or abolished by an official table: old records only
        raise bad_field(path, "region_abolished", f"{region.name}已撤销或并入其他地区，不能再登记新的项目或单位",
                        f"{region.name} was abolished or merged: nothing new is registered there")
    if region.level not in levels:
        raise bad_field(path, "region_level", "该地区级别不能挂项目/单位",
                        f"Region level must be one of {', '.join(levels)}")
    if not covers(actor, region):
        raise ApiError(403, "out_of_scope", "该地区不在您的管辖范围内", "This region is outside your region")
    return region


def create_unit(actor, region_id, name, kind, address=None, head_name=None):
    """A new management unit with its QR code. 400 on an unknown region, 403 outside scope."""
    region = _require_region(actor, region_id, ("county", "township", "village"), "json.region_id")
    unit = Unit(name=name.strip(), kind=kind.strip(), region_id=region.id, address=address,
                head_name=head_name)
    db.session.add(unit)
    db.session.flush()
    qrcodes.issue("unit", unit.id, region.id, actor)
    audit.record(actor, "unit.create", subject=unit, name=unit.name)
    return unit


def _next_ref_no(region, year):
    prefix = f"{region.code[:9]}-{year}-"
    count = db.session.scalar(select(func.count()).select_from(Project).where(
        Project.ref_no.startswith(prefix)))
    return f"{prefix}{count + 1:04d}"


def create_project(actor, data, at=None):
    """A new project in stage 'approved', with its first lifecycle event and its QR code.

    400 ``unit_region_mismatch`` when the unit does not manage the project's region."""
    region = _require_region(actor, data["region_id"], ("township", "village"), "json.region_id")
    unit = db.session.get(Unit, data["unit_id"])
    if unit is None:
        raise bad_field("json.unit_id", "unit_not_found", "管理单位不存在", "No such unit")
    if not region.path.startswith(unit.region.path):
        raise bad_field("json.unit_id", "unit_region_mismatch", "该管理单位不管辖此地区",
                        "The unit does not manage this region")
    at = at or clock.now()
    project = Project(
        ref_no=data.get("ref_no") or _next_ref_no(region, at.year), name=data["name"].strip(),
        category=data["category"], region_id=region.id, unit_id=unit.id, stage="approved",
        budget=data["budget"], funding_sources=[
            {"source": f["source"], "amount": str(f["amount"])} for f in data.get("funding_sources", [])],
        contractor=data.get("contractor"), site_address=data.get("site_address"),
        lat=data.get("lat"), lng=data.get("lng"), planned_start_on=data.get("planned_start_on"),
        planned_end_on=data.get("planned_end_on"), description=data.get("description"),
        created_at=at, updated_at=at, stage_changed_at=at)
    if db.session.execute(select(Project.id).where(Project.ref_no == project.ref_no)).first():
        raise bad_field("json.ref_no", "ref_no_taken", "项目编号已存在", "This project number is taken", 409)
    db.session.add(project)
    db.session.flush()
    lifecycle.append(project, "created", actor, {"name": project.name, "budget": str(project.budget),
                                                  "unit": unit.name}, at=at)
    code = qrcodes.issue("project", project.id, region.id, actor)
    lifecycle.append(project, "code_issued", actor, {"code": code.code}, at=at)
    audit.record(actor, "project.create", subject=project, ref_no=project.ref_no)
    jobs.touch(projects=[project.id])
    return project


def lock(project_id):
    """Reload a project with a row lock (PostgreSQL; SQLite serialises writers anyway)."""
    return db.session.execute(select(Project).where(Project.id == project_id)
                              .with_for_update().execution_options(populate_existing=True)).scalar_one()


def move_stage(project, actor, to_stage, note=None, expected_from=None, at=None, **details):
    """Move a project to ``to_stage``.

    409 ``stage_changed`` if ``expected_from`` no longer holds (someone moved it first);
    409 ``stage_move_not_allowed`` for a move the machine does not have;
    403 ``stage_move_forbidden`` for a move this role may not make."""
    project = lock(project.id)
    if expected_from and project.stage != expected_from:
        raise ApiError(409, "stage_changed", "项目阶段已被他人更新，请刷新",
                       f"The project is now in stage '{project.stage}', not '{expected_from}'")
    key = (project.stage, to_stage)
    if key not in MOVES:
        raise bad_field("json.to_stage", "stage_move_not_allowed",
                        f"不能从「{STAGE_NAMES[project.stage][0]}」转到「{STAGE_NAMES[to_stage][0]}」",
                        f"Cannot move from {project.stage} to {to_stage}", 409)
    if actor.role not in MOVES[key]:
        raise ApiError(403, "stage_move_forbidden", "您的角色不能执行这一阶段变更",
                       "Your role may not make this stage move")
    at = at or clock.now()
    payload = {"from": project.stage, "to": to_stage}
    if note:
        payload["note"] = note
    payload.update({k: str(v) if isinstance(v, Decimal) else v for k, v in details.items() if v is not None})
    if details.get("contractor"):
        project.contractor = details["contractor"]
    if details.get("contract_amount") is not None:
        project.contract_amount = Decimal(details["contract_amount"])
    project.stage = to_stage
    project.stage_changed_at = at
    lifecycle.append(project, "stage_changed", actor, payload, at=at)
    audit.record(actor, "project.stage", subject=project, **{"from": payload["from"], "to": to_stage})
    jobs.touch(projects=[project.id])
    return project


def record_payment(project, actor, data, at=None):
    """Record a payment to the contractor.

    409 ``payment_stage`` before the contract or after archiving; 409 ``voucher_taken`` on a
    voucher number already used for this project."""
    project = lock(project.id)
    if project.stage not in PAYABLE_STAGES:
        raise ApiError(409, "payment_stage", "该阶段不能登记支付（合同签订前或已归档）",
                       "No payments before the contract or after archiving")
    if db.session.execute(select(ProjectPayment.id).where(
            ProjectPayment.project_id == project.id,
            ProjectPayment.voucher_no == data["voucher_no"])).first():
        raise bad_field("json.voucher_no", "voucher_taken", "该凭证号已登记", "This voucher is already recorded", 409)
    payment = ProjectPayment(project_id=project.id, amount=data["amount"], paid_on=data["paid_on"],
                             payee=data["payee"].strip(), voucher_no=data["voucher_no"].strip(),
                             funding_source=data["funding_source"].strip(), note=data.get("note"),
                             created_by_id=getattr(actor, "id", None), created_at=at or clock.now())
    db.session.add(payment)
    db.session.flush()
    lifecycle.append(project, "payment_recorded", actor, {
        "amount": str(payment.amount), "paid_on": payment.paid_on.isoformat(), "payee": payment.payee,
        "voucher_no": payment.voucher_no, "funding_source": payment.funding_source}, at=at)
    audit.record(actor, "project.payment", subject=project, payment_id=payment.id,
                 amount=str(payment.amount))
    jobs.touch(projects=[project.id])
    return payment


def payments(project):
    return db.session.execute(select(ProjectPayment).where(ProjectPayment.project_id == project.id)
                              .order_by(ProjectPayment.paid_on.desc(), ProjectPayment.id.desc())).scalars().all()


def paid_total(project):
    return db.session.scalar(select(func.coalesce(func.sum(ProjectPayment.amount), 0)).where(
        ProjectPayment.project_id == project.id)) or Decimal("0")


def code_changed(subject_type, subject_id, actor, kind, **payload):
    """Put a code revoke/reissue on the project's timeline (units have no timeline)."""
    if subject_type != "project":
        return
    project = lock(subject_id)
    lifecycle.append(project, kind, actor, payload)


def view(project, actor):
    """The project as a scan shows it: public facts for anyone, everything for a user whose region
    covers the project."""
    full = covers(actor, project.region)
    timeline = lifecycle.events(project, public=not full)
    data = {
        "view": "full" if full else "public",
        "id": project.id, "name": project.name, "category": project.category, "stage": project.stage,
        "budget": project.budget, "funding_sources": project.funding_sources,
        "contractor": project.contractor, "site_address": project.site_address,
        "lat": project.lat, "lng": project.lng, "planned_start_on": project.planned_start_on,
        "planned_end_on": project.planned_end_on, "progress_pct": project.progress_pct,
        "region": project.region,
        "region_path": [r.name for r in ancestors(project.region) if r.level != "province"] + [project.region.name],
        "unit_name": project.unit.name, "paid_total": paid_total(project),
        "code": getattr(qrcodes.active_code("project", project.id), "code", None),
        "timeline": timeline,
    }
    if full:
        problems = lifecycle.verify(project)
        data.update(ref_no=project.ref_no, description=project.description,
                    contract_amount=project.contract_amount, unit_id=project.unit_id,
                    allowed_moves=allowed_moves(project, actor), chain_intact=not problems,
                    chain_problems=problems, event_count=project.event_count)
    return data
