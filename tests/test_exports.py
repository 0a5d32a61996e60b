"""Export of every list (issue 14): the list's own filters, CSV with a BOM and Excel, Chinese and
English headers, formula cells escaped, money exact, personal data masked unless revealed (audited)."""
import csv
import io
import uuid
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from conftest import assert_error, set_project

INJECTED = "=HYPERLINK(\"http://evil\",\"x\")"


def rows_of(r):
    """The CSV answer as rows (after checking the BOM and the type)."""
    assert r.status_code == 200, r.get_data()[:500]
    assert r.mimetype == "text/csv"
    body = r.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def sheet_of(r):
    """The Excel answer's first sheet as rows of values (two header rows first)."""
    assert r.status_code == 200, r.get_data()[:500]
    assert r.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(r.get_data()))
    ws = book.worksheets[0]
    return ws, [list(row) for row in ws.iter_rows(values_only=True)]


def column(rows, header_start):
    """Index of the column whose (CSV) header starts with ``header_start``."""
    return next(i for i, h in enumerate(rows[0]) if h.startswith(header_start))


# ---- projects ---------------------------------------------------------------------------------------

def test_projects_csv_same_filters_escaped_and_bilingual(app, world, login_as, make_project):
    word = f"导出{uuid.uuid4().hex[:6]}"
    a = make_project(name=f"{word}甲", stage="contracted", budget="1234.5")
    make_project(name=f"{word}乙")  # approved: filtered out by stage
    make_project(name=f"{word}丙", region="baisha", stage="contracted")  # outside the lead's township
    set_project(app, a, contractor=INJECTED)
    rows = rows_of(login_as("lead").get(f"/api/v1/projects/export?format=csv&q={word}&stage=contracted"))
    assert rows[0][0] == "项目编号 Reference no." and rows[0][1] == "项目名称 Project"
    assert len(rows) == 2 and rows[1][1] == f"{word}甲"
    assert rows[1][column(rows, "承建单位")] == "'" + INJECTED
    assert rows[1][column(rows, "预算")] == "1234.50"
    assert rows[1][column(rows, "阶段")] == "合同"
    assert rows[1][column(rows, "乡镇")] == "锦城街道"
    # the county sees both townships' contracted ones
    rows = rows_of(login_as("county").get(f"/api/v1/projects/export?format=csv&q={word}&stage=contracted"))
    assert len(rows) == 3


def test_projects_xlsx_money_exact_and_text_cells(app, world, login_as, make_project):
    word = f"导出{uuid.uuid4().hex[:6]}"
    a = make_project(name=f"{word}甲", stage="contracted", budget="98765432.1")
    set_project(app, a, contractor="+SUM(1,2)")
    r = login_as("county").get(f"/api/v1/projects/export?format=xlsx&q={word}")
    assert "filename*=UTF-8''%E9%A1%B9%E7%9B%AE" in r.headers["Content-Disposition"]
    ws, rows = sheet_of(r)
    assert rows[0][1] == "项目名称" and rows[1][1] == "Project"
    assert len(rows) == 3
    budget = rows[0].index("预算（元）")
    assert rows[2][budget] == 98765432.1
    cell = ws.cell(row=3, column=budget + 1)
    assert cell.number_format == "#,##0.00" and cell.data_type == "n"
    contractor = rows[0].index("承建单位")
    assert rows[2][contractor] == "'+SUM(1,2)" and ws.cell(row=3, column=contractor + 1).data_type == "s"


def test_projects_export_many_batches_in_order(app, world, login_as, make_project, monkeypatch):
    from backend.core import export
    monkeypatch.setattr(export, "BATCH", 2)
    word = f"分批{uuid.uuid4().hex[:6]}"
    ids = [make_project(name=f"{word}{i}", payments=False) for i in range(5)]
    listed = [p["name"] for p in login_as("lead").get(f"/api/v1/projects?q={word}&per_page=100").json["items"]]
    rows = rows_of(login_as("lead").get(f"/api/v1/projects/export?format=csv&q={word}"))
    assert [r[1] for r in rows[1:]] == listed and len(listed) == len(ids)
    ws, xrows = sheet_of(login_as("lead").get(f"/api/v1/projects/export?format=xlsx&q={word}"))
    assert [r[1] for r in xrows[2:]] == listed


def test_projects_export_bad_input(world, login_as):
    lead = login_as("lead")
    assert_error(lead.get("/api/v1/projects/export"), 400, "validation_error", "query.format")
    assert_error(lead.get("/api/v1/projects/export?format=pdf"), 400, "validation_error", "query.format")
    assert_error(lead.get("/api/v1/projects/export?format=csv&stage=flying"), 400, "validation_error",
                 "query.stage")
    assert_error(lead.get(f"/api/v1/projects/export?format=csv&region_id={world['regions']['taihuyuan']}"),
                 403, "out_of_scope")


# ---- warnings ---------------------------------------------------------------------------------------

def test_warnings_export_filters_and_escapes(app, world, login_as, make_warning):
    from backend.extensions import db
    from backend.risks.models import RiskWarning
    warning_id, project_id = make_warning()
    with app.app_context():
        db.session.get(RiskWarning, warning_id).evidence  # (exists)
        from backend.projects.models import Project
        db.session.get(Project, project_id).name = "@SUM(A1:A9)"
        db.session.commit()
    county = login_as("county")
    url = f"/api/v1/risks/export?project_id={project_id}&rule=stage_overdue&status=all"
    rows = rows_of(county.get(url + "&format=csv"))
    assert rows[0][0] == "编号 No." and len(rows) == 2
    assert rows[1][0] == str(warning_id) and rows[1][column(rows, "项目")] == "'@SUM(A1:A9)"
    assert rows[1][column(rows, "级别")] in ("红", "橙", "黄") and rows[1][column(rows, "规则")]
    listed = county.get(url.replace("/risks/export", "/risks")).json["items"]
    assert [w["id"] for w in listed] == [warning_id]
    ws, xrows = sheet_of(county.get(url + "&format=xlsx"))
    assert xrows[1][0] == "No." and xrows[2][0] == warning_id and xrows[2][xrows[0].index("项目")] == "'@SUM(A1:A9)"
    # filters: another level finds nothing; a sibling's region is out of scope
    other = {"red": "yellow"}.get(listed[0]["level"], "red")
    assert len(rows_of(county.get(url + f"&format=csv&level={other}"))) == 1
    assert_error(login_as("lead").get(f"/api/v1/risks/export?format=csv&region_id={world['regions']['taihuyuan']}"),
                 403, "out_of_scope")
    assert_error(county.get("/api/v1/risks/export?format=csv&level=purple"), 400, "validation_error", "query.level")
    assert_error(county.get("/api/v1/risks/export?format=docx"), 400, "validation_error", "query.format")


# ---- payments and beneficiaries (masked unless revealed) ---------------------------------------------

def _payments(app, world, n=3, region="qianwang", name="=1+2"):
    """A fresh policy with ``n`` payments to fresh people; returns (policy id, [(person name, id number, card)])."""
    from backend.core import pii
    from backend.extensions import db
    from backend.subsidies.models import Beneficiary, Disbursement, SubsidyPolicy
    out = []
    with app.app_context():
        tag = uuid.uuid4().hex
        policy = SubsidyPolicy(region_id=world["regions"]["linan"], year=2026, name=f"导出补贴{tag[:6]}",
                               category="测试", standard_amount=Decimal("100"), unit="元/人")
        db.session.add(policy)
        db.session.flush()
        for i in range(n):
            tag = uuid.uuid4().hex
            number = f"330100{int(tag[:12], 16) % 10**12:012d}"
            card = f"6217{int(tag[12:24], 16) % 10**15:015d}"
            person_name = name if i == 0 else f"导出{tag[:4]}"
            person = Beneficiary(region_id=world["regions"][region], name=person_name,
                                 id_enc=pii.encrypt(number, "id_number"), id_mask=pii.mask_id(number),
                                 id_hash=pii.blind(number, "id_number"), card_enc=pii.encrypt(card, "bank_card"),
                                 card_mask=pii.mask_card(card), card_hash=pii.blind(card, "bank_card"),
                                 household="-户主" if i == 0 else None)
            db.session.add(person)
            db.session.flush()
            db.session.add(Disbursement(region_id=person.region_id, policy_id=policy.id, beneficiary_id=person.id,
                                        period="2026-03", amount=Decimal("1234.5") + i, status="paid" if i else "failed",
                                        reason="+账户已销户" if i == 0 else None, card_enc=person.card_enc,
                                        card_mask=person.card_mask, card_hash=person.card_hash, row_key=tag))
            out.append((person_name, number, card))
        db.session.commit()
        return policy.id, out


def test_payments_export_masked_filtered_and_money(app, world, login_as):
    policy_id, people = _payments(app, world)
    lead = login_as("lead")
    rows = rows_of(lead.get(f"/api/v1/subsidies/disbursements/export?format=csv&policy_id={policy_id}"))
    assert len(rows) == 4 and rows[0][column(rows, "金额")] == "金额（元） Amount (CNY)"
    body = "\n".join(",".join(r) for r in rows)
    for name, number, card in people:
        assert number not in body and card not in body
    first = next(r for r in rows[1:] if r[column(rows, "状态")] == "发放失败")
    assert first[column(rows, "姓名")] != "=1+2" and not first[column(rows, "姓名")].startswith("=")
    assert first[column(rows, "失败原因")] == "'+账户已销户"
    assert first[column(rows, "金额")] == "1234.50"
    assert sorted(r[column(rows, "金额")] for r in rows[1:]) == ["1234.50", "1235.50", "1236.50"]
    # the same filters as the list
    failed = rows_of(lead.get(f"/api/v1/subsidies/disbursements/export?format=csv&policy_id={policy_id}&status=failed"))
    assert len(failed) == 2
    listed = lead.get(f"/api/v1/subsidies/disbursements?policy_id={policy_id}&status=failed").json["items"]
    assert [str(d["id"]) for d in listed] == [r[0] for r in failed[1:]]
    # a sibling township's lead sees none of them
    assert len(rows_of(login_as("lead_sibling").get(
        f"/api/v1/subsidies/disbursements/export?format=csv&policy_id={policy_id}"))) == 1
    ws, xrows = sheet_of(lead.get(f"/api/v1/subsidies/disbursements/export?format=xlsx&policy_id={policy_id}"))
    amount = xrows[0].index("金额（元）")
    assert sorted(r[amount] for r in xrows[2:]) == [1234.5, 1235.5, 1236.5]
    assert ws.cell(row=3, column=amount + 1).number_format == "#,##0.00"


def test_payments_reveal_by_role_with_reason_audited(app, world, login_as):
    from backend.core.audit import AuditLog
    from backend.extensions import db
    policy_id, people = _payments(app, world, n=2, name=f"钱{uuid.uuid4().hex[:3]}")
    url = f"/api/v1/subsidies/disbursements/export?format=csv&policy_id={policy_id}&reveal=true"
    for who in ("inspector", "province", "city"):
        assert_error(login_as(who).get(url + "&reason=核对"), 403, "reveal_not_allowed")
    assert_error(login_as("lead").get(url), 400, "reason_required", "query.reason")
    with app.app_context():
        before = db.session.query(AuditLog).filter_by(action="subsidy.reveal_export").count()
    rows = rows_of(login_as("lead").get(url + "&reason=银行退票核对"))
    body = "\n".join(",".join(r) for r in rows)
    for name, number, card in people:
        assert name in body and number in body and card in body
    with app.app_context():
        logs = db.session.query(AuditLog).filter_by(action="subsidy.reveal_export").order_by(AuditLog.id).all()
        assert len(logs) == before + 1
        assert logs[-1].actor_id == world["users"]["lead"] and logs[-1].details["reason"] == "银行退票核对"
        assert logs[-1].details["kind"] == "disbursements"
    # the county sees the reveal in the audit log
    entries = login_as("county").get("/api/v1/audit?action=reveal&per_page=100").json["items"]
    assert any(e["action"] == "subsidy.reveal_export" for e in entries)


def test_a_revealing_export_writes_its_audit_entry_whoever_wrote_meanwhile(app, world, login_as, monkeypatch):
    """A GET that writes (the reveal's audit entry) holds SQLite's write lock from its first read: a
    deferred read could not take it once another writer had committed in between (found by the
    OpenAPI fuzz as a 500 under two workers). On PostgreSQL the other write simply goes through."""
    import sqlite3
    from backend.extensions import db
    from backend.subsidies import services
    policy_id, _ = _payments(app, world, n=1, name=f"锁{uuid.uuid4().hex[:3]}")
    real, seen = services.record_export_reveal, {}

    def meanwhile(*args, **kwargs):
        if db.engine.dialect.name == "sqlite":  # another process writes between the read and the audit
            other = sqlite3.connect(db.engine.url.database, timeout=0, isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("UPDATE regions SET name = name WHERE id = 1")
                other.execute("COMMIT")
                seen["other"] = "committed"
            except sqlite3.OperationalError as error:
                seen["other"] = str(error)
            finally:
                other.close()
        return real(*args, **kwargs)
    monkeypatch.setattr(services, "record_export_reveal", meanwhile)
    from backend.subsidies import routes
    real_rows = routes.disbursement_rows

    def streaming(*args, **kwargs):  # while the file streams, after the audit entry: others may write
        for batch in real_rows(*args, **kwargs):
            if db.engine.dialect.name == "sqlite":
                other = sqlite3.connect(db.engine.url.database, timeout=0, isolation_level=None)
                try:
                    other.execute("BEGIN IMMEDIATE")
                    other.execute("ROLLBACK")
                    seen["while_streaming"] = "ok"
                except sqlite3.OperationalError as error:
                    seen["while_streaming"] = str(error)
                finally:
                    other.close()
            yield batch
    monkeypatch.setattr(routes, "disbursement_rows", streaming)
    r = login_as("lead").get(f"/api/v1/subsidies/disbursements/export?format=csv&policy_id={policy_id}"
                             "&reveal=true&reason=核对")
    assert len(rows_of(r)) == 2
    with app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"
    if sqlite:
        assert seen["other"] == "database is locked"  # it waited for this request, not the other way round
        assert seen["while_streaming"] == "ok"


def test_beneficiaries_export_masked_and_revealed(app, world, login_as):
    name = f"导出{uuid.uuid4().hex[:4]}"
    policy_id, people = _payments(app, world, n=1, name=name)
    _, number, card = people[0]
    url = f"/api/v1/subsidies/beneficiaries/export?q={name}"
    rows = rows_of(login_as("inspector").get(url + "&format=csv"))
    assert len(rows) == 2 and rows[0][1] == "姓名 Name"
    assert rows[1][1] != name and number not in rows[1] and card not in rows[1]
    assert rows[1][column(rows, "户")] == "'-户主"
    ws, xrows = sheet_of(login_as("county").get(url + "&format=xlsx&reveal=1&reason=核实身份"))
    assert xrows[2][1:4] == [name, number, card]
    assert_error(login_as("inspector").get(url + "&format=csv&reveal=1&reason=x"), 403, "reveal_not_allowed")
    assert_error(login_as("lead").get(url + "&format=csv&reveal=maybe"), 400, "validation_error", "query.reveal")


# ---- rectifications, inspections, the audit log ------------------------------------------------------

def test_rectifications_export(app, world, login_as, make_rectification):
    from backend.extensions import db
    from backend.rectifications.models import Rectification
    rect_id = make_rectification()
    with app.app_context():
        rect = db.session.get(Rectification, rect_id)
        rect.requirement = "-2+3 补齐护栏"
        project_id = rect.project_id
        db.session.commit()
    lead = login_as("lead")
    url = f"/api/v1/rectifications/export?project_id={project_id}"
    rows = rows_of(lead.get(url + "&format=csv"))
    assert len(rows) == 2 and rows[1][0] == str(rect_id)
    assert rows[1][column(rows, "整改要求")] == "'-2+3 补齐护栏" and rows[1][column(rows, "状态")] == "待整改"
    assert len(rows_of(lead.get(url + "&format=csv&status=approved"))) == 1
    ws, xrows = sheet_of(lead.get(url + "&format=xlsx"))
    assert xrows[2][0] == rect_id and xrows[0][:2] == ["编号", "项目"]
    assert_error(lead.get(url + "&format=csv&status=lost"), 400, "validation_error", "query.status")
    assert len(rows_of(login_as("lead_sibling").get(url + "&format=csv"))) == 1


def test_inspections_export(app, world, login_as, make_project, make_inspection):
    project_id = make_project(stage="construction")
    make_inspection(project_id, findings="\t=cmd", verdict="problem")
    make_inspection(project_id)
    url = f"/api/v1/inspections/export?project_id={project_id}"
    rows = rows_of(login_as("county").get(url + "&format=csv"))
    assert len(rows) == 3 and rows[0][column(rows, "结论")] == "结论 Verdict"
    problem = next(r for r in rows[1:] if r[column(rows, "结论")] == "发现问题")
    assert problem[column(rows, "发现问题")].startswith("'")
    ws, xrows = sheet_of(login_as("county").get(url + "&format=xlsx"))
    assert len(xrows) == 4
    assert len(rows_of(login_as("inspector_sibling").get(url + "&format=csv"))) == 1
    assert_error(login_as("county").get(url + "&format=csv&flagged=perhaps"), 400, "validation_error", "query.flagged")


def test_audit_export_xlsx_and_csv(app, world, login_as):
    from backend.core import audit
    from backend.core.models import User
    from backend.extensions import db
    reason = f"=HYPERLINK(\"http://x\") {uuid.uuid4().hex[:6]}"
    with app.app_context():
        lead = db.session.get(User, world["users"]["lead"])
        audit.record(lead, "risk.dismiss", region_id=world["regions"]["jincheng"], reason=reason)
        db.session.commit()
    county = login_as("county")
    url = f"/api/v1/audit/export?action=dismiss&region_id={world['regions']['jincheng']}"
    rows = rows_of(county.get(url + "&format=csv"))
    # (the details in words, Chinese first; a formula typed as a reason stays text after its label)
    assert rows[0][0] == "时间 Time" and any(r[7] == f"原因：{reason}" for r in rows[1:])
    ws, xrows = sheet_of(county.get(url + "&format=xlsx"))
    assert xrows[1][0] == "Time" and any(r[7] == f"原因：{reason}" for r in xrows[2:])
    assert_error(login_as("lead").get(url + "&format=csv"), 403, "role_forbidden")
    assert_error(county.get(url + "&format=csv&since=2026-12-01&until=2026-11-01"), 400, "date_range_reversed", "query.until")


def test_xlsx_drops_control_characters(app, world, login_as):
    """A sign-in name typed with control characters (the audit log keeps it) cannot go into an
    .xlsx as is: the characters are dropped, the export does not fail (found by schemathesis)."""
    from backend.core import audit
    from backend.extensions import db
    odd = f"x\x00\x07y{uuid.uuid4().hex[:6]}"
    with app.app_context():
        audit.record(None, "auth.login_failed", region_id=world["regions"]["jincheng"], username=odd)
        db.session.commit()
    ws, xrows = sheet_of(login_as("county").get(
        f"/api/v1/audit/export?format=xlsx&action=sign_in&region_id={world['regions']['jincheng']}"))
    assert any(r[4] == odd.replace("\x00", "").replace("\x07", "") for r in xrows[2:])
    rows = rows_of(login_as("county").get(
        f"/api/v1/audit/export?format=csv&action=sign_in&region_id={world['regions']['jincheng']}"))
    assert len(rows) == len(xrows) - 1


def test_the_live_server_streams_from_threads(live_server, workdir):
    """gunicorn.conf.py, which `make run` and the live tests read: gthread workers, whose main loop
    keeps reporting while a thread streams a long export (a sync worker was killed at the timeout,
    mid-file: 'Response ended prematurely' at the OpenAPI fuzz's big export)."""
    import requests
    assert "Using worker: gthread" in (workdir / "gunicorn.log").read_text()
    assert requests.get(f"{live_server}/api/v1/hello", timeout=10).status_code == 200


def test_a_warning_of_a_retired_rule_is_listed_and_exported(app, world, login_as):
    """A rule renamed or retired by an upgrade leaves its warnings behind: the list and its export
    show them under the code instead of failing (the export broke mid-file on one)."""
    from backend.extensions import db
    from backend.risks.models import RiskWarning
    mark = uuid.uuid4().hex[:8]
    with app.app_context():
        db.session.add(RiskWarning(rule_code=f"retired_{mark}", subject_key=f"retired-{mark}", subject_type="region",
                                   region_id=world["regions"]["jincheng"], level="orange", status="open",
                                   evidence={}, fingerprint=mark))
        db.session.commit()
    rows = rows_of(login_as("county").get("/api/v1/risks/export?format=csv&status=all"))
    assert any(f"retired_{mark}" in ",".join(r) for r in rows)
