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
from .companies import UsccError, normalize_uscc
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
CORRECTORS = {"township_lead", "county"}

# Where a project's money comes from (资金来源), by level of government; a funding line written
# any way a clerk writes it (省级专项资金, 区级配套资金, 村自筹) is filed under one of these.
FUNDING_LEVELS = ("central", "province", "city", "county", "township", "self")
FUNDING_NAMES = {"central": ("中央", "Central"), "province": ("省级", "Provincial"), "city": ("市级", "City"),
                 "county": ("县级", "County"), "township": ("乡级", "Township"), "self": ("自筹", "Self-raised")}
_LEVEL_WORDS = (("self", ("自筹", "自有", "村集体", "社会资本", "群众")), ("central", ("中央", "国家")),
                ("province", ("省",)), ("city", ("市",)), ("county", ("县", "区")),
                ("township", ("乡", "镇", "街道")))


def funding_level(source):
    """The level a funding line belongs to (``FUNDING_LEVELS``), or None when its name says none."""
    text = (source or "").strip()
    if text in FUNDING_LEVELS:
        return text
    for level, words in _LEVEL_WORDS:
        if any(word in text for word in words):
            return level
    return None
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
    uscc = check_uscc(data.get("contractor_uscc"))
    if uscc and not data.get("contractor"):
        raise bad_field("json.contractor", "contractor_required", "填写了统一社会信用代码，请同时填写承建单位名称",
                        "A USCC needs the contractor's name too")
    at = at or clock.now()
    project = Project(
        ref_no=data.get("ref_no") or _next_ref_no(region, at.year), name=data["name"].strip(),
        category=data["category"], region_id=region.id, unit_id=unit.id, stage="approved",
        budget=data["budget"], funding_sources=funding_lines(data.get("funding_sources", [])),
        contractor=data.get("contractor"), contractor_uscc=uscc,
        contract_amount=data.get("contract_amount"), site_address=data.get("site_address"),
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


def check_uscc(text, path="json.contractor_uscc"):
    """A typed 统一社会信用代码 → canonical, or 400 ``uscc_malformed`` / ``uscc_checksum`` on ``path``."""
    if text is None or not str(text).strip():
        return None
    try:
        return normalize_uscc(str(text))
    except UsccError as err:
        if err.kind == "checksum":
            raise bad_field(path, "uscc_checksum", "统一社会信用代码校验位不符，请核对是否输错",
                            "The USCC's check character does not match (GB 32100-2015); it was probably mistyped")
        raise bad_field(path, "uscc_malformed", "统一社会信用代码应为18位数字或大写字母",
                        "A USCC is 18 digits and capital letters")


def funding_lines(sources):
    """The stored form of funding lines: source name, its level, the amount as a string."""
    out = []
    for f in sources:
        level = f.get("level") or funding_level(f["source"])
        out.append({"source": f["source"], "level": level, "amount": str(f["amount"])})
    return out


def correct_contractor(project, actor, contractor, uscc, reason, at=None):
    """Correct the contractor's name and/or 统一社会信用代码 (a typo, a renamed company): the old and
    new values and the reason go on the timeline and into the audit log.

    409 ``contractor_unchanged`` when nothing would change; 409 ``no_contractor`` before a
    contractor was named (the contract stage names it)."""
    uscc = check_uscc(uscc)
    project = lock(project.id)
    if not project.contractor:
        raise ApiError(409, "no_contractor", "项目尚未确定承建单位（签订合同时确定）",
                       "The project has no contractor yet (it is named at the contract)")
    contractor = contractor.strip()
    if contractor == project.contractor and (uscc or project.contractor_uscc) == project.contractor_uscc:
        raise bad_field("json.contractor", "contractor_unchanged", "承建单位与原来相同，无需更正",
                        "The contractor is unchanged", 409)
    payload = {"from": project.contractor, "to": contractor, "reason": reason}
    if uscc and uscc != project.contractor_uscc:
        payload.update(from_uscc=project.contractor_uscc, to_uscc=uscc)
    project.contractor = contractor
    if uscc:
        project.contractor_uscc = uscc
    lifecycle.append(project, "contractor_corrected", actor, payload, at=at)
    audit.record(actor, "project.contractor_correct", subject=project, **payload)
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
        "contractor": project.contractor, "contractor_uscc": project.contractor_uscc,
        "site_address": project.site_address,
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
                    can_correct=actor.role in CORRECTORS and project.contractor is not None,
                    can_pay=actor.role in PAYERS and project.stage in PAYABLE_STAGES,
                    allowed_moves=allowed_moves(project, actor), chain_intact=not problems,
                    chain_problems=problems, event_count=project.event_count)
    return data
