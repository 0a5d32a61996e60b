"""A resource contract with receivables overdue: instalments whose day has passed and that the
money received does not cover (oldest first)."""
from decimal import Decimal

from sqlalchemy import func, select

from ...core.lookups import among, slices
from ...extensions import db
from ...risks.rules import Hit, yuan
from .. import services
from ..models import ContractReceivable, ResourceContract
from ._common import LABELS as NAMED, contracts, named, received

CODE = "contract_receivable_overdue"
NAME_ZH, NAME_EN = "合同应收款逾期", "Contract receivable overdue"
LEVEL = "orange"
DESCRIPTION_ZH = "承包/租赁合同约定的应收款已到期仍未收齐：集体收入流失或被截留、挪用的常见迹象。"
DESCRIPTION_EN = ("Money a lease or contracting agreement says is due has not been received in full: collective "
                  "income is being lost, held back or diverted.")
THRESHOLDS = ()
LABELS = {**NAMED, "overdue_amount": ("逾期金额（元）", "Overdue (yuan)"),
          "oldest_due_on": ("最早逾期应收日", "Oldest overdue due date"),
          "overdue_instalments": ("逾期笔数", "Overdue instalments"), "days_overdue": ("逾期天数", "Days overdue")}
VOLATILE = ("days_overdue",)


def find(ctx):
    today = ctx.today
    # Contracts whose instalments due before today add up to more than they received: one pass.
    due = dict(db.session.execute(
        select(ContractReceivable.contract_id, func.sum(ContractReceivable.amount))
        .join(ResourceContract, ResourceContract.id == ContractReceivable.contract_id)
        .where(*ctx.scope(region=ResourceContract.region_id), ContractReceivable.due_on < today)
        .group_by(ContractReceivable.contract_id)).all())
    got = received(due)
    owing = [cid for cid, amount in due.items() if Decimal(amount) > Decimal(got.get(cid) or 0)]
    if not owing:
        return
    schedules = {}
    for part in slices(owing):
        for cid, due_on, amount in db.session.execute(
                select(ContractReceivable.contract_id, ContractReceivable.due_on, ContractReceivable.amount)
                .where(among(ContractReceivable.contract_id, part), ContractReceivable.due_on < today)
                .order_by(ContractReceivable.contract_id, ContractReceivable.due_on)):
            schedules.setdefault(cid, []).append((due_on, amount))
    for part in slices(owing):
        for contract, subject in contracts(ctx, among(ResourceContract.id, part)):
            rows, totals = services.settle(schedules[contract.id], got.get(contract.id) or 0, today)
            yield Hit(f"contract:{contract.id}", "resource_contract", contract.region_id, None, {
                **named(ctx, contract, subject), "overdue_amount": ctx.money(totals["overdue_amount"]),
                "oldest_due_on": totals["oldest_overdue_on"].isoformat(),
                "overdue_instalments": sum(1 for r in rows if r["overdue"]), "days_overdue": totals["days_overdue"]})


def explain(e):
    return (f"与{e['counterparty']}的{e['kind']}合同（{e['subject']}）逾期未收 {yuan(e['overdue_amount'])} 元，"
            f"最早一笔应于 {e['oldest_due_on']} 收取，已逾期 {e['days_overdue']} 天",
            f"The contract with {e['counterparty']} ({e['subject']}) is owed {yuan(e['overdue_amount'])} yuan; "
            f"the oldest instalment was due on {e['oldest_due_on']}, {e['days_overdue']} days ago")
