"""三资 over HTTP: the asset, resource and contract registers, their pages, and the writes
(township leads and the county within their region; supervisors read)."""
from sqlalchemy import and_, exists, func, or_, select

from ..core import clock, idempotency
from ..core.auth import actor, require
from ..core.pagination import paginate
from ..core.scoping import get_scoped, scoped
from ..qrcodes import services as qrcodes
from . import bp, services, views
from .models import Asset, ContractReceipt, ContractReceivable, Resource, ResourceContract
from .schemas import (AssetIn, AssetPage, AssetPatch, AssetQuery, AssetView, ContractIn, ContractPage, ContractPatch,
                      ContractQuery, ContractView, ReceiptIn, ReceiptOut, ResourceIn, ResourceOut, ResourcePage,
                      ResourcePatch, ResourceQuery)

ERRORS = [400, 401, 403, 404, 409, 413, 415]
READERS, WRITERS = services.READERS, services.WRITERS


def _words(query, *columns):
    word = (query.get("q") or "").strip()
    return [or_(*[c.contains(word, autoescape=True) for c in columns])] if word else []


# ---- assets ------------------------------------------------------------------------------------------

@bp.get("/assets")
@require(*READERS)
@bp.input(AssetQuery, location="query", arg_name="query")
@bp.output(AssetPage)
@bp.doc(responses=ERRORS)
def list_assets(query):
    """The asset register of the caller's region (or one region in it), searched by name, number or
    location and filtered by category, status or forming project."""
    stmt = scoped(select(Asset), Asset, actor(), within=query.get("region_id"))
    stmt = stmt.where(*_words(query, Asset.name, Asset.asset_no, Asset.location))
    for key in ("category", "status", "project_id"):
        if key in query:
            stmt = stmt.where(getattr(Asset, key) == query[key])
    page = paginate(stmt.order_by(Asset.region_id.desc(), Asset.id.desc()), query)
    codes = qrcodes.active_codes("asset", [a.id for a in page["items"]])
    page["items"] = [views.asset_brief(a, codes.get(a.id)) for a in page["items"]]
    return page


@bp.post("/assets")
@require(*WRITERS)
@bp.input(AssetIn, arg_name="data")
@bp.output(AssetView, status_code=201)
@bp.doc(responses=ERRORS)
def create_asset(data):
    """Register an asset of a village and issue its QR code. 400 ``region_not_village`` /
    ``project_elsewhere`` / ``net_over_original``; 409 ``asset_no_taken``."""
    user = actor()
    key = data.pop("client_uuid")
    return idempotency.once(key, user, "asset.create", lambda: (
        AssetView().dump(views.asset_view(services.create_asset(user, data), user)), 201))


@bp.get("/assets/<int:asset_id>")
@require(*READERS)
@bp.output(AssetView)
@bp.doc(responses=ERRORS)
def get_asset(asset_id):
    """One asset with its status history, projects and contracts; 403 outside the caller's region."""
    return views.asset_view(get_scoped(Asset, asset_id, actor(), "资产", "asset"), actor())


@bp.patch("/assets/<int:asset_id>")
@require(*WRITERS)
@bp.input(AssetPatch, arg_name="data")
@bp.output(AssetView)
@bp.doc(responses=ERRORS)
def update_asset(asset_id, data):
    """Change an asset; a new status enters its history. 400 ``status_date_future`` /
    ``status_date_order``; 409 ``asset_no_taken``."""
    user = actor()
    asset = get_scoped(Asset, asset_id, user, "资产", "asset", for_update=True)
    key = data.pop("client_uuid")
    return idempotency.once(key, user, "asset.update", lambda: (
        AssetView().dump(views.asset_view(services.update_asset(asset, user, data), user)), 200))


# ---- resources ---------------------------------------------------------------------------------------

@bp.get("/resources")
@require(*READERS)
@bp.input(ResourceQuery, location="query", arg_name="query")
@bp.output(ResourcePage)
@bp.doc(responses=ERRORS)
def list_resources(query):
    """The resources (land, forest, water...) of the caller's region, searched and filtered by kind."""
    stmt = scoped(select(Resource), Resource, actor(), within=query.get("region_id"))
    stmt = stmt.where(*_words(query, Resource.name, Resource.resource_no, Resource.location))
    if "kind" in query:
        stmt = stmt.where(Resource.kind == query["kind"])
    page = paginate(stmt.order_by(Resource.region_id.desc(), Resource.id.desc()), query)
    page["items"] = [views.resource_out(r) for r in page["items"]]
    return page


@bp.post("/resources")
@require(*WRITERS)
@bp.input(ResourceIn, arg_name="data")
@bp.output(ResourceOut, status_code=201)
@bp.doc(responses=ERRORS)
def create_resource(data):
    """Register a resource of a village. 400 ``region_not_village``; 409 ``resource_no_taken``."""
    user = actor()
    key = data.pop("client_uuid")
    return idempotency.once(key, user, "resource.create", lambda: (
        ResourceOut().dump(views.resource_out(services.create_resource(user, data), user, detail=True)), 201))


@bp.get("/resources/<int:resource_id>")
@require(*READERS)
@bp.output(ResourceOut)
@bp.doc(responses=ERRORS)
def get_resource(resource_id):
    """One resource with its contracts."""
    return views.resource_out(get_scoped(Resource, resource_id, actor(), "资源", "resource"), actor(), detail=True)


@bp.patch("/resources/<int:resource_id>")
@require(*WRITERS)
@bp.input(ResourcePatch, arg_name="data")
@bp.output(ResourceOut)
@bp.doc(responses=ERRORS)
def update_resource(resource_id, data):
    """Change a resource. 409 ``resource_no_taken``."""
    user = actor()
    resource = get_scoped(Resource, resource_id, user, "资源", "resource", for_update=True)
    key = data.pop("client_uuid")
    return idempotency.once(key, user, "resource.update", lambda: (
        ResourceOut().dump(views.resource_out(services.update_resource(resource, user, data), user, detail=True)), 200))


# ---- contracts ---------------------------------------------------------------------------------------

def _overdue_filter(today):
    """Contracts whose receivables due before today exceed what they received (SQL, for paging)."""
    due = (select(func.coalesce(func.sum(ContractReceivable.amount), 0))
           .where(ContractReceivable.contract_id == ResourceContract.id, ContractReceivable.due_on < today)
           .scalar_subquery())
    got = (select(func.coalesce(func.sum(ContractReceipt.amount), 0))
           .where(ContractReceipt.contract_id == ResourceContract.id).scalar_subquery())
    return and_(exists().where(ContractReceivable.contract_id == ResourceContract.id,
                               ContractReceivable.due_on < today), due > got)


@bp.get("/resource-contracts")
@require(*READERS)
@bp.input(ContractQuery, location="query", arg_name="query")
@bp.output(ContractPage)
@bp.doc(responses=ERRORS)
def list_contracts(query):
    """Contracts of the caller's region, searched by number or counterparty, filtered by kind,
    status, or only those with overdue receivables."""
    stmt = scoped(select(ResourceContract), ResourceContract, actor(), within=query.get("region_id"))
    stmt = stmt.where(*_words(query, ResourceContract.contract_no, ResourceContract.counterparty))
    for key in ("kind", "status"):
        if key in query:
            stmt = stmt.where(getattr(ResourceContract, key) == query[key])
    today = clock.today()
    if query.get("overdue"):
        stmt = stmt.where(_overdue_filter(today))
    page = paginate(stmt.order_by(ResourceContract.ends_on, ResourceContract.id), query)
    page["items"] = views.contract_briefs(page["items"], today)
    return page


@bp.post("/resource-contracts")
@require(*WRITERS)
@bp.input(ContractIn, arg_name="data")
@bp.output(ContractView, status_code=201)
@bp.doc(responses=ERRORS)
def create_contract(data):
    """Register a contract letting out one resource or asset, with its receivable schedule (one
    instalment a year when none is given) and its QR code. 400 ``contract_subject`` /
    ``subject_elsewhere`` / ``schedule_outside_term``; 409 ``contract_no_taken``."""
    user = actor()
    key = data.pop("client_uuid")
    return idempotency.once(key, user, "contract.create", lambda: (
        ContractView().dump(views.contract_view(services.create_contract(user, data), user)), 201))


@bp.get("/resource-contracts/<int:contract_id>")
@require(*READERS)
@bp.output(ContractView)
@bp.doc(responses=ERRORS)
def get_contract(contract_id):
    """One contract: its schedule against its receipts, and what is overdue."""
    return views.contract_view(get_scoped(ResourceContract, contract_id, actor(), "合同", "contract"), actor())


@bp.patch("/resource-contracts/<int:contract_id>")
@require(*WRITERS)
@bp.input(ContractPatch, arg_name="data")
@bp.output(ContractView)
@bp.doc(responses=ERRORS)
def update_contract(contract_id, data):
    """Change a contract (renewal, termination, schedule). 400 ``term_order``; 409 ``contract_no_taken``."""
    user = actor()
    contract = get_scoped(ResourceContract, contract_id, user, "合同", "contract", for_update=True)
    key = data.pop("client_uuid")
    return idempotency.once(key, user, "contract.update", lambda: (
        ContractView().dump(views.contract_view(services.update_contract(contract, user, data), user)), 200))


@bp.post("/resource-contracts/<int:contract_id>/receipts")
@require(*WRITERS)
@bp.input(ReceiptIn, arg_name="data")
@bp.output(ReceiptOut, status_code=201)
@bp.doc(responses=ERRORS)
def record_receipt(contract_id, data):
    """Record money received under a contract. 400 ``receipt_date_future``; 409 ``voucher_taken``."""
    user = actor()
    contract = get_scoped(ResourceContract, contract_id, user, "合同", "contract", for_update=True)
    key = data.pop("client_uuid")
    return idempotency.once(key, user, "contract.receipt", lambda: (
        ReceiptOut().dump(services.record_receipt(contract, user, data)), 201))

