"""Assets, resources, contracts, receivables and receipts. Plain functions: they flush, never commit.

Everything belongs to a village collective (a region of level village). Township leads and the
county register and record within their region; supervisors read (scoping in the routes)."""
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import delete, func, select

from .. import jobs
from ..core import audit, clock
from ..core.errors import ApiError, bad_field
from ..core.models import Region
from ..core.scoping import covers
from ..extensions import db
from ..projects.models import Project
from ..qrcodes import services as qrcodes
from .models import (Asset, AssetProject, AssetStatusChange, ContractReceipt, ContractReceivable, Resource,
                     ResourceContract)

WRITERS = ("township_lead", "county", "admin")
READERS = ("admin", "province", "city", "county", "township_lead")
CENT = Decimal("0.01")


# ---- shared checks -----------------------------------------------------------------------------------

def village(actor, region_id, path="json.region_id"):
    """The village collective a row belongs to: 400 ``region_not_found`` / ``region_not_village``,
    403 ``out_of_scope`` outside the actor's region."""
    region = db.session.get(Region, region_id)
    if region is None:
        raise bad_field(path, "region_not_found", "地区不存在", "No such region")
    if region.level != "village":
        raise bad_field(path, "region_not_village", "三资登记在村（社区）集体名下，请选择村", "Assets belong to a village; choose a village")
    if actor is not None and not covers(actor, region):
        raise ApiError(403, "out_of_scope", "该地区不在您的管辖范围内", "This region is outside your region")
    return region


def _project(project_id, region, path):
    """A project that formed or maintains an asset of ``region``: it must be in the same township."""
    project = db.session.get(Project, project_id)
    if project is None:
        raise bad_field(path, "project_not_found", "项目不存在", "No such project")
    township = region.path.rsplit("/", 2)[0] + "/"
    if not project.region.path.startswith(township):
        raise bad_field(path, "project_elsewhere", "该项目不在本乡镇", "The project is not in this asset's township")
    return project


def _taken(model, column, value, region_id, path, ignore_id=None):
    stmt = select(model.id).where(model.region_id == region_id, getattr(model, column) == value)
    if ignore_id:
        stmt = stmt.where(model.id != ignore_id)
    if value and db.session.execute(stmt).first():
        raise bad_field(path, f"{column}_taken", "本村已有这个编号", "This number is already used in this village", 409)


def _strip(value):
    return value.strip() if isinstance(value, str) else value


# ---- assets ------------------------------------------------------------------------------------------

ASSET_FIELDS = ("asset_no", "name", "category", "original_value", "net_value", "location", "acquired_on", "note")


def create_asset(actor, data, batch_id=None, issue_code=True):
    """A new asset in a village's register, with its QR code. 400 on a bad village or project,
    409 ``asset_no_taken``."""
    region = village(actor, data["region_id"])
    _taken(Asset, "asset_no", _strip(data.get("asset_no")), region.id, "json.asset_no")
    project = _project(data["project_id"], region, "json.project_id") if data.get("project_id") else None
    _check_values(data)
    status = data.get("status") or "在用"
    since = data.get("status_changed_on") or data.get("acquired_on") or clock.today()
    asset = Asset(region_id=region.id, status=status, status_changed_on=since,
                  project_id=project.id if project else None, batch_id=batch_id,
                  **{k: _strip(data.get(k)) for k in ASSET_FIELDS})
    db.session.add(asset)
    db.session.flush()
    db.session.add(AssetStatusChange(asset_id=asset.id, from_status=None, to_status=status, changed_on=since,
                                     actor_id=getattr(actor, "id", None)))
    _set_maintainers(asset, region, data.get("maintenance_project_ids"))
    if issue_code:
        qrcodes.issue("asset", asset.id, region.id, actor)
    audit.record(actor, "asset.create", subject=asset, name=asset.name)
    jobs.touch(projects=[asset.project_id] if asset.project_id else [], regions=[region.id])
    return asset


def _check_values(data):
    if data.get("net_value") is not None and data.get("original_value") is not None \
            and data["net_value"] > data["original_value"]:
        raise bad_field("json.net_value", "net_over_original", "净值不能大于原值", "The net value cannot exceed the original value")


def _set_maintainers(asset, region, ids):
    if ids is None:
        return
    wanted = {_project(pid, region, "json.maintenance_project_ids").id for pid in ids}
    db.session.execute(delete(AssetProject).where(AssetProject.asset_id == asset.id,
                                                  AssetProject.project_id.not_in(wanted or {0})))
    have = set(db.session.execute(select(AssetProject.project_id).where(AssetProject.asset_id == asset.id)).scalars())
    for pid in sorted(wanted - have):
        db.session.add(AssetProject(asset_id=asset.id, project_id=pid))
    db.session.flush()


def maintainers(asset):
    return list(db.session.execute(select(AssetProject.project_id).where(AssetProject.asset_id == asset.id)
                                   .order_by(AssetProject.project_id)).scalars())


def update_asset(asset, actor, data, batch_id=None):
    """Change an asset. A new status is recorded in its history from ``status_changed_on`` (default
    today); 400 ``status_date_future`` / ``status_date_order``."""
    region = asset.region
    touched = {asset.project_id}
    if "asset_no" in data:
        _taken(Asset, "asset_no", _strip(data["asset_no"]), region.id, "json.asset_no", asset.id)
    if data.get("project_id"):
        _project(data["project_id"], region, "json.project_id")
    merged = {"original_value": asset.original_value, "net_value": asset.net_value, **data}
    _check_values(merged)
    for key in (*ASSET_FIELDS, "project_id"):
        if key in data:
            setattr(asset, key, _strip(data[key]))
    if data.get("status") and data["status"] != asset.status:
        on = data.get("status_changed_on") or clock.today()
        if on > clock.today():
            raise bad_field("json.status_changed_on", "status_date_future", "状态变更日期不能晚于今天",
                            "The status change cannot be in the future")
        if on < asset.status_changed_on:
            raise bad_field("json.status_changed_on", "status_date_order", "状态变更日期不能早于上一次变更",
                            "The status change cannot be before the previous one")
        db.session.add(AssetStatusChange(asset_id=asset.id, from_status=asset.status, to_status=data["status"],
                                         changed_on=on, actor_id=getattr(actor, "id", None)))
        asset.status, asset.status_changed_on = data["status"], on
    _set_maintainers(asset, region, data.get("maintenance_project_ids"))
    if batch_id is not None:
        asset.batch_id = batch_id
    asset.updated_at = clock.now()
    db.session.flush()
    audit.record(actor, "asset.update", subject=asset, fields=sorted(k for k in data if k != "client_uuid"))
    touched.add(asset.project_id)
    jobs.touch(projects=[p for p in touched if p], regions=[region.id])
    return asset


def status_history(asset):
    return db.session.execute(select(AssetStatusChange).where(AssetStatusChange.asset_id == asset.id)
                              .order_by(AssetStatusChange.changed_on.desc(), AssetStatusChange.id.desc())).scalars().all()


# ---- resources ---------------------------------------------------------------------------------------

RESOURCE_FIELDS = ("resource_no", "name", "kind", "area", "location", "note")


def create_resource(actor, data, batch_id=None):
    """A new resource of a village. 400 on a bad village, 409 ``resource_no_taken``."""
    region = village(actor, data["region_id"])
    _taken(Resource, "resource_no", _strip(data.get("resource_no")), region.id, "json.resource_no")
    resource = Resource(region_id=region.id, batch_id=batch_id, **{k: _strip(data.get(k)) for k in RESOURCE_FIELDS})
    db.session.add(resource)
    db.session.flush()
    audit.record(actor, "resource.create", subject=resource, name=resource.name)
    return resource


def update_resource(resource, actor, data, batch_id=None):
    """Change a resource. 409 ``resource_no_taken``."""
    if "resource_no" in data:
        _taken(Resource, "resource_no", _strip(data["resource_no"]), resource.region_id, "json.resource_no", resource.id)
    for key in RESOURCE_FIELDS:
        if key in data:
            setattr(resource, key, _strip(data[key]))
    if batch_id is not None:
        resource.batch_id = batch_id
    resource.updated_at = clock.now()
    db.session.flush()
    audit.record(actor, "resource.update", subject=resource, fields=sorted(k for k in data if k != "client_uuid"))
    return resource


# ---- contracts ---------------------------------------------------------------------------------------

def add_years(day, years):
    """The same day ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def annual_schedule(starts_on, ends_on, annual_amount):
    """The receivables a contract owes when it names no schedule: each contract year's rent due on
    the first day of that year (paid in advance, as village contracts usually say); a last year
    shorter than a year owes its share by days. [(due_on, amount)]."""
    out, n = [], 0
    while True:
        start = add_years(starts_on, n)
        if start > ends_on:
            return out
        end = add_years(starts_on, n + 1) - timedelta(days=1)
        amount = Decimal(annual_amount)
        if end > ends_on:
            amount = (amount * ((ends_on - start).days + 1) / ((end - start).days + 1)).quantize(CENT, ROUND_HALF_UP)
        if amount > 0:
            out.append((start, amount))
        n += 1


def _subject(region, data, prefix="json"):
    """The resource or asset a contract lets out: exactly one, in the contract's village."""
    rid, aid = data.get("resource_id"), data.get("asset_id")
    if bool(rid) == bool(aid):
        raise bad_field(f"{prefix}.resource_id", "contract_subject", "请选择一项资源或一项资产（只能一项）",
                        "Give exactly one of resource_id and asset_id")
    model, ident, path = (Resource, rid, f"{prefix}.resource_id") if rid else (Asset, aid, f"{prefix}.asset_id")
    row = db.session.get(model, ident)
    if row is None:
        raise bad_field(path, "subject_not_found", "该资源/资产不存在", "No such resource or asset")
    if row.region_id != region.id:
        raise bad_field(path, "subject_elsewhere", "该资源/资产不属于这个村", "It does not belong to this village")
    return row


def _check_schedule(schedule, starts_on, ends_on):
    seen = set()
    for i, item in enumerate(schedule):
        if item["due_on"] in seen:
            raise bad_field(f"json.schedule.{i}.due_on", "schedule_duplicate", "同一天只能有一笔应收", "One instalment per day")
        seen.add(item["due_on"])
        if not starts_on - timedelta(days=366) <= item["due_on"] <= ends_on:
            raise bad_field(f"json.schedule.{i}.due_on", "schedule_outside_term", "应收日期不在合同期内",
                            "The due date lies outside the contract term")


def _set_schedule(contract, schedule):
    db.session.execute(delete(ContractReceivable).where(ContractReceivable.contract_id == contract.id))
    for due_on, amount in schedule:
        db.session.add(ContractReceivable(contract_id=contract.id, due_on=due_on, amount=amount))
    db.session.flush()


def create_contract(actor, data, batch_id=None, issue_code=True):
    """A contract with its receivable schedule (given, or one instalment a year from the term and the
    annual amount) and its QR code. 400 ``contract_subject`` / ``subject_elsewhere`` /
    ``schedule_outside_term``; 409 ``contract_no_taken``."""
    region = village(actor, data["region_id"])
    subject = _subject(region, data)
    _taken(ResourceContract, "contract_no", _strip(data.get("contract_no")), region.id, "json.contract_no")
    schedule = data.get("schedule")
    if schedule:
        _check_schedule(schedule, data["starts_on"], data["ends_on"])
    contract = ResourceContract(
        region_id=region.id, contract_no=_strip(data.get("contract_no")), kind=data["kind"],
        resource_id=subject.id if isinstance(subject, Resource) else None,
        asset_id=subject.id if isinstance(subject, Asset) else None, counterparty=data["counterparty"].strip(),
        starts_on=data["starts_on"], ends_on=data["ends_on"], annual_amount=data["annual_amount"],
        floor_amount=data.get("floor_amount"), status=data.get("status") or "active", note=_strip(data.get("note")),
        batch_id=batch_id)
    db.session.add(contract)
    db.session.flush()
    _set_schedule(contract, [(s["due_on"], s["amount"]) for s in schedule] if schedule else
                  annual_schedule(contract.starts_on, contract.ends_on, contract.annual_amount))
    if issue_code:
        qrcodes.issue("contract", contract.id, region.id, actor)
    audit.record(actor, "contract.create", subject=contract, counterparty=contract.counterparty)
    jobs.touch(regions=[region.id])
    return contract


CONTRACT_FIELDS = ("contract_no", "kind", "counterparty", "starts_on", "ends_on", "annual_amount", "floor_amount",
                   "status", "note")


def update_contract(contract, actor, data, batch_id=None):
    """Change a contract (a renewal's new end, a termination, a new schedule). A changed term or
    annual amount without a schedule regenerates the yearly one."""
    if "contract_no" in data:
        _taken(ResourceContract, "contract_no", _strip(data["contract_no"]), contract.region_id, "json.contract_no",
               contract.id)
    starts_on, ends_on = data.get("starts_on", contract.starts_on), data.get("ends_on", contract.ends_on)
    if ends_on < starts_on:
        raise bad_field("json.ends_on", "term_order", "合同结束日期不能早于开始日期", "The term cannot end before it starts")
    if "resource_id" in data or "asset_id" in data:
        subject = _subject(contract.region, {"resource_id": data.get("resource_id"), "asset_id": data.get("asset_id")})
        contract.resource_id = subject.id if isinstance(subject, Resource) else None
        contract.asset_id = subject.id if isinstance(subject, Asset) else None
    schedule = data.get("schedule")
    if schedule:
        _check_schedule(schedule, starts_on, ends_on)
    regenerate = not schedule and any(k in data and data[k] != getattr(contract, k)
                                      for k in ("starts_on", "ends_on", "annual_amount"))
    for key in CONTRACT_FIELDS:
        if key in data:
            setattr(contract, key, _strip(data[key]))
    if schedule:
        _set_schedule(contract, [(s["due_on"], s["amount"]) for s in schedule])
    elif regenerate:
        _set_schedule(contract, annual_schedule(contract.starts_on, contract.ends_on, contract.annual_amount))
    if batch_id is not None:
        contract.batch_id = batch_id
    contract.updated_at = clock.now()
    db.session.flush()
    audit.record(actor, "contract.update", subject=contract, fields=sorted(k for k in data if k != "client_uuid"))
    jobs.touch(regions=[contract.region_id])
    return contract


def record_receipt(contract, actor, data):
    """Money received under a contract. 409 ``voucher_taken``; 400 ``receipt_date_future``."""
    if data["received_on"] > clock.today():
        raise bad_field("json.received_on", "receipt_date_future", "收款日期不能晚于今天", "The receipt cannot be in the future")
    voucher = data["voucher_no"].strip()
    if db.session.execute(select(ContractReceipt.id).where(ContractReceipt.contract_id == contract.id,
                                                           ContractReceipt.voucher_no == voucher)).first():
        raise bad_field("json.voucher_no", "voucher_taken", "该凭证号已登记", "This voucher is already recorded", 409)
    receipt = ContractReceipt(contract_id=contract.id, received_on=data["received_on"], amount=data["amount"],
                              voucher_no=voucher, note=_strip(data.get("note")), created_by_id=getattr(actor, "id", None))
    db.session.add(receipt)
    contract.updated_at = clock.now()
    db.session.flush()
    audit.record(actor, "contract.receipt", subject=contract, receipt_id=receipt.id, amount=str(receipt.amount))
    jobs.touch(regions=[contract.region_id])
    return receipt


def receivables(contract):
    return db.session.execute(select(ContractReceivable).where(ContractReceivable.contract_id == contract.id)
                              .order_by(ContractReceivable.due_on)).scalars().all()


def receipts(contract):
    return db.session.execute(select(ContractReceipt).where(ContractReceipt.contract_id == contract.id)
                              .order_by(ContractReceipt.received_on, ContractReceipt.id)).scalars().all()


def settle(schedule, received_total, today):
    """Receipts against the schedule, oldest instalment first: [{due_on, amount, received, open,
    overdue, days_overdue}] and the totals. An instalment is overdue when its day has passed and it
    is not fully covered."""
    left = Decimal(received_total or 0)
    rows, due_total, overdue, oldest = [], Decimal(0), Decimal(0), None
    for due_on, amount in schedule:
        covered = min(left, amount)
        left -= covered
        still = amount - covered
        late = due_on < today and still > 0
        if due_on <= today:
            due_total += amount
        if late:
            overdue += still
            oldest = oldest or due_on
        rows.append({"due_on": due_on, "amount": amount, "received": covered, "open": still, "overdue": late,
                     "days_overdue": (today - due_on).days if late else 0})
    return rows, {"due_to_date": due_total, "overdue_amount": overdue, "oldest_overdue_on": oldest,
                  "days_overdue": (today - oldest).days if oldest else 0, "advance": left}


def contract_state(contract, today=None):
    """The contract's schedule against its receipts, and what is overdue."""
    today = today or clock.today()
    got = receipts(contract)
    total = sum((r.amount for r in got), Decimal(0))
    rows, totals = settle([(r.due_on, r.amount) for r in receivables(contract)], total, today)
    scheduled = sum((r["amount"] for r in rows), Decimal(0))
    return {"schedule": rows, "receipts": got, "received_total": total, "scheduled_total": scheduled, **totals,
            "expired": contract.ends_on < today}


def received_totals(contract_ids):
    if not contract_ids:
        return {}
    return dict(db.session.execute(select(ContractReceipt.contract_id, func.sum(ContractReceipt.amount))
                                   .where(ContractReceipt.contract_id.in_(contract_ids))
                                   .group_by(ContractReceipt.contract_id)).all())


def subject_name(contract):
    subject = contract.resource or contract.asset
    return subject.name if subject else ""


def contracts_of(model_column, ident):
    return db.session.execute(select(ResourceContract).where(model_column == ident)
                              .order_by(ResourceContract.starts_on.desc())).scalars().all()
