"""Oversight (issue 12, 一站监管): messages upward — a red warning and an overdue escalation reach the
county once each, a daily digest reaches city and province supervisors once a day; the audit-log
view; field coverage per township."""
import itertools
import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from backend.core import clock
from backend.extensions import db
from conftest import PASSWORD, PINNED, TODAY, assert_error, new_uuid, run_scan, set_project, warning_for

CODES = itertools.count(int(uuid.uuid4().int % 90) * 100 + 1)  # this session's own 3398… regions


def inbox(app, user_id, kind=None, link=None):
    from backend.notifications.models import Notification
    with app.app_context():
        stmt = select(func.count()).select_from(Notification).where(Notification.user_id == user_id)
        if kind:
            stmt = stmt.where(Notification.kind == kind)
        if link:
            stmt = stmt.where(Notification.link == link)
        return db.session.scalar(stmt)


@pytest.fixture
def own_tree(app, world):
    """A city of this test's own (under the world's province) → county → township, with a city, a
    county and a province-less set of users: the digest's numbers here are this test's alone."""
    from backend.core.auth import hash_password
    from backend.core.models import Region, User
    with app.app_context():
        n = next(CODES)
        zj = db.session.get(Region, world["regions"]["zj"])
        city = Region(code=f"3398{n:04d}0000", name=f"监督测试市{n}", level="city", parent_id=zj.id,
                      path=f"{zj.path}3398{n:04d}0000/")
        db.session.add(city)
        db.session.flush()
        county = Region(code=f"3398{n:04d}0100", name=f"监督测试县{n}", level="county", parent_id=city.id,
                        path=f"{city.path}3398{n:04d}0100/")
        db.session.add(county)
        db.session.flush()
        town = Region(code=f"3398{n:04d}0101", name=f"监督测试镇{n}", level="township", parent_id=county.id,
                      path=f"{county.path}3398{n:04d}0101/")
        db.session.add(town)
        db.session.flush()
        users = {}
        for key, role, region in (("city", "city", city), ("county", "county", county), ("lead", "township_lead", town)):
            user = User(username=f"os_{key}_{n}", display_name=f"监督{key}{n}", role=role,
                        password_hash=hash_password(PASSWORD), region_id=region.id)
            db.session.add(user)
            db.session.flush()
            users[key] = user.id
        db.session.commit()
        return {"city": city.id, "county": county.id, "town": town.id, "users": users, "n": n}


# ---- messages upward: a red warning reaches the county once ---------------------------------------

def red_warning(app, make_project):
    """A project paid in full at the contract (payment ahead of progress: red); its warning id."""
    project = make_project(stage="contracted", budget="10000.00")
    run_scan(app, "payment_ahead_of_progress")
    return warning_for(app, "payment_ahead_of_progress", f"project:{project}")["id"]


def test_red_warning_tells_the_county_once(app, world, make_project):
    from backend.risks.models import RiskWarning
    warning = red_warning(app, make_project)
    link = f"/risks/{warning}"
    assert inbox(app, world["users"]["county"], "risk_raised", link) == 1
    assert inbox(app, world["users"]["lead"], "risk_raised", link) == 1
    assert inbox(app, world["users"]["county_sibling"], link=link) == 0
    with app.app_context():
        assert db.session.get(RiskWarning, warning).county_told_at == PINNED
        # It resolves (as if rectified at other facts) and the scan finds it again: reopened.
        db.session.query(RiskWarning).filter_by(id=warning).update({"status": "resolved", "hold_fingerprint": "x"})
        db.session.commit()
    run_scan(app, "payment_ahead_of_progress")
    assert warning_for(app, "payment_ahead_of_progress", warning_subject(app, warning))["status"] == "open"
    assert inbox(app, world["users"]["lead"], "risk_raised", link) == 2  # the lead hears it again
    assert inbox(app, world["users"]["county"], "risk_raised", link) == 1  # the county: once


def warning_subject(app, warning_id):
    from backend.risks.models import RiskWarning
    with app.app_context():
        return db.session.get(RiskWarning, warning_id).subject_key


def test_orange_warning_does_not_tell_the_county(app, world, make_warning):
    warning, _ = make_warning()
    assert inbox(app, world["users"]["county"], link=f"/risks/{warning}") == 0
    assert inbox(app, world["users"]["lead"], link=f"/risks/{warning}") == 1


def test_overdue_rectification_reaches_the_county_once(app, world, make_rectification):
    from backend.rectifications.services import escalate
    rect = make_rectification("open")
    clock.freeze(PINNED + timedelta(days=10))
    for _ in range(2):  # the periodic job and `flask escalate` both ran
        with app.app_context(), app.test_request_context(method="POST"):
            escalate()
            db.session.commit()
    run_scan(app, "rectification_overdue")  # the red warning about the same fact
    county = world["users"]["county"]
    assert inbox(app, county, "rectification_escalated", f"/rectifications/{rect}") == 1
    overdue = warning_for(app, "rectification_overdue", f"rectification:{rect}")
    assert overdue is not None and overdue["status"] == "open"
    # The lead hears of the warning — alone, or with the others this scan opened in the township
    # when the moved clock made four or more overdue at once — and the county not twice.
    together = f"/risks?rule=rectification_overdue&region={world['regions']['jincheng']}"
    assert inbox(app, county, "risk_raised", f"/risks/{overdue['id']}") == 0
    assert inbox(app, county, "risk_raised", together) == 0
    lead = world["users"]["lead"]
    assert inbox(app, lead, "risk_raised", f"/risks/{overdue['id']}") + inbox(app, lead, "risk_raised", together) == 1


# ---- the daily digest ------------------------------------------------------------------------------

def seed_digest_facts(app, own_tree, make_project):
    """In the test's own township: a red and a yellow warning raised on 2026-12-01 (China), an older
    red one, and an overdue rectification."""
    from backend.core.models import User
    from backend.rectifications.models import Rectification
    from backend.risks.models import RiskWarning
    project = make_project(stage="construction")
    with app.app_context():
        for level, seen in (("red", PINNED), ("yellow", PINNED - timedelta(hours=9)),  # 2026-12-01 01:00 China
                            ("red", PINNED - timedelta(days=3))):
            db.session.add(RiskWarning(rule_code="stage_overdue", subject_key=f"digest-test:{new_uuid()}",
                                       subject_type="project", region_id=own_tree["town"], level=level,
                                       status="open", evidence={}, fingerprint="f", first_seen_at=seen,
                                       last_seen_at=seen))
        lead = db.session.get(User, own_tree["users"]["lead"])
        db.session.add(Rectification(project_id=project, region_id=own_tree["town"], requirement="补齐台账",
                                     responsible_id=lead.id, created_by_id=lead.id, due_on=TODAY - timedelta(days=2),
                                     status="open"))
        db.session.commit()


def digests_of(app, user_id):
    from backend.oversight.models import Digest
    with app.app_context():
        return [(d.day, d.body) for d in db.session.query(Digest).filter_by(user_id=user_id).order_by(Digest.day)]


def test_digest_counts_per_region_and_links(app, own_tree, make_project):
    from backend.oversight import digest
    seed_digest_facts(app, own_tree, make_project)
    with app.app_context():
        from backend.core.models import Region
        body = digest.body_for(db.session.get(Region, own_tree["city"]), date(2026, 12, 2))
    assert body["covers"] == "2026-12-01"
    [row] = body["rows"]  # the one county; the city has nothing of its own
    assert row["region"]["id"] == own_tree["county"] and not row["own"]
    assert (row["red_new"], row["yellow_new"], row["rect_overdue"], row["subsidy_failed"]) == (1, 1, 1, 0)
    assert row["links"]["overview"] == f"/overview/{own_tree['county']}"
    assert body["totals"] == {"red_new": 1, "yellow_new": 1, "rect_overdue": 1, "subsidy_failed": 0}
    with app.app_context():
        body = digest.body_for(db.session.get(Region, own_tree["city"]), date(2026, 12, 1))
    assert body["totals"]["red_new"] == 0 and body["totals"]["rect_overdue"] == 1


def test_digest_once_per_user_and_day(app, world, own_tree, make_project):
    from backend.oversight import digest
    seed_digest_facts(app, own_tree, make_project)
    city = own_tree["users"]["city"]
    for _ in range(2):  # twice: the second run sends nothing to anyone
        with app.app_context():
            digest.send(date(2026, 12, 2))
            db.session.commit()
    [(day, body)] = digests_of(app, city)
    assert day == date(2026, 12, 2) and body["totals"]["red_new"] == 1
    assert inbox(app, city, "daily_digest") == 1
    assert inbox(app, world["users"]["province"], "daily_digest") >= 1
    assert inbox(app, own_tree["users"]["county"], "daily_digest") == 0  # not a digest role
    # The CLI, the same day again and then another day.
    runner = app.test_cli_runner()
    result = runner.invoke(args=["digest", "--date", "2026-12-02"])
    assert result.exit_code == 0 and "digest sent to 0 users" in result.output, result.output
    result = runner.invoke(args=["digest", "--date", "2026-12-03"])
    assert result.exit_code == 0, result.output
    assert [d for d, _ in digests_of(app, city)] == [date(2026, 12, 2), date(2026, 12, 3)]
    assert inbox(app, city, "daily_digest") == 2
    result = runner.invoke(args=["digest", "--date", "2026-02-30"])
    assert result.exit_code == 2 and "2026-02-30" in result.output


def test_digest_roles_are_configurable(app, own_tree):
    from backend.oversight import digest
    with app.app_context():
        sent = digest.send(date(2026, 11, 20), roles=("county",))
        db.session.commit()
    assert sent >= 1
    assert [d for d, _ in digests_of(app, own_tree["users"]["county"])] == [date(2026, 11, 20)]
    assert digests_of(app, own_tree["users"]["city"]) == []


@pytest.mark.parametrize("utc,settings,due", [
    (datetime(2026, 12, 1, 0, 0), {}, True),        # 08:00 in China
    (datetime(2026, 12, 1, 0, 5), {}, False),       # only every 10 minutes
    (datetime(2026, 12, 1, 3, 40), {}, True),       # later that morning: a worker down at 8 catches up
    (datetime(2026, 11, 30, 23, 50), {}, False),    # 07:50 in China
    (datetime(2026, 12, 1, 0, 0), {"DIGEST_ENABLED": False}, False),
    (datetime(2026, 12, 1, 0, 0), {"DIGEST_ROLES": ()}, False),
    (datetime(2026, 12, 1, 0, 0), {"DIGEST_HOUR": 9}, False),
])
def test_digest_schedule(app, utc, settings, due):
    from backend.oversight import digest
    assert digest.due({**app.config, **settings}, utc) is due


def test_digest_is_a_periodic_job(app):
    from backend import jobs
    assert "backend.oversight.jobs.send_digest" in jobs._state["periodic"]


# ---- the audit-log view ----------------------------------------------------------------------------

def sign_in(app, username):
    from conftest import Client
    flask_client = app.test_client()
    r = flask_client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.json
    return Client(flask_client, r.json["csrf_token"])


def username_of(app, user_id):
    from backend.core.models import User
    with app.app_context():
        return db.session.get(User, user_id).username


@pytest.fixture
def audit_world(app, own_tree):
    """Entries in the test's own township: one of each covered kind (a reveal whose reason is a
    formula), one not covered, and one from three days before."""
    from backend.core import audit
    from backend.core.models import AuditLog, User
    with app.app_context():
        lead = db.session.get(User, own_tree["users"]["lead"])
        town = own_tree["town"]
        old = audit.record(lead, "risk.dismiss", region_id=town, reason="三天前")  # the log is appended in time
        old.at = PINNED - timedelta(days=3)
        audit.record(lead, "subsidy.reveal", region_id=town, field="id_number", reason="=HYPERLINK(\"http://x\")")
        audit.record(lead, "risk.dismiss", region_id=town, reason="误报：已核实")
        audit.record(lead, "beneficiaries.import_withdrawn", region_id=town, kind="beneficiaries", deleted=3,
                     reason="文件传错")
        audit.record(lead, "project.create", region_id=town)
        db.session.commit()
    sign_in(app, username_of(app, own_tree["users"]["lead"]))  # a real sign-in, written by the login
    return own_tree


def test_audit_lists_the_covered_kinds_of_the_region(app, audit_world, login_as):
    county = sign_in(app, username_of(app, audit_world["users"]["county"]))
    r = county.get("/api/v1/audit?per_page=100")
    assert r.status_code == 200, r.json
    mine = r.json["items"]
    assert {e["region"]["id"] for e in mine} == {audit_world["town"], audit_world["county"]}
    actions = [e["action"] for e in mine if e["region"]["id"] == audit_world["town"]]
    assert sorted(actions) == sorted(["auth.login", "risk.dismiss", "beneficiaries.import_withdrawn", "risk.dismiss",
                                      "subsidy.reveal"])  # project.create is not a kind the view shows
    reveal = next(e for e in mine if e["action"] == "subsidy.reveal")
    assert reveal["kind"] == "reveal" and reveal["action_name"]["zh"] == "查看补贴对象完整信息"
    assert reveal["details"] == {"field": "id_number", "reason": "=HYPERLINK(\"http://x\")"}
    # In words for the screen, in either language: no field or kind left as a code.
    assert reveal["note"] == {"zh": "字段：身份证号；原因：=HYPERLINK(\"http://x\")",
                              "en": "Fields: ID number; Reason: =HYPERLINK(\"http://x\")"}
    assert reveal["user"]["username"] == username_of(app, audit_world["users"]["lead"])
    assert [e["id"] for e in mine] == sorted((e["id"] for e in mine), reverse=True)  # newest first
    # Filters: kind, user, days, region.
    r = county.get("/api/v1/audit?action=dismiss")
    assert [e["details"]["reason"] for e in r.json["items"]] == ["误报：已核实", "三天前"]
    r = county.get("/api/v1/audit?action=dismiss&since=2026-12-01&until=2026-12-01")
    assert [e["details"]["reason"] for e in r.json["items"]] == ["误报：已核实"]
    r = county.get(f"/api/v1/audit?username={username_of(app, audit_world['users']['lead'])}&action=sign_in")
    assert [e["action"] for e in r.json["items"]] == ["auth.login"]
    r = county.get(f"/api/v1/audit?user_id={audit_world['users']['county']}&action=sign_in")
    assert [e["action"] for e in r.json["items"]] == ["auth.login"]
    r = county.get(f"/api/v1/audit?region_id={audit_world['town']}&action=withdraw")
    assert [e["details"] for e in r.json["items"]] == [{"kind": "beneficiaries", "deleted": 3, "reason": "文件传错"}]
    assert [e["note"]["zh"] for e in r.json["items"]] == ["数据：补贴对象；删除行数：3；原因：文件传错"]
    # Pages by key: two at a time, the same entries in the same order.
    seen, before = [], None
    while True:
        r = county.get("/api/v1/audit?per_page=2" + (f"&before={before}" if before else ""))
        seen += [e["id"] for e in r.json["items"]]
        before = r.json["next_before"]
        if before is None:
            break
    assert seen == [e["id"] for e in mine]
    # Above: the city and the province see it; beside: the world's county and the city of 宁波 do not.
    assert reveal["id"] in [e["id"] for e in sign_in(app, username_of(app, audit_world["users"]["city"]))
                            .get("/api/v1/audit?action=reveal&per_page=100").json["items"]]
    for key in ("county", "city_sibling"):
        items = login_as(key).get("/api/v1/audit?action=reveal&per_page=100").json["items"]
        assert reveal["id"] not in [e["id"] for e in items]


def test_a_failed_sign_in_is_in_the_audit_of_the_user_s_region(app, own_tree):
    username = username_of(app, own_tree["users"]["lead"])
    r = app.test_client().post("/api/v1/auth/login", json={"username": username, "password": "wrong-password-x"})
    assert r.status_code == 401
    county = sign_in(app, username_of(app, own_tree["users"]["county"]))
    items = county.get(f"/api/v1/audit?action=sign_in&region_id={own_tree['town']}").json["items"]
    assert [(e["action"], e["details"]["username"]) for e in items] == [("auth.login_failed", username)]


def test_a_failed_sign_in_under_a_name_nobody_has_is_seen_at_the_root(app, own_tree, login_as):
    """A name nobody has places the attempt in no region: the whole system's, read by those who read
    the root's log (the province, an administrator), in the list and in its exports; a county or
    city never sees it, nor does a root reader who narrows the log to a region."""
    import uuid
    guessed = f"nobody_{uuid.uuid4().hex[:10]}"
    r = app.test_client().post("/api/v1/auth/login", json={"username": guessed, "password": "wrong-password-x"})
    assert r.status_code == 401
    for key in ("province", "admin"):
        items = login_as(key).get("/api/v1/audit?action=sign_in&per_page=100").json["items"]
        mine = [e for e in items if e["details"].get("username") == guessed]
        assert [(e["action"], e["region"], e["user"]) for e in mine] == [("auth.login_failed", None, None)]
    province = login_as("province")
    csv = province.get("/api/v1/audit.csv?action=sign_in").data.decode("utf-8-sig")
    row = next(line for line in csv.splitlines() if guessed in line)
    assert row.split(",")[5] == ""  # 地区: none
    xlsx = province.get("/api/v1/audit/export?format=xlsx&action=sign_in")
    assert xlsx.status_code == 200 and guessed.encode() in zip_text(xlsx.data)
    county = sign_in(app, username_of(app, own_tree["users"]["county"]))
    for client, query in ((county, ""), (login_as("city"), ""), (province, f"&region_id={own_tree['county']}")):
        items = client.get(f"/api/v1/audit?action=sign_in&per_page=100{query}").json["items"]
        assert guessed not in [e["details"].get("username") for e in items]


def zip_text(data):
    """Every member of an xlsx (a zip) as bytes, joined (the shared strings hold the cells' text)."""
    import io
    import zipfile
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return b"".join(z.read(name) for name in z.namelist())


@pytest.mark.parametrize("query,status,code,path", [
    ("action=delete", 400, "validation_error", "query.action"),
    ("since=2026-12-05&until=2026-12-01", 400, "date_range_reversed", "query.until"),
    ("since=2026-02-30", 400, "validation_error", "query.since"),
    # (day 1 in China starts before year 1 in UTC; the day after 9999-12-31 does not exist: were 500s)
    ("since=0001-01-01", 400, "validation_error", "query.since"),
    ("until=9999-12-31", 400, "validation_error", "query.until"),
    ("per_page=500", 400, "validation_error", "query.per_page"),
    ("before=0", 400, "validation_error", "query.before"),
    ("user_id=abc", 400, "validation_error", "query.user_id"),
    ("region_id=99999999", 404, "not_found", None),
])
def test_audit_bad_input(login_as, query, status, code, path):
    for url in ("/api/v1/audit", "/api/v1/audit.csv", "/api/v1/audit/export?format=xlsx"):
        if "per_page" in query or "before" in query:
            if url != "/api/v1/audit":
                continue  # the exports have no pages
        r = login_as("county").get(f"{url}{'&' if '?' in url else '?'}{query}")
        assert_error(r, status, code, path)
        assert r.json["error"]["message"]["zh"] and r.json["error"]["message"]["en"]


def test_audit_region_outside_is_forbidden(world, login_as):
    for url in ("/api/v1/audit", "/api/v1/audit.csv"):
        assert_error(login_as("county").get(f"{url}?region_id={world['regions']['fenshui']}"), 403, "out_of_scope")
        assert_error(login_as("lead").get(url), 403, "role_forbidden")


def test_audit_csv_excel_ready_and_escaped(app, audit_world):
    import csv
    import io
    county = sign_in(app, username_of(app, audit_world["users"]["county"]))
    r = county.get(f"/api/v1/audit.csv?region_id={audit_world['town']}")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert "filename*=UTF-8''%E6%93%8D%E4%BD%9C%E6%97%A5%E5%BF%97" in r.headers["Content-Disposition"]
    body = r.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["时间", "类别", "操作", "操作人", "用户名", "地区", "对象", "原因及说明", "网络地址"]
    assert len(rows) == 1 + 5  # the sign-in, two dismissals, the withdrawal, the reveal
    reveal = next(row for row in rows if row[2] == "查看补贴对象完整信息")
    assert reveal[0] == "2026-12-01 10:00:00" and reveal[5].startswith("监督测试镇")
    # Chinese first: the details named in Chinese, the revealed field and the withdrawn kind too.
    assert reveal[7] == "字段：身份证号；原因：=HYPERLINK(\"http://x\")"
    withdrawal = next(row for row in rows if row[1] == "撤销导入")
    assert withdrawal[7] == "数据：补贴对象；删除行数：3；原因：文件传错"
    r = county.get(f"/api/v1/audit.csv?region_id={audit_world['town']}&action=reveal&until=2026-11-30")
    assert r.get_data().decode("utf-8-sig").strip().splitlines() == [",".join(rows[0])]
    # A cell that starts like a formula is text.
    r = county.get(f"/api/v1/audit.csv?region_id={audit_world['town']}&action=dismiss")
    rows = list(csv.reader(io.StringIO(r.get_data().decode("utf-8-sig"))))
    assert [row[7] for row in rows[1:]] == ["原因：误报：已核实", "原因：三天前"]


def test_audit_csv_escapes_formula_cells(app, own_tree):
    import csv
    import io
    from backend.core import audit
    from backend.core.models import User
    with app.app_context():
        lead = db.session.get(User, own_tree["users"]["lead"])
        lead.display_name = "=cmd|' /C calc'!A0"
        audit.record(lead, "risk.dismiss", region_id=own_tree["town"], reason="x")
        db.session.commit()
    county = sign_in(app, username_of(app, own_tree["users"]["county"]))
    rows = list(csv.reader(io.StringIO(county.get("/api/v1/audit.csv?action=dismiss").get_data().decode("utf-8-sig"))))
    assert rows[1][3] == "'=cmd|' /C calc'!A0"


# ---- field coverage -----------------------------------------------------------------------------------

def test_coverage_per_inspector_and_projects_not_inspected(app, own_tree, make_project):
    from backend.core.auth import hash_password
    from backend.core.models import User
    from backend.inspections.models import Inspection
    projects = {}
    for key in ("visited", "off_site", "long_ago", "never", "approved"):
        projects[key] = make_project(stage="approved" if key == "approved" else "construction", name=f"覆盖测试-{key}-{own_tree['n']}")
        set_project(app, projects[key], region_id=own_tree["town"])
    with app.app_context():
        inspectors = []
        for i in range(2):
            user = User(username=f"os_insp{i}_{own_tree['n']}", display_name=f"覆盖巡查员{i}", role="inspector",
                        password_hash=hash_password(PASSWORD), region_id=own_tree["town"])
            db.session.add(user)
            db.session.flush()
            inspectors.append(user.id)
        for key, days, off_site in (("visited", 5, False), ("visited", 12, False), ("off_site", 3, True),
                                    ("long_ago", 40, False)):
            at = PINNED - timedelta(days=days)
            db.session.add(Inspection(client_uuid=new_uuid(), project_id=projects[key], region_id=own_tree["town"],
                                      inspector_id=inspectors[0], verdict="normal", off_site=off_site,
                                      recorded_at=at, created_at=at))
        db.session.commit()
    lead = sign_in(app, username_of(app, own_tree["users"]["lead"]))
    r = lead.get(f"/api/v1/coverage/{own_tree['town']}")
    assert r.status_code == 200, r.json
    body = r.json
    assert body["days"] == 30 and body["since"] == "2026-11-01"
    rows = {row["user"]["id"]: row for row in body["inspectors"]}
    assert (rows[inspectors[0]]["inspections"], rows[inspectors[0]]["on_site"], rows[inspectors[0]]["off_site"],
            rows[inspectors[0]]["projects"], rows[inspectors[0]]["last_inspection_on"]) == (3, 2, 1, 2, "2026-11-28")
    assert rows[inspectors[1]]["inspections"] == 0 and rows[inspectors[1]]["last_inspection_on"] is None
    assert body["inspectors"][0]["user"]["id"] == inspectors[0]  # the busiest first
    listed = [p["id"] for p in body["not_inspected"]]
    assert listed == [projects["never"], projects["off_site"], projects["long_ago"]] or \
        listed == [projects["off_site"], projects["never"], projects["long_ago"]]
    assert body["not_inspected_count"] == 3 and body["projects_active"] == 4 and body["complete"]
    long_ago = next(p for p in body["not_inspected"] if p["id"] == projects["long_ago"])
    assert long_ago["last_on_site_on"] == "2026-10-22" and long_ago["days_since_on_site"] == 40
    off = next(p for p in body["not_inspected"] if p["id"] == projects["off_site"])
    assert off["last_inspection_on"] == "2026-11-28" and off["last_on_site_on"] is None
    # The county sees it too; a county is not a township.
    county = sign_in(app, username_of(app, own_tree["users"]["county"]))
    assert county.get(f"/api/v1/coverage/{own_tree['town']}").json["not_inspected_count"] == 3
    assert_error(county.get(f"/api/v1/coverage/{own_tree['county']}"), 400, "not_a_township", "path.region_id")


def test_the_cockpit_counts_inspected_projects_as_coverage_does(app, own_tree, make_project):
    """近30天现场巡查过的在建项目 on the cockpit is 巡查覆盖's count, one definition: a project under way
    with an inspection made on site in 30 days. Inspected from afar, without a position, 40 days ago
    or while only approved does not count (the cockpit counted any inspection: 4 here against 1)."""
    from backend.inspections.models import Inspection
    from backend.overview import summary
    projects = {}
    for key in ("visited", "off_site", "no_position", "long_ago", "approved", "never"):
        projects[key] = make_project(stage="approved" if key == "approved" else "construction",
                                     name=f"口径测试-{key}-{own_tree['n']}")
        set_project(app, projects[key], region_id=own_tree["town"])
    with app.app_context():
        for key, days, off_site, missing in (("visited", 5, False, False), ("visited", 2, True, False),
                                             ("off_site", 3, True, False), ("no_position", 4, False, True),
                                             ("long_ago", 40, False, False), ("approved", 6, False, False)):
            at = PINNED - timedelta(days=days)
            db.session.add(Inspection(client_uuid=new_uuid(), project_id=projects[key], region_id=own_tree["town"],
                                      inspector_id=own_tree["users"]["lead"], verdict="normal", off_site=off_site,
                                      position_missing=missing, recorded_at=at, created_at=at))
        summary.rebuild()
        db.session.commit()
    lead = sign_in(app, username_of(app, own_tree["users"]["lead"]))
    coverage = lead.get(f"/api/v1/coverage/{own_tree['town']}").json
    assert (coverage["projects_covered"], coverage["projects_active"]) == (1, 5)
    cockpit = lead.get(f"/api/v1/overview/{own_tree['town']}").json
    assert Decimal(cockpit["total"]["projects_inspected_30d"]) == coverage["projects_covered"]
    assert cockpit["figures"]["projects_inspected_30d"]["zh"] == "近30天现场巡查过的在建项目"
    assert cockpit["derived"]["inspected_30d_pct"] == "20.0"  # of the 5 under way


def test_coverage_forbidden_and_missing(world, login_as):
    assert_error(login_as("lead_sibling").get(f"/api/v1/coverage/{world['regions']['jincheng']}"), 403, "out_of_scope")
    assert_error(login_as("inspector").get(f"/api/v1/coverage/{world['regions']['jincheng']}"), 403, "role_forbidden")
    assert_error(login_as("county").get("/api/v1/coverage/99999999"), 404, "not_found")
    assert_error(login_as(None).get(f"/api/v1/coverage/{world['regions']['jincheng']}"), 401, "unauthenticated")


def test_a_supervisor_reads_their_digest(app, world, own_tree, make_project, login_as):
    from backend.oversight import digest
    seed_digest_facts(app, own_tree, make_project)
    with app.app_context():
        digest.send(date(2026, 12, 2))
        db.session.commit()
    city = sign_in(app, username_of(app, own_tree["users"]["city"]))
    r = city.get("/api/v1/digests/2026-12-02")
    assert r.status_code == 200, r.json
    assert r.json["covers"] == "2026-12-01" and r.json["totals"]["red_new"] == 1
    assert r.json["rows"][0]["links"]["risks"] == f"/risks?region_id={own_tree['county']}&level=red"
    assert inbox(app, own_tree["users"]["city"], "daily_digest", "/digests/2026-12-02") == 1
    assert_error(city.get("/api/v1/digests/2026-12-03"), 404, "not_found")  # none sent that day
    assert_error(city.get("/api/v1/digests/2026-13-01"), 400, "bad_date", "path.day")
    for day in ("yesterday", "20261202", "2026-W49-3", "２０２６-１２-０２"):  # (date.fromisoformat takes the middle two)
        assert_error(city.get(f"/api/v1/digests/{day}"), 400, "bad_date", "path.day")
    # Someone else's digest is not found; a township lead may not ask.
    assert login_as("county").get("/api/v1/digests/2026-12-02").status_code == 404
    assert_error(login_as("lead").get("/api/v1/digests/2026-12-02"), 403, "role_forbidden")


def test_digest_sent_meanwhile_by_another_run_is_not_sent_again(app, own_tree, monkeypatch):
    """Another run (a second worker, the command) sends the same user's digest between this run's
    look at who had one and its own insert: the unique (user, day) key lets one through."""
    from backend.oversight import digest
    from backend.oversight.models import Digest
    city, day = own_tree["users"]["city"], date(2026, 10, 1)
    real = digest.body_for

    def body_for(region, wanted):
        body = real(region, wanted)
        if region.id == own_tree["city"]:
            # The other run's row, there before this run's insert. (On SQLite the two runs could not
            # even overlap — writers take the lock up front — so it is written in this very session,
            # the way PostgreSQL shows a row another transaction committed.)
            db.session.add(Digest(user_id=city, day=day, region_id=region.id, body=body))
            db.session.flush()
        return body
    monkeypatch.setattr(digest, "body_for", body_for)
    with app.app_context():
        digest.send(day)
        db.session.commit()
    assert [d for d, _ in digests_of(app, city)] == [day]
    assert inbox(app, city, "daily_digest") == 0  # the other run's message is its own business


def test_audit_details_are_in_words(app):
    """An export of full personal data names its fields and what was exported in Chinese (and in
    English), never as codes; a detail the view does not know is still shown as written."""
    from backend.oversight.views import note
    with app.app_context():
        assert note({"field": "name,id_number,bank_card,phone", "kind": "disbursements", "reason": "县里要核对"}) == {
            "zh": "字段：姓名、身份证号、银行卡号、手机号；数据：补贴发放；原因：县里要核对",
            "en": "Fields: name, ID number, bank card, phone; Data: disbursements; Reason: 县里要核对"}
        assert note({"username": "x", "kind": "other"}) == {"zh": "数据：other", "en": "Data: other"}
