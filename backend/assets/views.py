"""How assets, resources and contracts are shown: in lists, on their pages and after a scan. The
public view (anyone outside the row's region, e.g. a villager scanning a plaque) names what it is and
where, never the money or the counterparty."""
from sqlalchemy import select

from ..core.scoping import covers
from ..core.tree import ancestors
from ..extensions import db
from ..projects.models import Project
from ..qrcodes import services as qrcodes
from . import services
from .models import ResourceContract


def _path(region):
    return [r.name for r in ancestors(region) if r.level != "province"] + [region.name]


def can_edit(actor, region):
    return bool(actor is not None and getattr(actor, "role", None) in services.WRITERS and covers(actor, region))


def _project_ref(project):
    return {"id": project.id, "name": project.name, "stage": project.stage}


def _contract_ref(c):
    return {k: getattr(c, k) for k in ("id", "contract_no", "kind", "counterparty", "starts_on", "ends_on",
                                        "annual_amount", "status")}


def asset_brief(asset, code):
    return {**{k: getattr(asset, k) for k in ("id", "asset_no", "name", "category", "status", "net_value",
                                               "original_value", "location")},
            "region": asset.region, "code": code}


def asset_view(asset, actor):
    full = covers(actor, asset.region)
    out = {"view": "full" if full else "public", "id": asset.id, "name": asset.name, "category": asset.category,
           "status": asset.status, "region": asset.region, "region_path": _path(asset.region),
           "code": getattr(qrcodes.active_code("asset", asset.id), "code", None)}
    if not full:
        return out
    linked = services.maintainers(asset)
    projects = {p.id: p for p in db.session.execute(select(Project).where(
        Project.id.in_([*linked, asset.project_id or 0]))).scalars()}
    out.update({k: getattr(asset, k) for k in ("asset_no", "original_value", "net_value", "location",
                                                "status_changed_on", "acquired_on", "note")})
    out.update(project=_project_ref(projects[asset.project_id]) if asset.project_id in projects else None,
               maintenance_projects=[_project_ref(projects[i]) for i in linked if i in projects],
               history=services.status_history(asset),
               contracts=[_contract_ref(c) for c in services.contracts_of(ResourceContract.asset_id, asset.id)],
               can_edit=can_edit(actor, asset.region))
    return out


def resource_out(resource, actor=None, detail=False):
    out = {k: getattr(resource, k) for k in ("id", "resource_no", "name", "kind", "area", "location", "note")}
    out["region"] = resource.region
    if detail:
        out.update(region_path=_path(resource.region), can_edit=can_edit(actor, resource.region),
                   contracts=[_contract_ref(c) for c in services.contracts_of(ResourceContract.resource_id, resource.id)])
    return out


def _subject(contract):
    return ("resource" if contract.resource_id else "asset"), services.subject_name(contract)


def contract_briefs(contracts, today):
    ids = [c.id for c in contracts]
    codes = qrcodes.active_codes("contract", ids)
    received = services.received_totals(ids)
    out = []
    for c in contracts:
        state = services.contract_state(c, today)  # a page of 20 at most
        kind, name = _subject(c)
        out.append({**{k: getattr(c, k) for k in ("id", "contract_no", "kind", "counterparty", "starts_on", "ends_on",
                                                  "annual_amount", "status")},
                    "subject_type": kind, "subject_name": name, "received_total": received.get(c.id, 0),
                    "overdue_amount": state["overdue_amount"], "region": c.region, "code": codes.get(c.id)})
    return out


def contract_view(contract, actor, today=None):
    full = covers(actor, contract.region)
    kind, name = _subject(contract)
    out = {"view": "full" if full else "public", "id": contract.id, "kind": contract.kind, "subject_type": kind,
           "subject_name": name, "starts_on": contract.starts_on, "ends_on": contract.ends_on,
           "status": contract.status, "region": contract.region, "region_path": _path(contract.region),
           "code": getattr(qrcodes.active_code("contract", contract.id), "code", None)}
    if not full:
        return out
    state = services.contract_state(contract, today)
    out.update({k: getattr(contract, k) for k in ("contract_no", "resource_id", "asset_id", "counterparty",
                                                   "annual_amount", "floor_amount", "note")})
    out.update(state, can_edit=can_edit(actor, contract.region))
    return out

