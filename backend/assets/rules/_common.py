"""What the 三资 rules share: how a contract is named in evidence, and receipts per contract."""
from sqlalchemy import func, select

from ...core.lookups import among, slices
from ...extensions import db
from ..models import Asset, ContractReceipt, Resource, ResourceContract


def contracts(ctx, *where):
    """(contract, subject name) rows inside the scan's scope, with ``where`` applied."""
    subject = func.coalesce(Resource.name, Asset.name)
    return db.session.execute(
        select(ResourceContract, subject)
        .outerjoin(Resource, Resource.id == ResourceContract.resource_id)
        .outerjoin(Asset, Asset.id == ResourceContract.asset_id)
        .where(*ctx.scope(region=ResourceContract.region_id), *where)).all()


def received(ids):
    """{contract id: total received}."""
    out = {}
    ids = list(ids)
    for part in slices(ids):
        out.update(db.session.execute(select(ContractReceipt.contract_id, func.sum(ContractReceipt.amount))
                                      .where(among(ContractReceipt.contract_id, part))
                                      .group_by(ContractReceipt.contract_id)).all())
    return out


def named(ctx, contract, subject):
    """The facts every contract warning carries: which contract, on what, with whom."""
    return {"contract_id": contract.id, "contract_no": contract.contract_no or "", "subject": subject or "",
            "kind": contract.kind, "counterparty": contract.counterparty}


LABELS = {"contract_id": ("合同", "Contract"), "contract_no": ("合同编号", "Contract number"),
          "subject": ("发包/出租标的", "Let out"), "kind": ("方式", "Kind"), "counterparty": ("承包/承租方", "Counterparty")}
