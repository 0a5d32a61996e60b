"""一屏智报: the periodic reports. Each kind as PDF and Excel for a region and period, generated as a
job (202, progress, download); its text (pdftotext) names the region and the period and carries the
cockpit's own figures (GET /api/v1/overview/<id>); the PDF embeds a CJK font; the Excel totals equal
the cockpit's; the same cut-off gives the same rows hash and a regeneration is a new version; the
monthly schedule fills the library and tells the supervisor; bad input and forbidden access are
refused and change nothing."""
import hashlib
import io
import re
import subprocess
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from backend.reports import data as report_data
from conftest import TODAY, assert_error, held, run_held

KINDS = ("funds", "subsidies", "warnings", "inspections", "assets", "health")


def rebuild(app):
    from backend.extensions import db
    from backend.overview import summary
    with app.app_context():
        summary.rebuild()
        db.session.commit()


@pytest.fixture
def township(app, world):
    """A township of its own under 临安 with a village, a fund issued in October (arrived, allocated)
    and spent in November, so its monthly figures are known."""
    from backend.core.models import Region, User
    from backend.extensions import db
    from backend.funds import services as funds
    with app.app_context(), app.test_request_context(method="POST"):
        taken = set(db.session.execute(select(Region.code).where(Region.code.like("330112%000"))).scalars())
        # (a township's three digits: one no other test of the session has taken)
        suffix = next(s for s in (f"{uuid.uuid4().int % 900 + 100}" for _ in range(10_000))
                      if f"330112{s}000" not in taken)
        linan = db.session.get(Region, world["regions"]["linan"])
        town = Region(code=f"330112{suffix}000", name=f"报表镇{suffix}", level="township",
                      path=f"{linan.path}330112{suffix}000/", parent_id=linan.id)
        db.session.add(town)
        db.session.flush()
        code = f"330112{suffix}201"
        db.session.add(Region(code=code, name=f"报表村{suffix}", level="village", path=f"{town.path}{code}/",
                              parent_id=town.id))
        county = db.session.get(User, world["users"]["county"])
        fund = funds.create_fund(county, {
            "region_id": town.id, "doc_no": f"临财〔2026〕R{suffix}号", "name": "报表测试补助资金",
            "category": "general_transfer", "source_level": "province", "amount": Decimal("1234567.89"),
            "issued_on": TODAY - timedelta(days=50)})  # 2026-10-12
        funds.register_arrival(fund, county, TODAY - timedelta(days=40), "R-1")
        funds.allocate(fund, county, {"target": "own", "purpose": "办公经费", "amount": Decimal("600000.00"),
                                      "allocated_on": TODAY - timedelta(days=35)})
        funds.spend(fund, county, {"spent_on": TODAY - timedelta(days=20), "amount": Decimal("250000.50"),
                                   "payee": "临安区某公司", "voucher_no": f"记-R{suffix}"})  # 2026-11-11
        db.session.commit()
        return {"id": town.id, "code": town.code, "name": town.name, "fund": fund.id}


def generate(client, region_id, kind, period, fmt):
    """POST → 202 queued → (the job ran inline) done → the file's bytes and the report."""
    r = client.post("/api/v1/reports", json={"region_id": region_id, "kind": kind, "period": period, "format": fmt})
    assert r.status_code == 202, r.json
    assert r.json["status"] == "queued" and r.json["status_url"].endswith(str(r.json["id"]))
    report = client.get(r.json["status_url"]).json
    assert report["status"] == "done", report
    f = client.get(report["download_url"])
    assert f.status_code == 200
    assert f.headers["Content-Type"].startswith("application/pdf" if fmt == "pdf" else
                                                "application/vnd.openxmlformats")
    return f.data, report


def test_asking_again_while_the_same_report_waits_gives_that_one(app, world, login_as, held_jobs):
    """A double click, or a script asking sixty times, queues one job: the same report (region,
    kind, period, format) still waiting is the answer. Another format is another report; once the
    waiting one is made, asking again makes a new version."""
    client = login_as("lead")
    body = {"region_id": world["regions"]["jincheng"], "kind": "funds", "period": "2026-10", "format": "xlsx"}
    answers = [client.post("/api/v1/reports", json=body) for _ in range(5)]
    assert {(r.status_code, r.json["id"], r.json["status"]) for r in answers} == {(202, answers[0].json["id"], "queued")}
    pdf = client.post("/api/v1/reports", json={**body, "format": "pdf"})
    assert pdf.status_code == 202 and pdf.json["id"] != answers[0].json["id"]
    assert sum(name.endswith("generate_report") for name, _ in held(held_jobs)) == 2
    assert run_held(held_jobs) == 2
    assert client.get(answers[0].json["status_url"]).json["status"] == "done"
    later = client.post("/api/v1/reports", json=body)
    assert later.status_code == 202 and later.json["id"] != answers[0].json["id"]
    assert later.json["version"] == answers[0].json["version"] + 1


def pdf_text(body, tmp_path, name="r.pdf"):
    path = tmp_path / name
    path.write_bytes(body)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout, path


def money(value):
    return f"{Decimal(value):,.2f}"


def cockpit(client, region_id, year=2026):
    r = client.get(f"/api/v1/overview/{region_id}?year={year}")
    assert r.status_code == 200, r.json
    return r.json


# ---- the PDFs carry the cockpit's figures -------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_each_pdf_names_region_and_period_and_carries_the_cockpits_figures(app, world, login_as, township,
                                                                            make_rectification, kind, tmp_path):
    if kind == "warnings":
        make_rectification("approved")
    rebuild(app)
    client = login_as("county")
    linan = world["regions"]["linan"]
    doc = cockpit(client, linan)
    body, report = generate(client, linan, kind, "2026", "pdf")
    text, path = pdf_text(body, tmp_path)
    flat = re.sub(r"\s+", "", text)
    assert "临安区" in text and "2026年" in text
    assert report["rows_sha256"][:16] in flat  # the footer: hash, template, who
    assert report_data.TEMPLATE_VERSION in flat and "测试county" in flat
    total = doc["total"]
    expect = {
        "funds": [money(total[n]) for n in ("funds_issued", "funds_arrived", "funds_allocated", "funds_spent")],
        "subsidies": [money(total["subsidy_paid"])],
        # (the ledger's year is China's, and so is the cockpit's)
        "warnings": [f"预警{_warnings_of_china_year(app, linan, 2026, report['cut_off_at'])}条"],
        "inspections": [f"{int(Decimal(total['inspections'])):,}"],
        "assets": [money(total["assets_value"]), money(total["assets_idle_value"])],
        "health": [f"{Decimal(doc['health']['score']):,.1f}" if doc["health"]["score"] is not None else "—"],
    }[kind]
    for figure in expect:
        assert figure in flat, (kind, figure)
    if kind == "funds":
        assert money("1234567.89") in flat  # the township's fund, hop by hop
    if kind == "health":  # each township's index equals the cockpit's, on the table's line for it
        # (read as laid out: pdftotext's reading order can put a table's columns apart where the
        # table meets a page break or the chart's labels)
        layout = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                                check=True).stdout
        for child in doc["children"]:
            if child["health"]["score"] is not None:
                name, score = child["region"]["name"], f"{Decimal(child['health']['score']):.1f}"
                rows = [line for line in layout.splitlines() if line.strip().startswith(name + " ")]
                assert any(re.match(rf"\s*{re.escape(name)}\s+{re.escape(score)}\s", line) for line in rows), \
                    (name, score, rows or "name not in the table", len(doc["children"]))
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk and all(" yes yes " in line for line in cjk), fonts
    # every glyph from Noto Sans CJK SC: nothing fell back to another font (or to none)
    assert all("Noto-Sans-CJK-SC" in line for line in fonts.splitlines()[2:]), fonts


def test_monthly_report_equals_the_cockpits_month(app, world, login_as, township, tmp_path):
    """A month's flows are the cockpit's month (its trend); the township's fund shows its hops."""
    rebuild(app)
    client = login_as("county")
    doc = cockpit(client, township["id"])
    october = doc["trend"]["year"]
    body, _ = generate(client, township["id"], "funds", "2026-10", "pdf")
    text, _ = pdf_text(body, tmp_path)
    flat = re.sub(r"\s+", "", text)
    assert f"{township['name']}2026年10月资金通达情况表" in flat
    assert money(october["funds_issued"][9]) == money("1234567.89") and money("1234567.89") in flat
    assert money(october["funds_allocated"][9]) in flat
    body, _ = generate(client, township["id"], "funds", "2026-11", "xlsx")
    total = _total_row(body, 0)
    assert total["已支出资金 Funds spent"] == Decimal("250000.50") == Decimal(october["funds_spent"][10])
    assert total["下达资金 Funds issued"] == Decimal("0.00")


def _total_row(body, sheet=0):
    from openpyxl import load_workbook
    book = load_workbook(io.BytesIO(body))
    ws = book.worksheets[sheet]
    rows = list(ws.iter_rows(values_only=True))
    header = rows[4]
    return {h: (Decimal(str(v)) if isinstance(v, (int, float, Decimal)) else v) for h, v in zip(header, rows[-1])}


def test_excel_totals_equal_the_cockpits(app, world, login_as, township):
    rebuild(app)
    client = login_as("county")
    linan = world["regions"]["linan"]
    doc = cockpit(client, linan)
    for kind, names in (("funds", ("funds_issued", "funds_arrived", "funds_allocated", "funds_spent",
                                   "funds_unspent", "funds_idle")),
                        ("subsidies", ("subsidy_paid", "subsidy_paid_count", "subsidy_failed", "cases_filed")),
                        ("assets", ("assets", "assets_value", "assets_idle_value", "receivables_overdue"))):
        body, _ = generate(client, linan, kind, "2026", "xlsx")
        total = _total_row(body)
        for name in names:
            zh, en = doc["figures"][name]["zh"], doc["figures"][name]["en"]
            assert total[f"{zh} {en}"] == Decimal(doc["total"][name]), (kind, name)
    # and every child's row is the cockpit's child
    body, _ = generate(client, linan, "funds", "2026", "xlsx")
    from openpyxl import load_workbook
    rows = list(load_workbook(io.BytesIO(body)).worksheets[0].iter_rows(values_only=True))[5:-1]
    by_name = {r[0]: r for r in rows}
    for child in doc["children"]:
        assert Decimal(str(by_name[child["region"]["name"]][1])) == Decimal(child["total"]["funds_issued"])


# ---- reproducible --------------------------------------------------------------------------------------

def test_same_cut_off_same_hash_and_a_regeneration_is_a_new_version(app, world, login_as, township):
    rebuild(app)
    client = login_as("county")
    first_body, first = generate(client, township["id"], "funds", "2026-10", "xlsx")
    second_body, second = generate(client, township["id"], "funds", "2026-10", "xlsx")
    assert second["version"] == first["version"] + 1 and second["id"] != first["id"]
    assert second["rows_sha256"] == first["rows_sha256"]
    # the first one is as it was issued
    again = client.get(f"/api/v1/reports/{first['id']}/file").data
    assert hashlib.sha256(again).hexdigest() == first["file_sha256"] == hashlib.sha256(first_body).hexdigest()
    library = client.get(f"/api/v1/reports?region_id={township['id']}&period=2026-10").json
    assert [r["version"] for r in library["items"]] == [second["version"], first["version"]]
    assert library["last_month"] == "2026-11" and len(library["kinds"]) == 6


def test_cli_makes_the_same_report_and_the_same_hash(app, world, township, make_rectification, tmp_path):
    from backend.extensions import db
    from backend.reports import data, periods
    from backend.core.models import Region
    make_rectification("approved")
    rebuild(app)
    runner = app.test_cli_runner()
    cut = "2026-12-01T02:00:00+00:00"
    out = tmp_path / "w.pdf"
    r1 = runner.invoke(args=["report", "330112000000", "--kind", "warnings", "--period", "2026-12",
                             "--format", "pdf", "--out", str(out), "--cut-off", cut])
    assert r1.exit_code == 0, r1.output
    r2 = runner.invoke(args=["report", "330112000000", "--kind", "warnings", "--period", "2026-12",
                             "--format", "xlsx", "--out", str(tmp_path / "w.xlsx"), "--cut-off", cut])
    assert r2.exit_code == 0, r2.output
    hash1, hash2 = (r.output.split("rows-sha256 ")[1].strip() for r in (r1, r2))
    assert hash1 == hash2 and out.read_bytes().startswith(b"%PDF")
    with app.app_context():
        region = db.session.execute(db.select(Region).where(Region.code == "330112000000")).scalar_one()
        doc = data.build("warnings", region, periods.parse("2026-12"), clock_at(cut))
        assert doc["rows_sha256"] == hash1
        # a warning found after the cut-off is not in a report made with that cut-off
        early = data.build("warnings", region, periods.parse("2026-12"), clock_at("2026-11-30T00:00:00+00:00"))
        assert early["tables"][0]["rows"] == [] and early["rows_sha256"] != hash1
    bad = runner.invoke(args=["report", "330112000000", "--kind", "nope", "--period", "2026-12", "--out",
                              str(tmp_path / "x.pdf")])
    assert bad.exit_code != 0 and "No such report" in bad.output


def test_a_long_table_prints_its_first_lines_and_says_the_rest_are_in_the_excel(app, world, login_as,
                                                                              make_rectification, tmp_path,
                                                                              monkeypatch):
    """REPORTS_PDF_MAX_ROWS: a PDF lays out about ten rows a second, so a province's yearly ledger is
    cut to its first lines with a note; the total and the hash still count every line, and the Excel
    file has them all."""
    from openpyxl import load_workbook
    for _ in range(3):
        make_rectification()
    rebuild(app)
    monkeypatch.setitem(app.config, "REPORTS_PDF_MAX_ROWS", 2)
    client = login_as("county")
    linan = world["regions"]["linan"]
    body, report = generate(client, linan, "warnings", "2026", "pdf")
    text, _ = pdf_text(body, tmp_path)
    flat = re.sub(r"\s+", "", text)
    _, workbook = generate(client, linan, "warnings", "2026", "xlsx")
    book_body = client.get(workbook["download_url"]).data
    ledger = load_workbook(io.BytesIO(book_body)).worksheets[0]
    lines = [r for r in ledger.iter_rows(min_row=6, values_only=True) if r[0] and str(r[0]).startswith(("W", "R"))]
    assert len(lines) > 3
    assert f"以下{len(lines) - 2:,}行未列入PDF" in flat and f"{len(lines) - 2:,}morelinesareintheExcelfileonly" in flat
    assert f"预警{_warnings_of_china_year(app, linan, 2026, report['cut_off_at'])}条" in flat  # the total: every line
    assert report["rows_sha256"] == workbook["rows_sha256"]


def test_a_report_job_holds_no_write_lock_while_it_renders(app, world, login_as, monkeypatch):
    """A long PDF renders for minutes: on SQLite the job must not keep the one write lock meanwhile
    (a worker's job begins its transactions by taking it), or every write of every user waits."""
    import sqlite3
    from backend.extensions import db
    from backend.reports import services
    real, seen = services.render_body, {}

    def rendering(*args, **kwargs):
        with app.app_context():
            url = db.engine.url
        if url.get_backend_name() == "sqlite":
            other = sqlite3.connect(url.database, timeout=0, isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
                seen["other_writer"] = "ok"
            except sqlite3.OperationalError as error:
                seen["other_writer"] = str(error)
            finally:
                other.close()
        return real(*args, **kwargs)
    monkeypatch.setattr(services, "render_body", rendering)
    _, report = generate(login_as("county"), world["regions"]["jincheng"], "assets", "2026-11", "xlsx")
    assert report["status"] == "done"
    with app.app_context():
        if db.engine.url.get_backend_name() == "sqlite":
            assert seen["other_writer"] == "ok"


def test_a_rectification_decided_after_the_cut_off_shows_as_it_stood(app, world, make_rectification):
    """The ledger's states are those at its cut-off: approving a rectification later changes neither
    its line nor the hash of a report made again for the same cut-off."""
    from datetime import timedelta
    from backend.core import clock
    from backend.core.models import Region, User
    from backend.extensions import db
    from backend.rectifications import services as rectifications
    from backend.rectifications.models import Rectification
    from backend.reports import data, periods
    rect_id = make_rectification("submitted")
    cut = clock.now()

    def ledger(at):
        with app.app_context():
            region = db.session.get(Region, world["regions"]["jincheng"])
            doc = data.build("warnings", region, periods.parse("2026"), at)
            return doc["rows_sha256"], next(r for r in doc["tables"][0]["rows"] if r["no"].endswith(f"/R{rect_id}"))
    before, row = ledger(cut)
    assert (row["status"], row["checked_by"]) == ("待审核", "")
    clock.freeze(cut + timedelta(hours=3))
    with app.app_context(), app.test_request_context(method="POST"):
        rectifications.decide(db.session.get(Rectification, rect_id), db.session.get(User, world["users"]["lead"]),
                              "approve")
        db.session.commit()
    again, row = ledger(cut)
    assert again == before and row["status"] == "待审核"
    later, row = ledger(clock.now())
    assert row["status"] == "已通过" and row["checked_by"] and later != before


def clock_at(text):
    from datetime import datetime
    return datetime.fromisoformat(text)


# ---- the schedule --------------------------------------------------------------------------------------

def test_monthly_schedule_fills_the_library_once_and_tells_the_supervisor(app, world, login_as, monkeypatch):
    from backend.extensions import db
    from backend.reports import jobs as report_jobs, services
    monkeypatch.setitem(app.config, "REPORTS_MONTHLY_LEVELS", ("county",))
    monkeypatch.setitem(app.config, "REPORTS_MONTHLY_KINDS", ("assets",))
    monkeypatch.setitem(app.config, "REPORTS_MONTHLY_FORMATS", ("xlsx",))
    from datetime import datetime, timezone
    assert report_jobs.monthly_due(app.config, datetime(2026, 12, 1, 0, 0, tzinfo=timezone.utc))
    assert not report_jobs.monthly_due(app.config, datetime(2026, 12, 5, 0, 0, tzinfo=timezone.utc))
    with app.app_context(), app.test_request_context(method="POST"):
        first = services.schedule_monthly()
        db.session.commit()
        again = services.schedule_monthly()
        db.session.commit()
    assert first >= 1 and again == 0
    client = login_as("county")
    library = client.get(f"/api/v1/reports?region_id={world['regions']['linan']}&period=2026-11").json
    # (other tests of the session may have run the schedule with every kind: this kind is there once)
    scheduled = [r for r in library["items"] if r["scheduled"] and (r["kind"], r["format"]) == ("assets", "xlsx")]
    assert [(r["kind"], r["format"], r["status"]) for r in scheduled] == [("assets", "xlsx", "done")]
    assert scheduled[0]["created_by"] is None
    from backend.notifications.models import Notification
    with app.app_context():  # (the county's inbox holds the whole session's messages: asked by kind)
        told = db.session.execute(db.select(Notification.title_zh).where(
            Notification.user_id == world["users"]["county"], Notification.kind == "reports_monthly")).scalars().all()
    assert any("2026年11月" in title for title in told)


# ---- refused -------------------------------------------------------------------------------------------

def _count(app, region_id):
    from backend.extensions import db
    from backend.reports.models import Report
    with app.app_context():
        return db.session.query(Report).filter(Report.region_id == region_id).count()


@pytest.mark.parametrize("change, code, path", [
    ({"kind": "budget"}, "unknown_report_kind", "json.kind"),
    ({"period": "2026-13"}, "bad_period", "json.period"),
    ({"period": "2026-Q5"}, "bad_period", "json.period"),
    ({"period": "26-11"}, "bad_period", "json.period"),
    ({"period": "2027-01"}, "period_in_future", "json.period"),
    ({"period": "٢٠٢٦-11"}, "bad_period", "json.period"),  # (Arabic-Indic digits: \d matched them, int() read them)
    ({"format": "docx"}, "unknown_report_format", "json.format"),
    ({"region_id": "x"}, "validation_error", "json.region_id"),
    ({"kind": None}, "validation_error", "json.kind"),
])
def test_bad_input_is_refused_and_changes_nothing(app, world, login_as, change, code, path):
    client = login_as("county")
    region_id = world["regions"]["jincheng"]
    before = _count(app, region_id)
    body = {"region_id": region_id, "kind": "funds", "period": "2026-11", "format": "pdf", **change}
    r = client.post("/api/v1/reports", json=body)
    assert_error(r, 400, code, path)
    assert r.json["error"]["message"]["zh"] and r.json["error"]["message"]["en"]
    assert _count(app, region_id) == before


def test_a_period_in_full_width_digits_is_the_same_period(app, world, login_as):
    """２０２６-11 is 2026-11: it was kept as its own period, a library entry and version line apart."""
    client = login_as("county")
    region_id = world["regions"]["jincheng"]
    _, first = generate(client, region_id, "assets", "2026-11", "xlsx")
    _, again = generate(client, region_id, "assets", "２０２６-１１", "xlsx")
    assert (again["period"], again["version"]) == ("2026-11", first["version"] + 1)


def test_the_first_month_a_report_can_have_is_made_not_failed(app, world, login_as):
    """The health report compares with the period before: 2000-01's is 1999-12, which is no period
    one may ask for — the job failed on it after the 202."""
    generate(login_as("county"), world["regions"]["jincheng"], "health", "2000-01", "xlsx")


def test_a_failed_report_says_so_and_keeps_the_cause_to_the_log(app, world, login_as, monkeypatch):
    """A report whose job failed showed the exception's own text (a database error's statement and
    values) as its ``error``, and its file was "not ready yet" for ever."""
    from backend.reports import services

    def broken(*args, **kwargs):
        raise RuntimeError("(psycopg.errors.X) SELECT id_enc FROM beneficiaries WHERE id = 42")
    monkeypatch.setattr(services, "render_body", broken)
    client = login_as("county")
    r = client.post("/api/v1/reports", json={"region_id": world["regions"]["jincheng"], "kind": "assets",
                                             "period": "2026-11", "format": "xlsx"})
    report = client.get(r.json["status_url"]).json
    assert report["status"] == "failed" and "SELECT" not in report["error"], report
    assert "重新生成" in report["error"]
    assert_error(client.get(f"/api/v1/reports/{report['id']}/file"), 409, "report_failed")


def test_library_bad_input(app, world, login_as):
    client = login_as("county")
    assert_error(client.get(f"/api/v1/reports?region_id={world['regions']['linan']}&kind=x"), 400,
                 "unknown_report_kind", "query.kind")
    assert_error(client.get("/api/v1/reports"), 400, "validation_error", "query.region_id")
    assert_error(client.get("/api/v1/reports/999999999"), 404, "not_found")


def test_forbidden(app, world, login_as):
    county = login_as("county")
    _, report = generate(county, world["regions"]["jincheng"], "assets", "2026-11", "xlsx")
    sibling = login_as("county_sibling")
    assert_error(sibling.get(f"/api/v1/reports/{report['id']}/file"), 403, "out_of_scope")
    assert_error(sibling.get(f"/api/v1/reports?region_id={world['regions']['linan']}"), 403, "out_of_scope")
    before = _count(app, world["regions"]["linan"])
    assert_error(sibling.post("/api/v1/reports", json={"region_id": world["regions"]["linan"], "kind": "funds",
                                                        "period": "2026-11", "format": "pdf"}), 403, "out_of_scope")
    assert _count(app, world["regions"]["linan"]) == before
    assert_error(login_as("inspector").get(f"/api/v1/reports/{report['id']}"), 403, "role_forbidden")
    assert_error(login_as(None).get(f"/api/v1/reports/{report['id']}"), 401, "unauthenticated")


def _warnings_of_china_year(app, region_id, year, cut_off):
    """As the ledger counts them: first seen in China's year, and by the report's cut-off (other tests of
    the session move the clock on and leave warnings first seen later in the year)."""
    from datetime import datetime
    from backend.core import clock
    from backend.core.models import Region
    from backend.extensions import db
    from backend.risks.models import RiskWarning
    lo = datetime(year, 1, 1, tzinfo=clock.CHINA)
    hi = datetime(year + 1, 1, 1, tzinfo=clock.CHINA)
    with app.app_context():
        path = db.session.get(Region, region_id).path
        return db.session.scalar(select(func.count(RiskWarning.id)).join(Region, Region.id == RiskWarning.region_id)
                                 .where(Region.path.startswith(path), RiskWarning.first_seen_at >= lo,
                                        RiskWarning.first_seen_at < hi,
                                        RiskWarning.first_seen_at <= datetime.fromisoformat(cut_off)))


def test_subsidies_by_policy_and_village_and_by_region_above_the_county(app, world, login_as):
    """The seeded 钱王社区 payments: March's by policy and village for the township, and the same
    rolled up to 临安区 in the city's report; the first table's total is the cockpit's."""
    from subsidy_seed import seed
    from openpyxl import load_workbook
    seed(app, world)
    rebuild(app)
    client = login_as("city")
    body, _ = generate(client, world["regions"]["jincheng"], "subsidies", "2026-03", "xlsx")
    rows = list(load_workbook(io.BytesIO(body)).worksheets[1].iter_rows(values_only=True))
    assert rows[4][:4] == ("补贴政策 Policy", "村（社区） Village", "人数 People", "发放金额 Amount paid")
    by_policy = {r[0]: r for r in rows[5:-1] if r[1] == "锦城街道·钱王社区"}
    land = by_policy["耕地地力保护补贴"]
    assert (land[2], Decimal(str(land[3])), land[4], land[6]) == (1, Decimal("1020.00"), 1, 1)  # 1 pending
    assert land[8] >= 2  # the notice's lines of March
    pension = by_policy["城乡居民基础养老金"]
    # (other tests of the session import the same seed: each time one more 230 yuan pension in March)
    paid = Decimal(str(pension[3]))
    assert pension[2] >= 1 and paid >= Decimal("230.00") and paid % Decimal("230.00") == 0 and pension[5] == 0  # April's failure is not March's
    body, _ = generate(client, world["regions"]["hz"], "subsidies", "2026-03", "xlsx")
    book = load_workbook(io.BytesIO(body))
    rows = list(book.worksheets[1].iter_rows(values_only=True))
    assert rows[4][1] == "地区 Region" and "临安区" in {r[1] for r in rows[5:-1]}
    doc = cockpit(client, world["regions"]["hz"])
    march_paid = Decimal(doc["trend"]["year"]["subsidy_paid"][2])
    assert _total_row(body, 0)["补贴发放金额 Subsidies paid"] == march_paid >= Decimal("1250.00")


def test_a_long_table_splits_across_pages_with_its_header_repeated(app, tmp_path):
    """Page 2 of a long table has the running header, the table's column header again and its page
    number; money has thousands separators; the page renders (pdftoppm) for a look."""
    from datetime import datetime, timezone
    from backend.reports import data, render
    columns = [data.col("name", "资金名称", "Fund"), data.col("amount", "金额", "Amount", "money")]
    rows = [{"name": f"第{i}笔补助资金", "amount": Decimal("1234567.8") + i} for i in range(90)]
    doc = {"kind": "funds", "title_zh": "资金通达情况表", "title_en": "Fund reach",
           "region": {"name": "长表县", "code": "330199000000", "id": 0},
           "period": {"code": "2026-11", "zh": "2026年11月", "en": "November 2026"},
           "tables": [data._table("明细", "Detail", columns, rows)], "chart": None, "totals": {},
           "template_version": data.TEMPLATE_VERSION, "cut_off": datetime(2026, 12, 1, 2, tzinfo=timezone.utc)}
    doc["rows_sha256"] = data.rows_hash(doc)
    with app.app_context():
        body = render.pdf(doc, {"at": datetime(2026, 12, 1, 2, tzinfo=timezone.utc), "by": "测试"})
    path = tmp_path / "long.pdf"
    path.write_bytes(body)
    second = subprocess.run(["pdftotext", "-f", "2", "-l", "2", str(path), "-"], capture_output=True, text=True,
                            check=True).stdout
    flat = re.sub(r"\s+", "", second)
    assert "长表县·2026年11月·资金通达情况表" in flat and "第2页" in flat
    first_row = re.search(r"第\d+笔补助资金", flat)
    assert first_row and first_row.group(0) != "第0笔补助资金"  # a later row starts page 2 …
    assert "资金名称" in flat[:first_row.start()] and "Fund" in flat[:first_row.start()]  # … under the header again
    assert re.search(r"1,234,\d{3}\.80", flat)  # money with separators
    assert doc["rows_sha256"][:16] in flat
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", "2", "-l", "2", str(path), str(tmp_path / "p")], check=True)
    assert list(tmp_path.glob("p*.png"))


def test_ids_out_of_range_are_a_validation_error(app, world, login_as):
    client = login_as("county")
    assert_error(client.get("/api/v1/reports?region_id=3622475812738188781289472"), 400, "validation_error",
                 "query.region_id")
    assert_error(client.post("/api/v1/reports", json={"region_id": 2**40, "kind": "funds", "period": "2026-11",
                                                       "format": "pdf"}), 400, "validation_error", "json.region_id")
    assert_error(client.get(f"/api/v1/reports/{2**40}"), 404, "not_found")


def test_a_closed_months_states_are_those_kept_when_it_closed(app, world, township):
    """Within the hour after a month closes its state figures are kept (once); the month's report —
    made then or again later, after the states have moved — reads them, says so, and hashes the same;
    a period not yet closed reads the states now."""
    from datetime import datetime, timezone
    from backend.core import clock
    from backend.core.models import Region, User
    from backend.extensions import db
    from backend.funds import services as funds
    from backend.funds.models import Fund
    from backend.overview import snapshots
    from backend.reports import data, periods, render
    rebuild(app)
    pinned = clock.now()

    def report(period):
        with app.app_context():
            doc = data.build("funds", db.session.get(Region, township["id"]), periods.parse(period), clock.now())
            return doc, doc["tables"][0]["total"]["funds_unspent"]  # the township's 辖区

    clock.freeze(datetime(2026, 8, 31, 16, 2, tzinfo=timezone.utc))  # 00:02 on 1 September in China
    try:
        with app.app_context():
            assert snapshots.last_closed_month() == (2026, 8)
            assert snapshots.due(app.config, clock.now())
            assert snapshots.take(2026, 8) is True and snapshots.take(2026, 8) is False  # once
            db.session.commit()
    finally:
        clock.freeze(pinned)
    kept, unspent = report("2026-08")
    assert unspent == Decimal("984567.39")  # 1,234,567.89 arrived − 250,000.50 spent
    assert kept["states_as_of"] == datetime(2026, 8, 31, 16, 2, tzinfo=timezone.utc)
    assert "期末留存" in render.states_line(kept) and "2026-09-01 00:02" in render.states_line(kept)

    with app.app_context(), app.test_request_context(method="POST"):  # the states move on
        funds.spend(db.session.get(Fund, township["fund"]), db.session.get(User, world["users"]["county"]),
                    {"spent_on": TODAY - timedelta(days=1), "amount": Decimal("4567.39"), "payee": "临安区某公司",
                     "voucher_no": f"记-S{township['code'][6:9]}"})
        db.session.commit()
    rebuild(app)
    again, unspent = report("2026-08")
    assert unspent == Decimal("984567.39") and again["rows_sha256"] == kept["rows_sha256"]
    now, unspent = report("2026")  # the year has not closed: states now
    assert unspent == Decimal("980000.00") and now["states_as_of"] is None
    assert "生成时" in render.states_line(now)


def test_a_report_made_again_for_its_cut_off_has_the_same_figures_whatever_changed(app, world, township,
                                                                                   tmp_path):
    """`flask report --cut-off … --again` renders the rows kept when the report of that minute was made
    (given in China time, as its footer prints it): a state that moved since (money spent) does not move
    the report; without --again the data is read anew; a minute with no report is refused."""
    from backend.core.models import User
    from backend.extensions import db
    from backend.funds import services as funds
    from backend.funds.models import Fund
    rebuild(app)
    runner = app.test_cli_runner()
    code = township["code"]

    def run(*extra):
        r = runner.invoke(args=["report", code, "--kind", "funds", "--period", "2026", "--format", "xlsx",
                                "--out", str(tmp_path / "f.xlsx"), *extra])
        return r.exit_code, r.output

    status, first = run("--cut-off", "2026-12-01T09:30:00+08:00")
    assert status == 0, first
    with app.app_context(), app.test_request_context(method="POST"):
        funds.spend(db.session.get(Fund, township["fund"]), db.session.get(User, world["users"]["county"]),
                    {"spent_on": TODAY - timedelta(days=1), "amount": Decimal("4567.39"), "payee": "临安区某公司",
                     "voucher_no": f"记-A{code[6:9]}"})
        db.session.commit()
    rebuild(app)
    status, again = run("--cut-off", "2026-12-01T09:30", "--again")  # China time, as the footer prints it
    assert status == 0 and again.split("rows-sha256 ")[1] == first.split("rows-sha256 ")[1], again
    status, anew = run("--cut-off", "2026-12-01T09:30")  # read anew: the money spent since shows …
    assert status == 0 and anew.split("rows-sha256 ")[1] != first.split("rows-sha256 ")[1]
    status, kept = run("--cut-off", "2026-12-01T09:30", "--again")  # … and the first report stays the one kept
    assert kept.split("rows-sha256 ")[1] == first.split("rows-sha256 ")[1]
    status, refused = run("--cut-off", "2026-12-01T09:31", "--again")
    assert status != 0 and "report_rows_not_kept" not in refused and "没有生成过" in refused
    status, bad = run("--cut-off", "昨天", "--again")
    assert status != 0 and "not a time" in bad
