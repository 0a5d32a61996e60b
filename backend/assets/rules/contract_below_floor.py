"""A contract priced below the floor it sets (底价), or whose money received over the contract years
already ended is below the floor for those years."""
from decimal import Decimal

from ...risks.rules import Hit, yuan
from .. import services
from ..models import ResourceContract
from ._common import LABELS as NAMED, contracts, received

CODE = "contract_below_floor"
NAME_ZH, NAME_EN = "合同收入低于底价", "Contract income below its floor"
LEVEL = "orange"
DESCRIPTION_ZH = ("合同约定的年租金/承包费低于集体确定的底价，或已满合同年度的实收金额低于底价：可能低价发包、"
                  "暗中减免或收入不入账。")
DESCRIPTION_EN = ("The annual amount is below the floor the collective set, or what came in over the completed "
                  "contract years is below the floor for those years: let out too cheaply, quietly waived, or "
                  "income kept off the books.")
THRESHOLDS = ()
LABELS = {**NAMED, "annual_amount": ("年租金/承包费（元）", "Annual amount (yuan)"),
          "floor_amount": ("底价（元/年）", "Floor (yuan a year)"),
          "completed_years": ("已满合同年度", "Completed contract years"),
          "received_total": ("实收合计（元）", "Received (yuan)"),
          "floor_total": ("按底价应不少于（元）", "Floor for those years (yuan)")}
VOLATILE = ()


def completed_years(contract, today):
    """Contract years that have ended by ``today`` (and lie within the term)."""
    n = 0
    while True:
        end = services.add_years(contract.starts_on, n + 1)
        if end > today or services.add_years(contract.starts_on, n) > contract.ends_on:
            return n
        n += 1


def find(ctx):
    rows = contracts(ctx, ResourceContract.floor_amount.is_not(None))
    got = received([c.id for c, _ in rows])
    for contract, subject in rows:
        years = completed_years(contract, ctx.today)
        total = Decimal(got.get(contract.id) or 0)
        floor_total = contract.floor_amount * years
        priced_below = contract.annual_amount < contract.floor_amount
        if priced_below or total < floor_total:
            yield Hit(f"contract:{contract.id}", "resource_contract", contract.region_id, None, {
                "contract_id": contract.id, "contract_no": contract.contract_no or "", "subject": subject or "",
                "kind": contract.kind, "counterparty": contract.counterparty,
                "annual_amount": ctx.money(contract.annual_amount), "floor_amount": ctx.money(contract.floor_amount),
                "completed_years": years, "received_total": ctx.money(total), "floor_total": ctx.money(floor_total)})


def explain(e):
    if Decimal(e["annual_amount"]) < Decimal(e["floor_amount"]):
        return (f"{e['subject']}的{e['kind']}合同年金额 {yuan(e['annual_amount'])} 元，低于底价 {yuan(e['floor_amount'])} 元",
                f"The contract for {e['subject']} is priced at {yuan(e['annual_amount'])} yuan a year, "
                f"below its floor of {yuan(e['floor_amount'])}")
    return (f"{e['subject']}的{e['kind']}合同已满 {e['completed_years']} 个年度，实收 {yuan(e['received_total'])} 元，"
            f"低于按底价应收的 {yuan(e['floor_total'])} 元",
            f"After {e['completed_years']} contract years, {e['subject']} brought in {yuan(e['received_total'])} yuan, "
            f"below the floor's {yuan(e['floor_total'])}")
