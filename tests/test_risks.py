"""The rules: each fires on a planted pattern and not on a clean one; a second scan changes nothing;
fixing the cause resolves the warning; a dismissal holds until the facts change."""
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from backend.core import clock
from backend.core.models import User
from backend.extensions import db
from backend.projects import services as projects
from backend.projects.models import Project
from conftest import PINNED, new_uuid, run_scan, set_project, warning_for


def _pay(app, world, project_id, amount):
    with app.app_context(), app.test_request_context(method="POST"):
        county = db.session.get(User, world["users"]["county"])
        projects.record_payment(db.session.get(Project, project_id), county, {
            "amount": Decimal(amount), "paid_on": date(2026, 6, 1), "payee": "某公司",
            "voucher_no": "R-" + new_uuid()[:8], "funding_source": "区级配套资金"})
        db.session.commit()


def test_stage_overdue(app, make_project):
    late, on_time = make_project(stage="construction"), make_project(stage="construction")
    set_project(app, late, planned_end_on=date(2026, 3, 1))
    run_scan(app, "stage_overdue")
    fired = warning_for(app, "stage_overdue", f"project:{late}")
    assert fired["status"] == "open" and fired["evidence"]["planned_end_on"] == "2026-03-01"
    assert warning_for(app, "stage_overdue", f"project:{on_time}") is None
    assert run_scan(app, "stage_overdue")["stage_overdue"] == dict(opened=0, updated=0, resolved=0, reopened=0)
    set_project(app, late, planned_end_on=clock.now().date() + timedelta(days=60))  # the plan is corrected
    assert run_scan(app, "stage_overdue")["stage_overdue"]["resolved"] >= 1
    assert warning_for(app, "stage_overdue", f"project:{late}")["status"] == "resolved"


def test_payment_ahead_of_progress(app, world, make_project):
    ahead, fine = make_project(stage="contracted", payments=False), make_project(stage="contracted", payments=False)
    _pay(app, world, ahead, "450000.00")   # 45 % paid at contract signing (allowed 30 % + 10 %)
    _pay(app, world, fine, "100000.00")
    run_scan(app, "payment_ahead_of_progress")
    fired = warning_for(app, "payment_ahead_of_progress", f"project:{ahead}")
    assert fired["status"] == "open" and fired["evidence"]["paid_share"] == "45%"
    assert warning_for(app, "payment_ahead_of_progress", f"project:{fine}") is None
    # Progress catches up: construction justifies 70 %.
    with app.app_context(), app.test_request_context(method="POST"):
        projects.move_stage(db.session.get(Project, ahead), db.session.get(User, world["users"]["county"]), "construction")
        db.session.commit()
    run_scan(app, "payment_ahead_of_progress")
    assert warning_for(app, "payment_ahead_of_progress", f"project:{ahead}")["status"] == "resolved"


def test_single_payment_over_half(app, world, make_project):
    big, small = make_project(stage="construction", payments=False), make_project(stage="construction", payments=False)
    _pay(app, world, big, "600000.00")
    _pay(app, world, small, "300000.00")
    run_scan(app, "single_payment_over_half")
    assert warning_for(app, "single_payment_over_half", f"project:{big}")["evidence"]["largest_payment"] == "600000.00"
    assert warning_for(app, "single_payment_over_half", f"project:{small}") is None


def test_no_recent_inspection(app, make_project, make_inspection):
    forgotten, watched = make_project(stage="construction"), make_project(stage="construction")
    long_ago = clock.now() - timedelta(days=45)
    set_project(app, forgotten, stage_changed_at=long_ago)
    set_project(app, watched, stage_changed_at=long_ago)
    make_inspection(watched)
    run_scan(app, "no_recent_inspection")
    fired = warning_for(app, "no_recent_inspection", f"project:{forgotten}")
    assert fired["status"] == "open" and fired["evidence"]["last_inspection_on"] is None
    assert warning_for(app, "no_recent_inspection", f"project:{watched}") is None
    # Tapped from the office: no position, or far from the site — that is not going to look.
    make_inspection(forgotten, lat=None, lng=None)
    make_inspection(forgotten, lat=30.5, lng=120.2)
    run_scan(app, "no_recent_inspection")
    assert warning_for(app, "no_recent_inspection", f"project:{forgotten}")["status"] == "open"
    make_inspection(forgotten)  # someone goes and looks
    run_scan(app, "no_recent_inspection")
    assert warning_for(app, "no_recent_inspection", f"project:{forgotten}")["status"] == "resolved"


def test_inspection_flagged(app, make_project, make_inspection):
    from backend.inspections.services import by_uuid
    project_id = make_project(stage="construction")
    far = make_inspection(project_id, lat=30.30, lng=119.80)
    near = make_inspection(project_id)
    with app.app_context():
        far_id, near_id = by_uuid(far).id, by_uuid(near).id
    run_scan(app, "inspection_flagged")
    fired = warning_for(app, "inspection_flagged", f"inspection:{far_id}")
    assert fired["evidence"]["off_site"] is True and fired["evidence"]["distance_m"] > 500
    assert warning_for(app, "inspection_flagged", f"inspection:{near_id}") is None


def test_rectification_overdue(app, make_rectification):
    rect_id = make_rectification("open")
    run_scan(app, "rectification_overdue")
    assert warning_for(app, "rectification_overdue", f"rectification:{rect_id}") is None
    clock.freeze(clock.now() + timedelta(days=8))
    try:
        run_scan(app, "rectification_overdue")
        fired = warning_for(app, "rectification_overdue", f"rectification:{rect_id}")
        assert fired["status"] == "open" and fired["evidence"]["days_overdue"] == 1
    finally:
        clock.freeze(PINNED)  # back to the suite's moment, never the machine's


def test_contractor_concentration(app, world):
    from backend.core.models import Region
    with app.app_context(), app.test_request_context(method="POST"):
        county = db.session.get(User, world["users"]["county_sibling"])  # 桐庐县 covers 分水镇
        town = db.session.get(Region, world["regions"]["fenshui"])
        unit = projects.create_unit(county, town.id, f"分水镇财政所-{new_uuid()[:4]}", "乡镇财政所")
        for i, contractor in enumerate(["独家建设有限公司"] * 4 + ["另一家建设公司"] * 2):
            project = projects.create_project(county, {
                "region_id": town.id, "unit_id": unit.id, "name": f"分水镇工程{i}", "category": "道路交通",
                "budget": Decimal("100000"), "funding_sources": []})
            project.contractor = contractor
        db.session.commit()
    run_scan(app, "contractor_concentration")
    fired = warning_for(app, "contractor_concentration", f"contractor:{world['regions']['fenshui']}:独家建设有限公司")
    assert fired["status"] == "open" and fired["evidence"]["projects"] >= 4
    assert warning_for(app, "contractor_concentration",
                       f"contractor:{world['regions']['fenshui']}:另一家建设公司") is None


def test_dismissal_holds_until_the_facts_change(app, world, login_as, make_project):
    project_id = make_project(stage="contracted", payments=False)
    _pay(app, world, project_id, "450000.00")
    run_scan(app, "payment_ahead_of_progress")
    warning = warning_for(app, "payment_ahead_of_progress", f"project:{project_id}")
    r = login_as("county").post(f"/api/v1/risks/{warning['id']}/dismiss",
                                json={"client_uuid": new_uuid(), "reason": "合同约定预付款45%，已核实"})
    assert r.status_code == 200 and r.json["status"] == "dismissed"
    run_scan(app, "payment_ahead_of_progress")
    assert warning_for(app, "payment_ahead_of_progress", f"project:{project_id}")["status"] == "dismissed"
    _pay(app, world, project_id, "50000.00")  # the facts change: more money goes out
    run_scan(app, "payment_ahead_of_progress")
    assert warning_for(app, "payment_ahead_of_progress", f"project:{project_id}")["status"] == "open"
    kinds = [e["kind"] for e in login_as("county").get(f"/api/v1/projects/{project_id}/timeline").json["items"]]
    assert kinds[:3] == ["risk_raised", "payment_recorded", "risk_dismissed"]


@pytest.mark.parametrize("who,status,code", [("lead", 403, "role_forbidden"), ("county_sibling", 403, "out_of_scope"),
                                             ("county", 400, "validation_error")])
def test_dismiss_needs_a_supervisor_in_scope_and_a_reason(app, login_as, make_warning, who, status, code):
    warning_id, _ = make_warning()
    body = {"client_uuid": new_uuid(), "reason": "  "} if who == "county" else {"client_uuid": new_uuid(), "reason": "误报"}
    r = login_as(who).post(f"/api/v1/risks/{warning_id}/dismiss", json=body)
    assert (r.status_code, r.json["error"]["code"]) == (status, code)
    assert warning_for(app, "stage_overdue", f"project:{_}")["status"] == "open"


def test_lists_summary_and_rules(app, login_as, make_warning):
    warning_id, project_id = make_warning()
    lead = login_as("lead")
    page = lead.get(f"/api/v1/risks?project_id={project_id}").json
    assert [w["id"] for w in page["items"]] == [warning_id]
    item = page["items"][0]
    assert item["explanation_zh"] and item["evidence_labels"]["planned_end_on"]["zh"] == "计划完工"
    assert lead.get("/api/v1/risks/summary").json["by_level"]["orange"] >= 1
    rules = lead.get("/api/v1/risk-rules").json["items"]
    assert {r["code"] for r in rules} >= {"stage_overdue", "payment_ahead_of_progress", "contractor_concentration"}
    assert login_as("lead_sibling").get(f"/api/v1/risks?project_id={project_id}").json["items"] == []
    assert login_as("lead_sibling").get(f"/api/v1/risks/{warning_id}").status_code == 403


def test_a_warning_without_evidence_is_listed_under_every_rule(app, world, login_as, make_project):
    """A warning whose evidence is {} (seeded, or stored by an older version) is listed and shown
    with a plain sentence naming its rule, whatever the rule: one of them made /risks answer 500 for
    everyone (stage_overdue's explanation read evidence['stage'])."""
    from backend.risks.models import RiskWarning
    from backend.risks.rules import RULES
    project_id = make_project(stage="construction")
    with app.app_context():
        rules = dict(RULES)  # every feature's rules, registered when the app was built
        ids = {}
        for code, rule in rules.items():
            warning = RiskWarning(rule_code=code, subject_key=f"project:{project_id}", subject_type="project",
                                  project_id=project_id, region_id=world["regions"]["jincheng"], level=rule.LEVEL,
                                  status="open", evidence={}, fingerprint=f"bare-{code}",
                                  first_seen_at=PINNED, last_seen_at=PINNED)
            db.session.add(warning)
            db.session.flush()
            ids[code] = warning.id
        db.session.commit()
    assert len(rules) >= 20 and {"stage_overdue", "subsidy_duplicate", "fund_idle", "contract_receivable_overdue"} <= set(rules)
    county = login_as("county")
    for code, rule in rules.items():
        r = county.get(f"/api/v1/risks?project_id={project_id}&rule={code}&status=all")
        assert r.status_code == 200, (code, r.json)
        assert [(w["id"], w["evidence"]) for w in r.json["items"]] == [(ids[code], {})], code
        item = county.get(f"/api/v1/risks/{ids[code]}").json
        assert rule.NAME_ZH in item["explanation_zh"] and rule.NAME_EN in item["explanation_en"], code
    r = county.get(f"/api/v1/risks?project_id={project_id}&status=all&per_page=100")
    assert r.status_code == 200 and len(r.json["items"]) == len(rules)
    assert county.get(f"/api/v1/risks/export?format=csv&project_id={project_id}&status=all").status_code == 200


def test_a_warning_another_scan_opened_meanwhile_is_left_to_it(app, world, monkeypatch):
    """Two scans at once (the periodic one beside one after a write, or two workers) may both find
    the same new subject: the one that stores it second keeps the others it found, without failing
    on the unique (rule, subject) and without telling anyone of that warning a second time."""
    from sqlalchemy import func, insert, select

    from backend.notifications.models import Notification
    from backend.risks import engine, rules
    from backend.risks.models import RiskWarning
    village, tag = world["regions"]["qianwang"], new_uuid()[:8]

    def find(ctx):
        # The other scan stores "b" after this one read what was stored, before it writes.
        db.session.execute(insert(RiskWarning).values(
            rule_code="race_test", subject_key=f"b-{tag}", subject_type="test", region_id=village, level="yellow",
            status="open", evidence={"n": 1}, fingerprint="other", first_seen_at=PINNED, last_seen_at=PINNED))
        for key in ("a", "b", "c"):
            yield rules.Hit(f"{key}-{tag}", "test", village, None, {"n": 1})

    monkeypatch.setitem(rules.RULES, "race_test", SimpleNamespace(
        CODE="race_test", NAME_ZH="并发测试", NAME_EN="Race test", LEVEL="yellow", VOLATILE=(), find=find))
    with app.app_context(), app.test_request_context(method="POST"):
        before = db.session.scalar(select(func.coalesce(func.max(Notification.id), 0)))
        report = engine.scan(["race_test"], now=PINNED)
        db.session.commit()
        stored = {key: (id_, fingerprint) for key, id_, fingerprint in db.session.execute(
            select(RiskWarning.subject_key, RiskWarning.id, RiskWarning.fingerprint)
            .where(RiskWarning.rule_code == "race_test"))}
        links = set(db.session.scalars(select(Notification.link).where(Notification.id > before)))
        db.session.execute(RiskWarning.__table__.delete().where(RiskWarning.rule_code == "race_test"))
        db.session.commit()
    assert report["race_test"]["opened"] == 2
    assert set(stored) == {f"a-{tag}", f"b-{tag}", f"c-{tag}"} and stored[f"b-{tag}"][1] == "other"
    # the lead hears of the two this scan opened, not of the other scan's
    assert links == {f"/risks/{stored[f'a-{tag}'][0]}", f"/risks/{stored[f'c-{tag}'][0]}"}


def test_a_steady_scan_compares_stored_evidence_without_loading_each_warning(app, world, monkeypatch):
    """With nothing changed, a scan reads what is stored once and loads no warning one by one: the
    stored evidence, as text, is the hit's evidence written as the column writes it (at a province's
    size, decoding every stored document cost more than the rules' own queries)."""
    from sqlalchemy import event, select

    from backend.risks import engine, rules
    from backend.risks.models import RiskWarning
    village, tag = world["regions"]["qianwang"], new_uuid()[:8]
    evidence = {"person": "张*丰", "amount": "1234.50", "names": "李*、王*", "days": 3}

    def find(ctx):
        for n in range(30):
            yield rules.Hit(f"{tag}-{n}", "test", village, None, {**evidence, "n": n})

    monkeypatch.setitem(rules.RULES, "steady_test", SimpleNamespace(
        CODE="steady_test", NAME_ZH="稳态测试", NAME_EN="Steady test", LEVEL="yellow", VOLATILE=(), find=find))
    statements = []
    with app.app_context(), app.test_request_context(method="POST"):
        assert engine.scan(["steady_test"], now=PINNED)["steady_test"]["opened"] == 30
        db.session.commit()
        db.session.expunge_all()  # (nothing the first scan loaded is at hand)
        listen = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listen)
        try:
            report = engine.scan(["steady_test"], now=PINNED)
        finally:
            event.remove(db.engine, "before_cursor_execute", listen)
        db.session.commit()
        db.session.execute(RiskWarning.__table__.delete().where(RiskWarning.rule_code == "steady_test"))
        db.session.commit()
    assert report["steady_test"] == dict(opened=0, updated=0, resolved=0, reopened=0)
    assert len([s for s in statements if "risk_warnings" in s]) == 1, statements
