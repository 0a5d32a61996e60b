"""Personal data never leaves unmasked and never rests in clear.

The walk signs in as every kind of user (and as nobody), calls every GET endpoint of the API with
real ids — following every warning, rectification and beneficiary it lists — plus the villager's
self-check and case responses, and fails on any ID number, bank card or phone number in clear:
the seeded people's real values anywhere in a body, or any JSON string that looks like one. Only
the audited reveal endpoint returns a full value. The database is searched too: no column holds a
seeded value in clear.
"""
import json
import re
from datetime import timedelta

from sqlalchemy import JSON, String, select, text

from backend.extensions import db
from conftest import TODAY, new_uuid
from subsidy_seed import seed, village_code
import department_seed

ID_LIKE = re.compile(r"^\s*(\d{17}[\dXx]|\d{12,19}|1\d{10}|\+?86\s?1\d{10})\s*$")
ACTORS = [None, "admin", "province", "county", "lead", "inspector", "lead_sibling", "department"]


def secrets(ps):
    out = set()
    for p in ps.values():
        out |= {p["id_number"], p["card"]} | ({p["phone"]} if p["phone"] else set())
    return out


def looks_like_pii(value, region_codes):
    """JSON strings (and big integers) shaped like an ID, card or phone number — region codes aside."""
    if isinstance(value, dict):
        return [x for k, v in value.items() for x in looks_like_pii(k, region_codes) + looks_like_pii(v, region_codes)]
    if isinstance(value, list):
        return [x for v in value for x in looks_like_pii(v, region_codes)]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**10:
        return [value]
    if isinstance(value, str) and value not in region_codes and ID_LIKE.match(value):
        return [value]
    return []


def plant(app, world, ps, login_as, make_project, make_inspection, make_photo):
    """Data that puts personal data near every kind of response: warnings about people, a rejected
    import report, a villager's case, a comment with a contact phone, a photo."""
    from backend.core.models import Region, User
    from backend.risks import engine
    from backend.imports import engine as imports
    w, l = ps["wang"], ps["li"]
    with app.app_context(), app.test_request_context(method="POST"):
        lead = db.session.get(User, world["users"]["lead"])
        township = db.session.get(Region, world["regions"]["jincheng"])
        # 李秀英's pension paid a second time, to 王建国's card (重复发放 and 代领 name them both).
        twice = ("姓名,身份证号,补贴项目,期间,面积,金额,状态,发放日期,银行卡号\n"
                 f"{l['name']},{l['id_number']},城乡居民基础养老金,2026-03,1,230,已发放,2026-03-28,{w['card']}\n")
        assert imports.run("disbursements", township, lead, "again.csv", twice.encode()).status == "accepted"
        bad = f"姓名,身份证号码,村,银行卡号,电话\n{w['name']},{w['id_number'][:-1]}0,钱王社区,{w['card']}x,{w['phone']}9\n"
        assert imports.run("beneficiaries", township, lead, "bad.csv", bad.encode()).status == "rejected"
        engine.scan()
        db.session.commit()
    project = make_project(stage="construction")
    make_photo(make_inspection(project))
    anon = login_as(None)
    # (李秀英, not 王建国: the browser test walks 王建国 through his own 没收到.)
    me = anon.post("/api/v1/public/self-check", json={"name": l["name"], "id_number": l["id_number"],
                                                       "last4": l["card"][-4:]})
    assert me.status_code == 200
    case = anon.post("/api/v1/public/cases", json={"token": me.json["token"], "client_uuid": new_uuid(),
                                                    "disbursement_id": me.json["payments"][-1]["id"], "note": "没收到钱"})
    assert case.status_code in (200, 201, 409)
    comment = anon.post(f"/api/v1/public/projects/{project}/comments", json={
        "client_uuid": new_uuid(), "body": "工地晚上施工太吵了", "contact": w["phone"]},
        environ_base={"REMOTE_ADDR": "10.77.0.1"})
    assert comment.status_code == 201
    return project, [me, case, comment]


def test_no_response_shows_personal_data_in_clear(app, world, login_as, make_project, make_inspection, make_photo):
    ps = seed(app, world)
    department_seed.ensure(app, world)  # 临安区农业农村局's official: masked as any staff
    code = village_code(app, world)
    project, public_posts = plant(app, world, ps, login_as, make_project, make_inspection, make_photo)
    from backend.core.models import Region
    with app.app_context():
        region_codes = set(db.session.execute(select(Region.code)).scalars())
    hidden = secrets(ps)
    seen, failures = 0, []

    def check(url, response):
        nonlocal seen
        seen += 1
        body = response.get_data(as_text=True) if response.mimetype in ("application/json", "text/csv") else ""
        for secret in hidden:
            if secret in body:
                failures.append((url, "clear value", secret[:4] + "…"))
        if response.mimetype == "application/json":
            failures.extend((url, "looks like PII", v) for v in looks_like_pii(response.get_json(), region_codes))

    for post in public_posts:
        check("public POST", post)
    for who in ACTORS:
        client = login_as(who)
        ids = {"project_id": project, "code": code, "region_id": world["regions"]["qianwang"],
               "unit_id": world["units"]["jincheng"], "kind": "beneficiaries",
               "day": (TODAY - timedelta(days=1)).isoformat()}  # a daily digest (none yet: a 404 is fine)
        # Lists first: they give the ids to follow.
        follow = {"beneficiary_id": "/api/v1/subsidies/beneficiaries?per_page=100",
                  "warning_id": "/api/v1/risks?status=all&per_page=100",
                  "rectification_id": "/api/v1/rectifications?status=all&per_page=100",
                  "import_id": "/api/v1/imports?per_page=100",
                  "inspection_id": "/api/v1/inspections?per_page=100",
                  "fund_id": "/api/v1/funds?per_page=100", "asset_id": "/api/v1/assets?per_page=100",
                  "resource_id": "/api/v1/resources?per_page=100",
                  "contract_id": "/api/v1/resource-contracts?per_page=100",
                  "department_id": "/api/v1/departments", "task_id": "/api/v1/department-tasks?status=all&per_page=100",
                  "batch_id": "/api/v1/bank/batches?per_page=100",
                  "report_id": f"/api/v1/reports?region_id={world['regions']['linan']}"}
        many = {}
        for param, url in follow.items():
            r = client.get(url)
            check(url, r)
            many[param] = [item["id"] for item in r.json["items"]] if r.status_code == 200 else []
        for rule in app.url_map.iter_rules():
            if not rule.rule.startswith("/api/v1/") or "GET" not in rule.methods or rule.rule.endswith("openapi.json"):
                continue
            args = sorted(rule.arguments)
            if args in (["photo_id"], ["file_id", "fund_id"]):
                continue  # images and scanned receipts: no text to leak
            if any(a in many for a in args):
                values = [{a: v} for a in args if a in many for v in many[a][:40]]
            else:
                assert all(a in ids for a in args), f"the walk cannot fill {rule.rule}"
                values = [{a: ids[a] for a in args}]
            for value in values:
                url = rule.rule
                for a, v in value.items():
                    url = re.sub(rf"<(?:\w+:)?{a}>", str(v), url)
                check(url, client.get(url))
    assert seen > 300, seen
    assert failures == [], failures[:10]


def test_only_the_audited_reveal_shows_a_full_value(app, world, login_as):
    from backend.core.models import AuditLog
    ps = seed(app, world)
    lead = login_as("lead")
    person = lead.get("/api/v1/subsidies/beneficiaries?q=" + ps["li"]["id_number"]).json["items"][0]
    assert person["id_number"] == ps["li"]["id_number"][:6] + "*" * 8 + ps["li"]["id_number"][-4:]
    assert person["name"] == "李*英"
    r = lead.post(f"/api/v1/subsidies/beneficiaries/{person['id']}/reveal", json={"field": "id_number", "reason": "核对户籍"})
    assert r.status_code == 200 and r.json["value"] == ps["li"]["id_number"]
    with app.app_context():
        audit = db.session.execute(select(AuditLog).where(AuditLog.action == "subsidy.reveal")
                                   .order_by(AuditLog.id.desc())).scalars().first()
        assert (audit.actor_id, audit.subject_id, audit.details["field"], audit.details["reason"]) == (
            world["users"]["lead"], person["id"], "id_number", "核对户籍")
        assert ps["li"]["id_number"] not in json.dumps(audit.details)
    # The name too, and people are found by a name typed with a space, or by their card number.
    assert lead.post(f"/api/v1/subsidies/beneficiaries/{person['id']}/reveal",
                     json={"field": "name", "reason": "电话回访"}).json["value"] == "李秀英"
    assert [p["id"] for p in lead.get("/api/v1/subsidies/beneficiaries?q=李 秀英").json["items"]] == [person["id"]]
    assert [p["id"] for p in lead.get("/api/v1/subsidies/beneficiaries?q=" + ps["li"]["card"]).json["items"]] == [person["id"]]
    # An inspector sees the list, masked, but may not reveal; a reason is required.
    assert login_as("inspector").post(f"/api/v1/subsidies/beneficiaries/{person['id']}/reveal",
                                      json={"field": "id_number", "reason": "看看"}).status_code == 403
    r = lead.post(f"/api/v1/subsidies/beneficiaries/{person['id']}/reveal", json={"field": "id_number", "reason": " "})
    assert r.status_code == 400 and r.json["error"]["fields"][0]["path"] == "json.reason"


def test_nothing_rests_in_clear_in_the_database(app, world, login_as):
    ps = seed(app, world)
    hidden = secrets(ps)
    with app.app_context():
        found = []
        for table in db.metadata.tables.values():
            columns = [c.name for c in table.columns if isinstance(c.type, (String, JSON))]
            for column in columns:
                for secret in hidden:
                    hit = db.session.execute(text(
                        f'SELECT count(*) FROM "{table.name}" WHERE CAST("{column}" AS TEXT) LIKE :s'), {"s": f"%{secret}%"}).scalar()
                    if hit:
                        found.append((table.name, column))
        assert len(db.metadata.tables) >= 29  # every table, the subsidy ones included
        assert found == []


def test_key_rotation_reencrypts_everything_and_lookups_still_work(app, world, login_as):
    """Put a new key first, run the rotation, drop the old key: everything still decrypts and the
    self-check still finds the villager."""
    from backend.core import pii
    from backend.subsidies.models import Beneficiary
    from backend.subsidies.rotation import rotate
    ps = seed(app, world)
    old_keys = app.config["PII_KEYS"]
    newest = pii.new_key_line("t9")
    try:
        app.config["PII_KEYS"] = f"{newest},{old_keys}"
        app.extensions.pop("jicai_pii_keyring", None)
        with app.app_context():
            rotate()
            db.session.commit()
        app.config["PII_KEYS"] = newest  # the old keys are gone
        app.extensions.pop("jicai_pii_keyring", None)
        with app.app_context():
            kids = {pii.key_id(t) for t in db.session.execute(select(Beneficiary.id_enc)).scalars()}
            assert kids == {"t9"}
            li = db.session.execute(select(Beneficiary).where(
                Beneficiary.id_hash == pii.blind(ps["li"]["id_number"], "id_number"))).scalar_one()
            assert pii.decrypt(li.card_enc, "bank_card") == ps["li"]["card"]
        r = login_as(None).post("/api/v1/public/self-check", json={
            "name": ps["li"]["name"], "id_number": ps["li"]["id_number"], "last4": ps["li"]["card"][-4:]},
            environ_base={"REMOTE_ADDR": "10.88.0.1"})
        assert r.status_code == 200
    finally:
        # Back to the test keys for the rest of the session (rotate again so the data matches them).
        app.config["PII_KEYS"] = f"{old_keys},{newest}"
        app.extensions.pop("jicai_pii_keyring", None)
        with app.app_context():
            rotate()
            db.session.commit()
        app.config["PII_KEYS"] = old_keys
        app.extensions.pop("jicai_pii_keyring", None)
