"""The demo a new user sees after `make run`, loaded into its own fresh database."""
import os

import pytest
from sqlalchemy import create_engine, func, select, text

from backend import create_app
from backend.core.models import Region, User
from backend.extensions import db
from backend.projects.models import Project
from backend.qrcodes.models import QrCode

TOWNSHIPS = ["锦城街道", "锦北街道", "玲珑街道", "锦南街道", "青山湖街道", "高虹镇", "太湖源镇", "於潜镇", "天目山镇",
             "太阳镇", "潜川镇", "昌化镇", "龙岗镇", "河桥镇", "湍口镇", "清凉峰镇", "岛石镇", "板桥镇"]


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    if os.environ.get("JICAI_TEST_DB") == "postgres":
        base = os.environ["TEST_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS jicai_demo_test WITH (FORCE)"))
            conn.execute(text("CREATE DATABASE jicai_demo_test"))
        url = base.rsplit("/", 1)[0] + "/jicai_demo_test"
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True,
                      "STORAGE_DIR": str(tmp_path_factory.mktemp("demo-storage")),
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0 and "demo loaded" in result.output, result.output
    yield app
    with app.app_context():
        db.engine.dispose()


def test_lin_an_and_its_18_townships(demo_app):
    with demo_app.app_context():
        county = db.session.execute(select(Region).where(Region.code == "330112000000")).scalar_one()
        assert county.name == "临安区" and county.parent.name == "杭州市" and county.parent.parent.name == "浙江省"
        towns = db.session.execute(select(Region).where(Region.parent_id == county.id)).scalars().all()
        assert sorted(t.name for t in towns) == sorted(TOWNSHIPS)
        assert all(t.code.startswith("330112") and len(t.code) == 12 for t in towns)
        villages = db.session.scalar(select(func.count()).select_from(Region).where(Region.level == "village"))
        assert villages >= 3 * 18


def test_projects_over_every_stage_with_codes_and_intact_chains(demo_app):
    with demo_app.app_context():
        stages = dict(db.session.execute(select(Project.stage, func.count()).group_by(Project.stage)).all())
        assert set(stages) == {"approved", "tendering", "contracted", "construction", "acceptance",
                               "settlement", "audit", "archived"}
        assert 90 <= sum(stages.values()) <= 130
        active = db.session.scalar(select(func.count()).select_from(QrCode).where(
            QrCode.subject_type == "project", QrCode.status == "active"))
        assert active == sum(stages.values())
    result = demo_app.test_cli_runner().invoke(args=["verify-chains"])
    assert result.exit_code == 0 and "0 broken" in result.output


def test_a_user_for_every_role_who_can_sign_in(demo_app):
    with demo_app.app_context():
        roles = set(db.session.execute(select(User.role)).scalars())
    assert roles == {"admin", "province", "city", "county", "township_lead", "inspector", "department", "clerk"}
    client = demo_app.test_client()
    r = client.post("/api/v1/auth/login", json={"username": "jincheng_lead", "password": "Jicai@2026"})
    assert r.status_code == 200
    assert client.get("/api/v1/projects").json["total"] >= 8


def test_loading_twice_changes_nothing(demo_app):
    with demo_app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Project))
    result = demo_app.test_cli_runner().invoke(args=["demo"])
    assert "already loaded" in result.output
    with demo_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Project)) == before


def test_label_command_writes_a_sheet(demo_app, tmp_path):
    out = tmp_path / "labels.html"
    result = demo_app.test_cli_runner().invoke(args=["labels", "330112006000", "--out", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert html.count('class="label"') >= 8 and "锦城街道" in html
    bad = demo_app.test_cli_runner().invoke(args=["labels", "999"])
    assert bad.exit_code != 0 and "no region" in bad.output


def test_warnings_and_rectifications_in_every_state(demo_app):
    from backend.rectifications.models import Rectification
    from backend.risks.models import RiskWarning
    with demo_app.app_context():
        warnings = set(db.session.execute(select(RiskWarning.status)).scalars())
        rects = set(db.session.execute(select(Rectification.status)).scalars())
        escalated = db.session.scalar(select(func.count()).select_from(Rectification).where(
            Rectification.escalated_at.is_not(None)))
    assert warnings == {"open", "resolved", "dismissed"}
    assert rects == {"open", "submitted", "approved", "closed_not_fixed"} and escalated >= 1
    again = demo_app.test_cli_runner().invoke(args=["risks-scan"])
    assert again.exit_code == 0 and "opened 1" not in again.output


def test_subsidies_every_rule_has_a_case_and_the_readme_villager_can_check(demo_app):
    """The README's villager (王建国, 钱王社区, card ending 0123) sees their payments, and every
    subsidy rule has something planted for a lead to look at."""
    from backend.risks.models import RiskWarning
    from backend.subsidies.rules import SUBSIDY_RULES
    from backend.subsidies.models import Disbursement
    with demo_app.app_context():
        open_rules = set(db.session.execute(select(RiskWarning.rule_code).where(
            RiskWarning.status == "open", RiskWarning.rule_code.in_(SUBSIDY_RULES))).scalars())
        assert open_rules == set(SUBSIDY_RULES)
        assert db.session.scalar(select(func.count()).select_from(Disbursement)) > 100
        village = db.session.execute(select(Region).where(Region.name == "钱王社区")).scalar_one()
        code = db.session.execute(select(QrCode.code).where(QrCode.subject_type == "village",
                                                            QrCode.subject_id == village.id)).scalar_one()
    client = demo_app.test_client()
    page = client.get(f"/api/v1/public/villages/{code}").json
    assert page["village"]["name"] == "钱王社区" and page["notice"] and page["policies"]
    me = client.post("/api/v1/public/self-check", json={"name": "王建国", "id_number": "330112196203150012",
                                                        "last4": "0123"})
    assert me.status_code == 200, me.json
    assert {p["status"] for p in me.json["payments"]} >= {"paid", "failed", "pending"}


def test_funds_in_every_state_and_every_fund_rule_fires(demo_app):
    from backend.funds.models import Fund
    from backend.funds.rules import FUND_RULES
    from backend.risks.models import RiskWarning
    with demo_app.app_context():
        assert db.session.query(Fund).count() == 12
        fired = {code for (code,) in db.session.query(RiskWarning.rule_code).filter(
            RiskWarning.rule_code.in_(FUND_RULES), RiskWarning.status == "open").distinct()}
        assert fired == set(FUND_RULES)


def test_demo_payments_to_another_company_are_found(demo_app):
    """The demo plants one contractor on six projects of 锦城街道 after they were paid (its
    concentration pattern), so their earlier payments went to the companies that held the contracts
    before: the payee rule finds exactly those projects, with the voucher numbers as evidence."""
    from backend.projects.models import ProjectPayment
    from backend.risks.models import RiskWarning
    with demo_app.app_context():
        mismatched = set(db.session.execute(
            select(Project.id).join(ProjectPayment, ProjectPayment.project_id == Project.id)
            .where(Project.contractor_key.is_not(None), ProjectPayment.payee_key != Project.contractor_key)).scalars())
        warnings = db.session.execute(select(RiskWarning).where(RiskWarning.rule_code == "payee_not_contractor")).scalars().all()
        assert mismatched and {w.project_id for w in warnings} == mismatched
        assert all(w.evidence["vouchers"] and w.evidence["payee"] != w.evidence["contractor"] for w in warnings)


def test_departments_a_department_official_and_their_tasks(demo_app):
    """部门协同: 临安区's departments own their policies by name; dept_nongye sees its tasks."""
    client = demo_app.test_client()
    r = client.post("/api/v1/auth/login", json={"username": "dept_nongye", "password": "Jicai@2026"})
    assert r.status_code == 200 and r.json["user"]["role"] == "department"
    tasks = client.get("/api/v1/department-tasks").json["items"]
    assert len(tasks) == 1 and tasks[0]["department"]["name"] == "农业农村局" and tasks[0]["actions"] == ["sign"]
    policies = {p["name"] for p in client.get("/api/v1/subsidies/policies").json["items"]}
    assert policies == {"耕地地力保护补贴"}


def test_the_bank_cycle_a_batch_paid_two_failures_fixed_and_re_paid(demo_app):
    """一键直连 in 锦城街道: November's pension built by the clerk, approved by the lead, paid by the
    simulated bank but for two (BE01 户名不符: the README's villager; AC04 已销户), both fixed and paid
    once in a follow-up batch — and the three-way check of the period is clean."""
    from backend.bank.models import BatchPayment, PaymentBatch, ReconciliationDifference
    from backend.subsidies.models import Disbursement, SubsidyPolicy
    with demo_app.app_context():
        users = dict(db.session.execute(select(User.username, User.id)).all())
        policy = db.session.execute(select(SubsidyPolicy).where(SubsidyPolicy.name == "城乡居民基础养老金")).scalar_one()
        batches = db.session.execute(select(PaymentBatch).order_by(PaymentBatch.id)).scalars().all()
        assert [(b.kind, b.status, b.policy_id, b.period) for b in batches] == [
            ("regular", "closed", policy.id, "2026-11"), ("reissue", "closed", policy.id, "2026-11")]
        first, follow = batches
        for b in batches:  # maker and checker
            assert b.created_by_id == users["jincheng_clerk"] and b.lead_approved_by_id == users["jincheng_lead"]
            assert b.export_sha256 and b.county_approved_by_id is None
        assert (first.export_profile, follow.export_profile) == ("rcb_text", "iso20022")
        assert first.removed == [] and first.refused  # the planted cases are refused with their reasons
        lines = db.session.execute(select(BatchPayment).where(BatchPayment.batch_id == first.id)).scalars().all()
        failed = {p.reason_code: p for p in lines if p.status == "failed"}
        assert set(failed) == {"BE01", "AC04"} and len(lines) >= 8
        assert {p.status for p in lines} == {"paid", "failed"}
        assert all(p.fixed_at is not None and p.fixed_by_id == users["jincheng_clerk"] for p in failed.values())
        again = db.session.execute(select(BatchPayment).where(BatchPayment.batch_id == follow.id)
                                   .order_by(BatchPayment.seq)).scalars().all()
        assert sorted(p.reissue_of_id for p in again) == sorted(p.id for p in failed.values())
        assert {(p.status, p.attempt) for p in again} == {("paid", 1)} and follow.count == 2
        closed = failed["AC04"]
        assert next(p for p in again if p.reissue_of_id == closed.id).card_hash != closed.card_hash  # the new card
        for p in failed.values():  # paid exactly once, one payment record
            paid = db.session.scalar(select(func.count()).select_from(BatchPayment).where(
                BatchPayment.beneficiary_id == p.beneficiary_id, BatchPayment.policy_id == policy.id,
                BatchPayment.period == "2026-11", BatchPayment.status == "paid"))
            records = db.session.execute(select(Disbursement.status).where(
                Disbursement.beneficiary_id == p.beneficiary_id, Disbursement.policy_id == policy.id,
                Disbursement.period == "2026-11")).scalars().all()
            assert paid == 1 and records == ["paid"]
        assert db.session.scalar(select(func.count()).select_from(ReconciliationDifference).where(
            ReconciliationDifference.policy_id == policy.id, ReconciliationDifference.period == "2026-11")) == 0
        assert failed["BE01"].name == "王建国"
        first_id, follow_id = first.id, follow.id

    client = demo_app.test_client()
    assert client.post("/api/v1/auth/login", json={"username": "jincheng_clerk", "password": "Jicai@2026"}).status_code == 200
    listed = client.get("/api/v1/bank/batches").json["items"]
    assert [(b["id"], b["status"]) for b in listed] == [(follow_id, "closed"), (first_id, "closed")]
    for batch_id in (first_id, follow_id):
        check = client.get(f"/api/v1/bank/batches/{batch_id}/reconciliation").json
        assert check["clean"] and check["findings"] == [] and check["villages"]
    fixed = client.get("/api/v1/bank/failures").json["items"]
    assert sorted((f["reason_code"], f["fixed"], f["reissued"]) for f in fixed) == [
        ("AC04", True, True), ("BE01", True, True)]

    villager = demo_app.test_client()  # the README's villager was the BE01 one: now paid
    me = villager.post("/api/v1/public/self-check", json={"name": "王建国", "id_number": "330112196203150012",
                                                          "last4": "0123"})
    assert me.status_code == 200, me.json
    pension = [p for p in me.json["payments"] if p["period"] == "2026-11"]
    assert len(pension) == 1 and pension[0]["status"] == "paid" and pension[0]["bank_status"] == "paid"


def test_every_fact_row_carries_its_county(demo_app):
    """The demo writes through the services, the importers and the bank's return files: each row's
    ``county_id`` is its place's county (临安), every fact table has rows."""
    from county_check import assert_counties_right
    with demo_app.app_context():
        found = assert_counties_right(db.session)
        assert all(rows > 0 for rows, _ in found.values()), found


def test_the_demo_reads_as_a_real_county(demo_app):
    """三资 in the busy townships' villages (an office idle for over a year, rent overdue), so the
    cockpit's 三资 and the index's 闲置资产占比 have data; each township's own budget is its own
    document (a 镇's office money is not a 街道's); a project's name carries the year its number does;
    the overdue rectification was opened before it fell due."""
    from backend.assets.models import Asset
    from backend.core import clock
    from backend.funds.models import Fund
    from backend.overview import services as overview, summary
    from backend.rectifications.models import Rectification
    from backend.risks.models import RiskWarning
    with demo_app.app_context():
        statuses = dict(db.session.execute(select(Asset.status, func.count()).group_by(Asset.status)).all())
        assert statuses.get("闲置") and statuses.get("在用") and statuses.get("出租")
        assert db.session.scalar(select(func.count()).select_from(RiskWarning).where(
            RiskWarning.rule_code == "contract_receivable_overdue", RiskWarning.status == "open"))
        summary.rebuild()
        town = db.session.execute(select(Region).where(Region.name == "锦城街道")).scalar_one()
        doc = overview.overview(town, clock.today().year)
        assert doc["total"]["assets_idle_value"] > 0 and doc["total"]["receivables_overdue"] > 0
        idle = next(i for i in doc["health"]["indicators"] if i["code"] == "idle_assets")
        assert idle["value"] is not None and idle["score"] is not None
        own = {f.region_id: (f.doc_no, f.name) for f in db.session.query(Fund) if f.source_level == "township"}
        names = {name for _, name in own.values()}
        assert len({doc_no for doc_no, _ in own.values()}) == len(own) == 2 and names == {"街道办公经费", "乡镇办公经费"}
        for ref_no, name in db.session.execute(select(Project.ref_no, Project.name)):
            if name[:4].isdigit():
                assert ref_no.split("-")[1] == name[:4], (ref_no, name)
        for rect in db.session.query(Rectification):
            assert rect.created_at.date() <= rect.due_on, (rect.id, rect.created_at, rect.due_on)
        db.session.rollback()
