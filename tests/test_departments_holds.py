"""Subsidy warnings get actions: a township lead holds (停发) a person's future payments of a policy
and records a recovery (追回); the warning closes only when the recovery is recorded or the hold is
justified. ``is_held`` is what the bank batches ask."""
from decimal import Decimal

from sqlalchemy import func, select

import department_seed
from conftest import TODAY, assert_error, new_uuid


def _warning(app, world, held=False):
    return department_seed.subsidy_warning(app, world, held=held)


def _status(app, warning_id):
    from backend.extensions import db
    from backend.risks.models import RiskWarning
    with app.app_context():
        w = db.session.get(RiskWarning, warning_id)
        return w.status, w.resolved_reason


def _held(app, ids):
    from backend.departments.holds import is_held
    with app.app_context():
        return is_held(ids["person"], ids["policy"])


def test_hold_then_justify_closes_the_warning(app, world, login_as):
    lead = login_as("lead")
    ids = _warning(app, world)
    assert not _held(app, ids)
    r = lead.post(f"/api/v1/subsidy-warnings/{ids['warning']}/holds",
                  json={"client_uuid": new_uuid(), "beneficiary_id": ids["person"], "policy_id": ids["policy"],
                        "reason": "重复发放，停发后续"})
    assert r.status_code == 201, r.json
    assert _held(app, ids) and _status(app, ids["warning"]) == ("open", None)  # a hold alone settles nothing
    hold = r.json["holds"][0]
    seen = lead.get(f"/api/v1/subsidy-warnings/{ids['warning']}/actions").json
    assert seen["holds"][0]["id"] == hold["id"] and seen["subject"]["beneficiary_id"] == ids["person"]
    assert seen["subject"]["policy_id"] == ids["policy"] and seen["subject"]["person"] == "钱*多"
    assert hold["policy"] == "耕地地力保护补贴" and hold["justification"] is None
    assert_error(lead.post(f"/api/v1/subsidy-warnings/{ids['warning']}/holds",
                           json={"client_uuid": new_uuid(), "beneficiary_id": ids["person"],
                                 "policy_id": ids["policy"], "reason": "再停一次"}), 409, "hold_exists")
    r = lead.post(f"/api/v1/payment-holds/{hold['id']}/justify",
                  json={"client_uuid": new_uuid(), "reason": "第二笔尚未到账，停发即可"})
    assert r.status_code == 200 and r.json["warning_status"] == "resolved"
    assert _status(app, ids["warning"]) == ("resolved", "hold_justified")
    assert _held(app, ids)  # the hold stays until released
    r = lead.post(f"/api/v1/payment-holds/{hold['id']}/release", json={"client_uuid": new_uuid(), "reason": "已核实恢复"})
    assert r.status_code == 200 and r.json["holds"][0]["released_at"]
    assert not _held(app, ids)
    assert_error(lead.post(f"/api/v1/payment-holds/{hold['id']}/release",
                           json={"client_uuid": new_uuid(), "reason": "再解除"}), 409, "hold_released")


def test_a_recovery_closes_the_warning(app, world, login_as):
    from backend.core.models import AuditLog
    from backend.departments.models import Recovery
    from backend.extensions import db
    lead = login_as("lead")
    ids = _warning(app, world)
    receipt = f"追-{new_uuid()[:8]}"
    r = lead.post(f"/api/v1/subsidy-warnings/{ids['warning']}/recoveries",
                  json={"client_uuid": new_uuid(), "beneficiary_id": ids["person"], "policy_id": ids["policy"],
                        "amount": "600.50", "recovered_on": TODAY.isoformat(), "receipt_no": receipt})
    assert r.status_code == 201, r.json
    assert r.json["recoveries"][0]["amount"] == "600.50" and r.json["warning_status"] == "resolved"
    assert _status(app, ids["warning"]) == ("resolved", "recovered")
    with app.app_context():
        row = db.session.execute(select(Recovery).where(Recovery.receipt_no == receipt)).scalar_one()
        assert row.amount == Decimal("600.50") and isinstance(row.amount, Decimal)
        assert db.session.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "subsidy.recover", AuditLog.subject_id == row.id)) == 1
    # the warning is closed now: nothing more on it
    assert_error(lead.post(f"/api/v1/subsidy-warnings/{ids['warning']}/holds",
                           json={"client_uuid": new_uuid(), "beneficiary_id": ids["person"],
                                 "policy_id": ids["policy"], "reason": "停发"}), 409, "warning_not_open")


def test_bad_input_changes_nothing(app, world, login_as):
    from backend.departments.models import PaymentHold, Recovery
    from backend.extensions import db
    lead = login_as("lead")
    ids = _warning(app, world)
    url = f"/api/v1/subsidy-warnings/{ids['warning']}/recoveries"
    good = {"beneficiary_id": ids["person"], "policy_id": ids["policy"], "amount": "100.00",
            "recovered_on": TODAY.isoformat(), "receipt_no": f"R-{new_uuid()[:8]}"}
    for change, code, path in (({"amount": "-5"}, "validation_error", "json.amount"),
                               ({"amount": "1.234"}, "validation_error", "json.amount"),
                               ({"recovered_on": "2099-01-01"}, "recovered_in_future", "json.recovered_on"),
                               ({"receipt_no": " "}, "validation_error", "json.receipt_no"),
                               ({"beneficiary_id": 2**31 - 1}, "beneficiary_invalid", "json.beneficiary_id"),
                               ({"policy_id": 2**31 - 1}, "policy_invalid", "json.policy_id")):
        r = lead.post(url, json={**good, **change, "client_uuid": new_uuid()})
        assert_error(r, 400, code, path)
        assert r.json["error"]["fields"][0].get("zh") or r.json["error"]["message"]
    assert_error(lead.post(f"/api/v1/subsidy-warnings/{ids['warning']}/holds",
                           json={"client_uuid": new_uuid(), "beneficiary_id": ids["person"], "policy_id": ids["policy"]}),
                 400, "validation_error", "json.reason")
    with app.app_context():
        assert db.session.execute(select(Recovery).where(Recovery.warning_id == ids["warning"])).first() is None
        assert db.session.execute(select(PaymentHold).where(PaymentHold.warning_id == ids["warning"])).first() is None
    assert _status(app, ids["warning"]) == ("open", None)


def test_who_may_hold(app, world, login_as, make_warning):
    ids = _warning(app, world)
    body = {"client_uuid": new_uuid(), "beneficiary_id": ids["person"], "policy_id": ids["policy"], "reason": "停发"}
    for who, code in (("inspector", "role_forbidden"), ("department", "role_forbidden"), ("city", "role_forbidden"),
                      ("lead_sibling", "out_of_scope"), ("county_sibling", "out_of_scope")):
        department_seed.ensure(app, world)
        assert_error(login_as(who).post(f"/api/v1/subsidy-warnings/{ids['warning']}/holds", json=body), 403, code)
    # a project's warning is not a subsidy warning
    project_warning, _ = make_warning()
    r = login_as("lead").post(f"/api/v1/subsidy-warnings/{project_warning}/holds",
                              json={**body, "client_uuid": new_uuid()})
    assert r.status_code in (400, 409) and r.json["error"]["code"] in ("not_a_subsidy_warning", "beneficiary_invalid")
    assert not _held(app, ids)
