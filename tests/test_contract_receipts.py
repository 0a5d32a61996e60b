"""Money already received under the village collectives' contracts, imported from the cashier's
list (kind ``contract_receipts``): a county that moves in does not see every running contract
overdue from its first day. All or nothing, idempotent, withdrawable."""
from datetime import timedelta

from backend.assets.models import ContractReceipt
from backend.extensions import db
from backend.imports import engine
from conftest import TODAY, count, new_uuid, run_scan, warning_for
from test_assets import make_contract, make_resource

HEADER = "村,合同编号,标的名称,承包方,收款日期,收款金额（万元）,凭证号,备注"


def run(app, world, text, encoding="utf-8"):
    from backend.core.models import Region, User
    with app.app_context(), app.test_request_context(method="POST"):
        result = engine.run("contract_receipts", db.session.get(Region, world["regions"]["jincheng"]),
                            db.session.get(User, world["users"]["lead"]), "合同收款.csv", text.encode(encoding))
        db.session.commit()
        return result.id, result.status, (result.inserted, result.updated, result.unchanged), \
            [(e["row"], e["field"], e["code"]) for e in result.errors]


def test_receipts_clear_what_is_overdue_again_change_nothing_and_withdraw(app, world, login_as):
    lead = login_as("lead")
    resource = make_resource(lead, world)
    no = f"HT-R-{new_uuid()[:6]}"
    contract = make_contract(lead, world, resource["id"], contract_no=no, starts_on=(TODAY - timedelta(days=40)).isoformat())
    run_scan(app, "contract_receivable_overdue")
    assert warning_for(app, "contract_receivable_overdue", f"contract:{contract['id']}")["status"] == "open"
    paid = (TODAY - timedelta(days=30)).strftime("%Y年%m月%d日")
    text = f"{HEADER}\n钱王社区,{no},,,{paid},1.2,记-2026-015,首年租金\n"  # 1.2 万元 = ¥12,000
    run_id, status, counts, errors = run(app, world, text)
    assert (status, counts, errors) == ("accepted", (1, 0, 0), [])
    run_scan(app, "contract_receivable_overdue")
    assert warning_for(app, "contract_receivable_overdue", f"contract:{contract['id']}")["status"] == "resolved"
    detail = lead.get(f"/api/v1/resource-contracts/{contract['id']}").json
    assert [(r["amount"], r["voucher_no"]) for r in detail["receipts"]] == [("12000.00", "记-2026-015")]
    assert run(app, world, text)[1:3] == ("accepted", (0, 0, 1))  # the same list again
    r = lead.post(f"/api/v1/imports/{run_id}/withdraw", json={"client_uuid": new_uuid(), "reason": "导错文件"})
    assert r.status_code == 200, r.json
    assert lead.get(f"/api/v1/resource-contracts/{contract['id']}").json["receipts"] == []


def test_a_receipt_names_its_contract_or_nothing_is_imported(app, world, login_as):
    lead = login_as("lead")
    resource = make_resource(lead, world)
    make_contract(lead, world, resource["id"], counterparty="收款测试合作社")
    before = count(app, ContractReceipt)
    day = (TODAY - timedelta(days=5)).isoformat()
    text = (f"{HEADER}\n"
            f"钱王社区,,{resource['name']},收款测试合作社,{day},0.5,记-A,\n"   # by subject + counterparty: fine
            f"钱王社区,HT-没有这份,,,{day},0.5,记-B,\n"                    # no such contract
            f"钱王社区,,{resource['name']},,{day},0.5,记-C,\n"             # neither number nor counterparty
            f"钱王社区,,{resource['name']},收款测试合作社,{day},-1,记-D,\n"  # a negative amount
            f"钱王社区,,{resource['name']},收款测试合作社,{day},0.5,记-A,\n")  # the same voucher twice
    _, status, _, errors = run(app, world, text)
    assert status == "rejected"
    codes = {(row, code) for row, _, code in errors}
    assert {(3, "contract_unknown"), (4, "contract_unnamed"), (6, "duplicate_row")} <= codes, errors
    assert any(row == 5 for row, _, _ in errors), errors
    assert count(app, ContractReceipt) == before
