"""A contract past its end date that is still marked active, or that still receives money after it
ended (a resource used without a contract, or a renewal never put on paper)."""
from sqlalchemy import func, select

from ...extensions import db
from ...risks.rules import Hit, yuan
from ..models import ContractReceipt, ResourceContract
from ._common import LABELS as NAMED, contracts, named

CODE = "contract_expired_active"
NAME_ZH, NAME_EN = "合同到期仍在执行", "Expired contract still running"
LEVEL = "yellow"
DESCRIPTION_ZH = "合同已到期，却仍标为执行中或到期后仍在收款：续包未重新签约、未公开发包，或资源被无合同占用。"
DESCRIPTION_EN = ("The contract has ended but is still marked active or still receives money: renewed without "
                  "a new contract or a public tender, or the resource is used without one.")
THRESHOLDS = ()
LABELS = {**NAMED, "ends_on": ("合同到期日", "Ended on"), "status": ("合同状态", "Status"),
          "receipts_after_end": ("到期后收款笔数", "Receipts after the end"),
          "amount_after_end": ("到期后收款（元）", "Received after the end (yuan)"),
          "days_expired": ("已到期天数", "Days since the end")}
VOLATILE = ("days_expired",)


def find(ctx):
    today = ctx.today
    after = {cid: (n, amount) for cid, n, amount in db.session.execute(
        select(ContractReceipt.contract_id, func.count(), func.sum(ContractReceipt.amount))
        .join(ResourceContract, ResourceContract.id == ContractReceipt.contract_id)
        .where(*ctx.scope(region=ResourceContract.region_id), ContractReceipt.received_on > ResourceContract.ends_on)
        .group_by(ContractReceipt.contract_id))}
    for contract, subject in contracts(ctx, ResourceContract.ends_on < today):
        n, amount = after.get(contract.id, (0, 0))
        if contract.status != "active" and not n:
            continue
        yield Hit(f"contract:{contract.id}", "resource_contract", contract.region_id, None, {
            **named(ctx, contract, subject), "ends_on": contract.ends_on.isoformat(), "status": contract.status,
            "receipts_after_end": n, "amount_after_end": ctx.money(amount),
            "days_expired": (today - contract.ends_on).days})


def explain(e):
    zh, en = [], []
    if e["status"] == "active":
        zh.append("仍标为执行中")
        en.append("still marked active")
    if e["receipts_after_end"]:
        zh.append(f"到期后又收款 {e['receipts_after_end']} 笔共 {yuan(e['amount_after_end'])} 元")
        en.append(f"{e['receipts_after_end']} receipts ({yuan(e['amount_after_end'])} yuan) after the end")
    return (f"{e['subject']}的{e['kind']}合同已于 {e['ends_on']} 到期，" + "，".join(zh),
            f"The contract for {e['subject']} ended on {e['ends_on']}, " + " and ".join(en))
