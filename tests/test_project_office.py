"""The township finance office's project work: register with funding by level and the contractor's
统一社会信用代码, correct the contractor (audited, on the timeline), replace a damaged plaque, print a
chosen label sheet, and the payee-is-not-the-contractor rule."""
from decimal import Decimal

import pytest

from backend.extensions import db
from backend.projects.companies import UsccError, company_key, normalize_uscc, uscc_check_char
from conftest import assert_error, TODAY, code_of, new_uuid, run_scan, warning_for

GOOD_USCC = "91110000600037341L"  # a real one (GB 32100-2015 check character L)
CONTRACTOR = "杭州临安城建工程有限公司"  # make_project's contractor


def _body(world, **extra):
    return {"client_uuid": new_uuid(), "region_id": world["regions"]["qianwang"],
            "unit_id": world["units"]["jincheng"], "name": "钱王社区道路硬化工程", "category": "道路交通",
            "budget": "500000.00", "funding_sources": [
                {"source": "省级资金", "level": "province", "amount": "300000.00"},
                {"source": "区级配套资金", "amount": "200000.00"}], **extra}


def _count(app, model, **where):
    with app.app_context():
        return db.session.query(model).filter_by(**where).count()


# ---- the USCC and company names -------------------------------------------------------------------

def test_uscc_checksum():
    assert normalize_uscc(GOOD_USCC) == GOOD_USCC
    assert normalize_uscc(" ９１１１００００６０００３７３４１ｌ ") == GOOD_USCC  # full-width, lower case
    body = "91330185MA2H12345"
    assert normalize_uscc(body + uscc_check_char(body)).endswith(uscc_check_char(body))
    for bad, kind in (("91110000600037341X", "checksum"), ("9111000060003734", "malformed"),
                      ("91110000600037341I", "malformed"), ("9111ZZ00600037341L", "malformed")):
        with pytest.raises(UsccError) as err:
            normalize_uscc(bad)
        assert err.value.kind == kind


def test_company_key_treats_spellings_as_one_company():
    same = ["杭州临安城建工程有限公司", "杭州临安城建工程有限责任公司", "杭州临安城建工程 有限公司",
            "浙江天目（临安）建设有限公司", "浙江天目(临安)建设有限公司", "ＡＢＣ建设有限公司", "abc建设有限公司"]
    assert company_key(same[0]) == company_key(same[1]) == company_key(same[2])
    assert company_key(same[3]) == company_key(same[4])
    assert company_key(same[5]) == company_key(same[6])
    assert company_key("杭州临安城建工程有限公司") != company_key("杭州临安路桥工程有限公司")
    assert company_key(None) is None


# ---- registering ----------------------------------------------------------------------------------

def test_register_with_funding_levels_and_uscc(app, world, login_as):
    lead = login_as("lead")
    r = lead.post("/api/v1/projects", json=_body(world, contractor="杭州钱王建设有限公司",
                                                   contractor_uscc=GOOD_USCC.lower(), contract_amount="480000.00",
                                                   planned_start_on=TODAY.isoformat()))
    assert r.status_code == 201, r.json
    p = r.json
    assert p["contractor_uscc"] == GOOD_USCC and p["contract_amount"] == "480000.00"
    assert [(f["level"], f["amount"]) for f in p["funding_sources"]] == [("province", "300000.00"), ("county", "200000.00")]
    assert p["can_correct"] is True and p["can_pay"] is False  # no payments before the contract


@pytest.mark.parametrize("extra,status,code,path", [
    ({"contractor": "某公司", "contractor_uscc": "91110000600037341X"}, 400, "uscc_checksum", "json.contractor_uscc"),
    ({"contractor": "某公司", "contractor_uscc": "9111000060003734"}, 400, "uscc_malformed", "json.contractor_uscc"),
    ({"contractor_uscc": GOOD_USCC}, 400, "contractor_required", "json.contractor"),
    ({"budget": "600000.00"}, 422, "validation_error", "json.funding_sources"),
    ({"funding_sources": [{"source": "x", "level": "moon", "amount": "500000.00"}]}, 422, "validation_error",
     "json.funding_sources.0.level"),
    ({"contract_amount": "-1"}, 422, "validation_error", "json.contract_amount"),
])
def test_register_bad_input_changes_nothing(app, world, login_as, extra, status, code, path):
    from backend.projects.models import Project
    before = _count(app, Project)
    r = login_as("lead").post("/api/v1/projects", json=_body(world, **extra))
    if r.status_code == 400 and status == 422:
        status = 400  # (the app answers schema problems with 400 or 422 depending on apiflask's config)
    assert_error(r, status, code, path)
    assert _count(app, Project) == before


# ---- correcting the contractor --------------------------------------------------------------------

def test_contractor_correction_is_audited_and_on_the_timeline(app, world, login_as, make_project):
    from backend.core.audit import AuditLog
    pid = make_project(stage="contracted")
    lead = login_as("lead")
    key = new_uuid()
    body = {"client_uuid": key, "contractor": "杭州临安城建工程集团有限公司", "contractor_uscc": GOOD_USCC,
            "reason": "合同主体名称录入错误"}
    r = lead.post(f"/api/v1/projects/{pid}/contractor", json=body)
    assert r.status_code == 200, r.json
    assert r.json["contractor"] == "杭州临安城建工程集团有限公司" and r.json["contractor_uscc"] == GOOD_USCC
    top = r.json["timeline"][0]
    assert top["kind"] == "contractor_corrected"
    assert top["payload"] == {"from": CONTRACTOR, "to": "杭州临安城建工程集团有限公司", "reason": "合同主体名称录入错误",
                              "from_uscc": None, "to_uscc": GOOD_USCC}
    assert lead.get(f"/api/v1/projects/{pid}/chain").json["intact"] is True
    # Replayed: the same answer, no second event.
    again = lead.post(f"/api/v1/projects/{pid}/contractor", json=body)
    assert again.status_code == 200 and again.json["event_count"] == r.json["event_count"]
    with app.app_context():
        rows = db.session.query(AuditLog).filter_by(action="project.contractor_correct", subject_id=pid).all()
        assert len(rows) == 1 and rows[0].details["from"] == CONTRACTOR
    # The public sees old → new, not the reason.
    public = login_as(None).get(f"/api/v1/scan/{code_of(app, pid)}").json["project"]["timeline"][0]
    assert public["payload"] == {"from": CONTRACTOR, "to": "杭州临安城建工程集团有限公司"}


@pytest.mark.parametrize("stage,body,status,code,path", [
    ("contracted", {"contractor": CONTRACTOR, "reason": "x"}, 409, "contractor_unchanged", "json.contractor"),
    ("approved", {"contractor": "某公司", "reason": "x"}, 409, "no_contractor", None),
    ("contracted", {"contractor": "某公司", "contractor_uscc": "91110000600037341X", "reason": "x"}, 400,
     "uscc_checksum", "json.contractor_uscc"),
    ("contracted", {"contractor": "某公司"}, 422, "validation_error", "json.reason"),
    ("contracted", {"contractor": " ", "reason": "x"}, 422, "validation_error", "json.contractor"),
])
def test_contractor_correction_bad_input(app, world, login_as, make_project, stage, body, status, code, path):
    pid = make_project(stage=stage)
    lead = login_as("lead")
    before = lead.get(f"/api/v1/projects/{pid}").json
    r = lead.post(f"/api/v1/projects/{pid}/contractor", json={"client_uuid": new_uuid(), **body})
    if r.status_code == 400 and status == 422:
        status = 400
    assert_error(r, status, code, path)
    after = lead.get(f"/api/v1/projects/{pid}").json
    assert (after["contractor"], after["event_count"]) == (before["contractor"], before["event_count"])


# ---- replacing a damaged plaque -------------------------------------------------------------------

def test_reissue_gives_a_new_printable_code_and_the_old_one_points_to_it(app, world, login_as, make_project):
    pid = make_project()
    old = code_of(app, pid)
    lead = login_as("lead")
    r = lead.post(f"/api/v1/codes/{old}/reissue", json={"client_uuid": new_uuid(), "reason": "标牌被雨水泡坏"})
    assert r.status_code == 200 and r.json["status"] == "active" and r.json["subject_id"] == pid
    new = r.json["code"]
    assert new != old and code_of(app, pid) == new
    gone = login_as(None).get(f"/api/v1/scan/{old}")
    assert_error(gone, 410, "code_replaced")
    assert gone.json["error"]["fields"] == [{"path": "replaced_by", "message": new}]
    assert "标牌被雨水泡坏" in gone.json["error"]["message"]["zh"]
    sheet = lead.get(f"/api/v1/regions/{world['regions']['jincheng']}/labels?projects={pid}")
    assert sheet.status_code == 200 and f'data-code="{new}"' in sheet.text and old not in sheet.text
    assert lead.get(f"/api/v1/projects/{pid}").json["timeline"][0]["kind"] == "code_reissued"
    assert_error(lead.post(f"/api/v1/codes/{old}/reissue", json={"client_uuid": new_uuid(), "reason": "x"}),
                 409, "code_already_revoked")


@pytest.mark.parametrize("code,body,status,err", [
    ("not-a-code", {"reason": "x"}, 400, "code_malformed"),
    (None, {}, 422, "validation_error"),
])
def test_reissue_bad_input(app, world, login_as, make_project, code, body, status, err):
    pid = make_project()
    old = code_of(app, pid)
    r = login_as("lead").post(f"/api/v1/codes/{code or old}/reissue", json={"client_uuid": new_uuid(), **body})
    if r.status_code == 400 and status == 422:
        status = 400
    assert_error(r, status, err)
    assert code_of(app, pid) == old


# ---- choosing a label sheet -----------------------------------------------------------------------

def test_label_sheet_prints_only_the_chosen(app, world, login_as, make_project):
    from subsidy_seed import village_code
    a, b, c = make_project(), make_project(), make_project(region="taihuyuan")
    vcode = village_code(app, world)  # 钱王社区's one code (issued on first use, as the app does)
    county = login_as("county")
    url = f"/api/v1/regions/{world['regions']['linan']}/labels"
    sheet = county.get(f"{url}?projects={a},{c}&villages={world['regions']['qianwang']}").text
    assert f'data-code="{code_of(app, a)}"' in sheet and f'data-code="{code_of(app, c)}"' in sheet
    assert code_of(app, b) not in sheet and f'data-code="{vcode}"' in sheet
    assert sheet.count('class="label"') == 3
    # A township lead choosing a project of another township prints nothing of it.
    mine = login_as("lead").get(f"/api/v1/regions/{world['regions']['jincheng']}/labels?projects={a},{c}").text
    assert code_of(app, c) not in mine and code_of(app, a) in mine
    # Without a choice, everything as before.
    assert code_of(app, b) in county.get(url).text


@pytest.mark.parametrize("query", ["projects=1,x", "projects=", "villages=0", "projects=1,,2",
                                   "projects=1,5955783846", "villages=" + ",".join(["7"] * 2001)])
def test_label_selection_bad_input(app, world, login_as, query):
    r = login_as("county").get(f"/api/v1/regions/{world['regions']['linan']}/labels?{query}")
    assert r.status_code in (400, 422) and r.json["error"]["code"] == "validation_error"
    assert r.json["error"]["fields"][0]["path"].startswith("query.")


# ---- the payee rule -------------------------------------------------------------------------------

def _pay(app, world, pid, payee, voucher, amount="20000.00"):
    from backend.core.models import User
    from backend.projects import services as projects
    from backend.projects.models import Project
    with app.app_context(), app.test_request_context(method="POST"):
        county = db.session.get(User, world["users"]["county"])
        projects.record_payment(db.session.get(Project, pid), county, {
            "amount": Decimal(amount), "paid_on": TODAY, "payee": payee, "voucher_no": voucher,
            "funding_source": "区级配套资金"})
        db.session.commit()


def test_payee_rule_fires_with_evidence_and_ignores_spellings(app, world, make_project):
    pid = make_project(stage="construction")
    _pay(app, world, pid, "杭州临安城建工程有限责任公司", "V-same-1")  # the contractor, written another way
    _pay(app, world, pid, "杭州临安城建工程（有限公司）", "V-same-2")
    _pay(app, world, pid, "杭州某某劳务有限公司", "V-other-1")
    _pay(app, world, pid, "杭州某某劳务有限责任公司", "V-other-2", "5000.50")
    run_scan(app, "payee_not_contractor")
    from backend.projects.companies import company_key
    key = f"project:{pid}:payee:{company_key('杭州某某劳务有限公司')}"
    w = warning_for(app, "payee_not_contractor", key)
    assert w["status"] == "open"
    assert w["evidence"] == {"contractor": CONTRACTOR, "payee": "杭州某某劳务有限公司", "payments": 2,
                             "total": "25000.50", "vouchers": "V-other-1、V-other-2",
                             "first_paid_on": TODAY.isoformat()}
    from backend.risks.models import RiskWarning
    with app.app_context():
        assert db.session.query(RiskWarning).filter_by(rule_code="payee_not_contractor", project_id=pid).count() == 1
    from backend.risks.rules import RULES
    zh, en = RULES["payee_not_contractor"].explain(w["evidence"])
    assert "杭州某某劳务有限公司" in zh and CONTRACTOR in zh and "V-other-1" in zh and "25,000.50" in zh


def test_payee_rule_cleared_when_the_contractor_is_corrected(app, world, login_as, make_project):
    pid = make_project(stage="construction")
    _pay(app, world, pid, "杭州临安路桥工程有限公司", "V-1")
    run_scan(app, "payee_not_contractor")
    from backend.projects.companies import company_key
    key = f"project:{pid}:payee:{company_key('杭州临安路桥工程有限公司')}"
    assert warning_for(app, "payee_not_contractor", key)["status"] == "open"
    r = login_as("lead").post(f"/api/v1/projects/{pid}/contractor", json={
        "client_uuid": new_uuid(), "contractor": "杭州临安路桥工程有限责任公司", "reason": "中标单位名称录错"})
    assert r.status_code == 200
    # The old payments (to the real contractor's old spelling) are now the finding; the wrong one is cleared.
    run_scan(app, "payee_not_contractor")
    assert warning_for(app, "payee_not_contractor", key)["status"] != "open"


def test_payee_rule_cleared_when_the_payee_is_corrected(app, world, make_project):
    from backend.projects.models import ProjectPayment
    pid = make_project(stage="construction", payments=False)
    _pay(app, world, pid, "临安某劳务公司", "V-9")
    run_scan(app, "payee_not_contractor")
    key = f"project:{pid}:payee:{company_key('临安某劳务公司')}"
    assert warning_for(app, "payee_not_contractor", key)["status"] == "open"
    with app.app_context():
        pay = db.session.query(ProjectPayment).filter_by(project_id=pid, voucher_no="V-9").one()
        pay.payee = CONTRACTOR  # (the import of a corrected payment list does the same: see test_project_import)
        db.session.commit()
    run_scan(app, "payee_not_contractor")
    assert warning_for(app, "payee_not_contractor", key)["status"] != "open"


def test_no_finding_before_a_contractor_is_named(app, world, make_project):
    pid = make_project(stage="approved")
    from backend.projects.models import Project
    with app.app_context():
        assert db.session.get(Project, pid).contractor_key is None
    run_scan(app, "payee_not_contractor")
    from backend.risks.models import RiskWarning
    with app.app_context():
        assert db.session.query(RiskWarning).filter_by(rule_code="payee_not_contractor", project_id=pid).count() == 0

