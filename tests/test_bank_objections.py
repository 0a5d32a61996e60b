"""An objection to the notice raised after a person is in a payment batch stops them until the bank
file is written (submit, approve, export refuse; the clerk takes them out, the batch going back to
draft), and after that the objection says the payment already went. A failure the township fixes
itself closes the department's task about it (自动销号)."""
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from bank_seed import banksim, card_number, export, make_people
from conftest import TODAY, assert_error, new_uuid

OBJECTIONS = "/api/v1/subsidies/objections"


def _object(client, world, data, person, **over):
    body = {"client_uuid": new_uuid(), "region_id": world["regions"]["qianwang"], "policy_id": data["policy"],
            "period": data["period"], "beneficiary_id": person, "raised_by": "钱王村民李某",
            "phone": "139 0000 1111", "received_on": (TODAY - timedelta(days=1)).isoformat(),
            "text": "此人已迁出本村，不应享受"}
    body.update(over)
    r = client.post(OBJECTIONS, json=body)
    assert r.status_code == 201, r.json
    return r.json


def _batch_row(app, bid):
    from backend.bank.models import PaymentBatch
    from backend.extensions import db
    with app.app_context():
        b = db.session.get(PaymentBatch, bid)
        return b.status, b.count, b.total, b.lead_approved_by_id, b.county_approved_by_id


def _audit(app, subject_type, subject_id):
    from backend.core.models import AuditLog
    from backend.extensions import db
    with app.app_context():
        return [(a.action, a.details) for a in db.session.execute(select(AuditLog).where(
            AuditLog.subject_type == subject_type, AuditLog.subject_id == subject_id).order_by(AuditLog.id)).scalars()]


def test_an_objection_after_the_batch_stops_submit_approve_and_export_until_the_person_is_taken_out(
        app, world, login_as):
    data = make_people(app, world, n=3, standard="400.00")
    clerk, lead, county = login_as("clerk"), login_as("lead"), login_as("county")
    batch = clerk.post("/api/v1/bank/batches", json={"policy_id": data["policy"], "period": data["period"]}).json
    bid = batch["id"]
    assert batch["count"] == 3 and batch["stopped"] == []
    by_person = {x["beneficiary_id"]: x for x in batch["lines"]}
    first, second = by_person[data["people"][0]], by_person[data["people"][1]]

    # Raised while the batch is a draft: submit is refused, each stopped line named, nothing changes.
    _object(clerk, world, data, data["people"][0])
    before = _batch_row(app, bid)
    r = clerk.post(f"/api/v1/bank/batches/{bid}/submit")
    assert_error(r, 409, "batch_objection", f"lines.{first['seq']}")
    err = r.json["error"]
    assert "因公示异议暂停发放" in err["message"]["zh"] and "objection" in err["message"]["en"]
    assert [(f["payment_id"], f["reason"]) for f in err["fields"]] == [(first["id"], "objection_open")]
    assert err["fields"][0]["zh"].startswith(f"第 {first['seq']} 笔") and "未办结的异议" in err["fields"][0]["zh"]
    assert _batch_row(app, bid) == before
    shown = clerk.get(f"/api/v1/bank/batches/{bid}").json
    assert [(s["payment_id"], s["reason"], s["reason_zh"]) for s in shown["stopped"]] == \
        [(first["id"], "objection_open", "公示期内有未办结的异议")]
    # The clerk takes them out (a draft: stays a draft); the count and total follow; it goes through.
    out = clerk.post(f"/api/v1/bank/batches/{bid}/remove", json={"payment_id": first["id"], "reason": "村民异议待核实"})
    assert out.status_code == 200, out.json
    assert (out.json["status"], out.json["count"], out.json["stopped"]) == ("draft", 2, [])
    assert Decimal(out.json["total"]) == Decimal(before[2]) - Decimal(first["amount"])
    assert out.json["removed"][-1]["objection"] == "objection_open"
    assert clerk.post(f"/api/v1/bank/batches/{bid}/submit").json["status"] == "submitted"

    # Raised after submission: the lead's approval is refused; the clerk's removal sends it back to draft.
    _object(clerk, world, data, data["people"][1])
    before = _batch_row(app, bid)
    assert_error(lead.post(f"/api/v1/bank/batches/{bid}/approve"), 409, "batch_objection", f"lines.{second['seq']}")
    assert _batch_row(app, bid) == before
    third = by_person[data["people"][2]]
    assert_error(clerk.post(f"/api/v1/bank/batches/{bid}/remove", json={"payment_id": third["id"], "reason": "x"}),
                 409, "batch_state")  # a line nothing stops stays once submitted
    back = clerk.post(f"/api/v1/bank/batches/{bid}/remove", json={"payment_id": second["id"], "reason": "异议"})
    assert (back.json["status"], back.json["count"], back.json["total"]) == ("draft", 1, third["amount"])
    assert "重新提交审核" in back.json["rejected_reason"]

    # Above the county's limit: raised after the lead approved, the county's approval is refused, and
    # an upheld objection (the notice not yet posted again) stops them just the same.
    other = make_people(app, world, n=2, standard="400.00")
    b2 = clerk.post("/api/v1/bank/batches", json={"policy_id": other["policy"], "period": other["period"]}).json
    assert clerk.post(f"/api/v1/bank/batches/{b2['id']}/submit").status_code == 200
    old = app.config["BANK_COUNTY_APPROVAL_ABOVE"]
    app.config["BANK_COUNTY_APPROVAL_ABOVE"] = Decimal("100.00")
    try:
        assert lead.post(f"/api/v1/bank/batches/{b2['id']}/approve").json["status"] == "lead_approved"
        o = _object(clerk, world, other, other["people"][1])
        assert lead.post(f"{OBJECTIONS}/{o['id']}/resolve", json={
            "client_uuid": new_uuid(), "outcome": "upheld", "resolution": "核实已迁出"}).json["status"] == "upheld"
        before = _batch_row(app, b2["id"])
        r = county.post(f"/api/v1/bank/batches/{b2['id']}/approve")
        assert_error(r, 409, "batch_objection")
        assert [f["reason"] for f in r.json["error"]["fields"]] == ["objection_upheld"]
        assert _batch_row(app, b2["id"]) == before
        line = next(x for x in b2["lines"] if x["beneficiary_id"] == other["people"][1])
        back = clerk.post(f"/api/v1/bank/batches/{b2['id']}/remove", json={"payment_id": line["id"], "reason": "异议成立"})
        assert back.json["status"] == "draft"
        assert _batch_row(app, b2["id"])[3:] == (None, None)  # both approvals cleared: approved again from the start
    finally:
        app.config["BANK_COUNTY_APPROVAL_ABOVE"] = old

    # Raised after approval: the export is refused (no file, nothing sent), until taken out.
    assert clerk.post(f"/api/v1/bank/batches/{bid}/submit").status_code == 200
    assert lead.post(f"/api/v1/bank/batches/{bid}/approve").json["status"] == "approved"
    _object(clerk, world, data, data["people"][2])
    r = clerk.post(f"/api/v1/bank/batches/{bid}/export", json={"profile": "rcb_text"})
    assert_error(r, 409, "batch_objection", f"lines.{third['seq']}")
    assert _batch_row(app, bid)[0] == "approved"
    out = clerk.post(f"/api/v1/bank/batches/{bid}/remove", json={"payment_id": third["id"], "reason": "异议"})
    assert (out.json["status"], out.json["count"]) == ("draft", 0)
    assert_error(clerk.post(f"/api/v1/bank/batches/{bid}/submit"), 422, "batch_empty")

    removals = [d for a, d in _audit(app, "payment_batches", bid) if a == "bank.batch_remove"]
    assert [(d["objection"], d["returned_from"]) for d in removals] == \
        [("objection_open", None), ("objection_open", "submitted"), ("objection_open", "approved")]
    assert [d["count"] for d in removals] == [2, 1, 0]


def test_once_the_file_is_out_an_objection_cannot_stop_it_and_says_so(app, world, login_as):
    data = make_people(app, world, n=2)
    clerk, lead = login_as("clerk"), login_as("lead")
    bid = clerk.post("/api/v1/bank/batches", json={"policy_id": data["policy"], "period": data["period"]}).json["id"]
    clerk.post(f"/api/v1/bank/batches/{bid}/submit")
    lead.post(f"/api/v1/bank/batches/{bid}/approve")
    # before the file: the objection's answer does not say it was sent
    early = _object(clerk, world, data, data["people"][0])
    assert (early["payment_sent"], early["payment_sent_zh"]) == (False, None)
    lead.post(f"{OBJECTIONS}/{early['id']}/resolve", json={"client_uuid": new_uuid(), "outcome": "dismissed",
                                                           "resolution": "核实无误"})
    first = clerk.post(f"/api/v1/bank/batches/{bid}/export", json={"profile": "rcb_text"})
    assert first.status_code == 200
    o = _object(clerk, world, data, data["people"][1])
    assert o["payment_sent"] is True and f"PB{bid:08d}" in o["payment_sent_zh"] and "不能再停止" in o["payment_sent_zh"]
    assert "can no longer stop" in o["payment_sent_en"]
    # The file again: the same bytes, the objection does not stop what the bank already has.
    again = clerk.post(f"/api/v1/bank/batches/{bid}/export", json={"profile": "rcb_text"})
    assert again.status_code == 200 and again.data == first.data
    listed = next(x for x in clerk.get(f"{OBJECTIONS}?status=all&per_page=100").json["items"] if x["id"] == o["id"])
    assert listed["payment_sent"] is True and listed["payment_sent_zh"] == o["payment_sent_zh"]
    # An objection about someone else's payment of another policy says nothing of this one.
    other = make_people(app, world, n=1)
    assert _object(clerk, world, other, other["people"][0])["payment_sent"] is False


def test_a_failure_the_township_fixes_itself_closes_the_departments_task(app, world, login_as):
    import department_seed
    from backend.bank.models import PaymentBatch
    from backend.departments.models import DepartmentTask
    from backend.extensions import db
    from bank_seed import approved_batch
    department_seed.ensure(app, world)
    data = make_people(app, world, n=3)
    bid = approved_batch(app, world, data)
    files = banksim().simulate(export(app, bid, "rcb_text"), fail={1: "AC01", 2: "BE01", 3: "AC04"})
    clerk = login_as("clerk")
    r = clerk.post("/api/v1/bank/returns", form={"file": (__import__("io").BytesIO(files[f"PB{bid:08d}.failure.txt"]), "f.txt")})
    assert r.status_code == 200, r.json
    lines = {f["seq"]: f for f in clerk.get("/api/v1/bank/failures").json["items"] if f["batch_id"] == bid}
    with app.app_context():
        tasks = {t.subject_id: t.id for t in db.session.execute(select(DepartmentTask).where(
            DepartmentTask.subject_kind == "payment_failure",
            DepartmentTask.subject_id.in_([f["id"] for f in lines.values()]))).scalars()}
    official = login_as("department")
    signed = tasks[lines[1]["id"]]
    assert official.post(f"/api/v1/department-tasks/{signed}/sign", json={"client_uuid": new_uuid()}).status_code == 200

    # The township records the new card itself while the department's task is signed for (still open).
    fixed = clerk.post(f"/api/v1/bank/payments/{lines[1]['id']}/fix", json={"bank_card": card_number(), "note": "村民来所换卡"})
    assert fixed.status_code == 200 and fixed.json["fixed"] is True
    task = official.get(f"/api/v1/department-tasks/{signed}").json
    assert task["status"] == "closed" and task["closed_at"] and task["actions"] == []
    last = task["steps"][-1]
    assert (last["action"], last["actor"]) == ("auto_close", "测试clerk")
    assert "锦城街道" in last["note"] and "测试clerk" in last["note"] and "自动销号" in last["note"]
    assert "新的银行卡" in last["note"] and "村民来所换卡" in last["note"] and TODAY.isoformat() in last["note"]
    audited = _audit(app, "department_tasks", signed)
    assert audited[-1][0] == "department_task.auto_close" and audited[-1][1]["from"] == "signed"
    with app.app_context():
        from backend.notifications.models import Notification
        told = db.session.execute(select(Notification.title_zh).where(
            Notification.user_id == world["users"]["department"], Notification.link == f"/dept-tasks/{signed}",
            Notification.kind == "department_task_close")).scalars().all()
        assert len(told) == 1 and "自动销号" in told[0]
    # The fix stands as the township wrote it (the task's hook does not overwrite it); re-issued once.
    assert clerk.get("/api/v1/bank/failures").json["items"] and \
        next(f for f in clerk.get("/api/v1/bank/failures").json["items"] if f["id"] == lines[1]["id"])["fix_note"] == "村民来所换卡"
    assert clerk.post(f"/api/v1/bank/payments/{lines[1]['id']}/reissue").status_code == 201

    # Fed back and waiting to be checked: closed just the same, from there.
    fed = tasks[lines[2]["id"]]
    official.post(f"/api/v1/department-tasks/{fed}/sign", json={"client_uuid": new_uuid()})
    official.post(f"/api/v1/department-tasks/{fed}/feedback", json={"client_uuid": new_uuid(), "note": "已通知村民"})
    assert clerk.post(f"/api/v1/bank/payments/{lines[2]['id']}/fix", json={"note": "户名已更正"}).status_code == 200
    assert official.get(f"/api/v1/department-tasks/{fed}").json["status"] == "closed"
    assert _audit(app, "department_tasks", fed)[-1][1]["from"] == "fed_back"

    # The township's own task (a closed account) is closed by its own fix too.
    own = tasks[lines[3]["id"]]
    assert clerk.post(f"/api/v1/bank/payments/{lines[3]['id']}/fix", json={"bank_card": card_number()}).status_code == 200
    assert clerk.post(f"/api/v1/bank/payments/{lines[3]['id']}/fix", json={"note": "再次确认"}).status_code == 200
    steps = login_as("lead").get(f"/api/v1/department-tasks/{own}").json["steps"]
    assert steps[-1]["action"] == "auto_close" and [s["action"] for s in steps].count("auto_close") == 1
    with app.app_context():
        assert db.session.get(DepartmentTask, own).status == "closed"
        assert db.session.get(PaymentBatch, bid).status in ("exported", "closed")


def test_a_villagers_objection_after_the_file_went_says_the_payment_was_sent(app, world, login_as):
    """A villager objects from the village's page (the notice is up again: another line was posted
    again, corrected) about a person whose payment is already at the bank: the receipt says so,
    without the batch's number."""
    from backend.extensions import db
    from backend.subsidies.models import NoticeEntry
    from test_villager_objections import UP, Visitor, _line_of, _url
    data = make_people(app, world, n=2)
    clerk, lead = login_as("clerk"), login_as("lead")
    bid = clerk.post("/api/v1/bank/batches", json={"policy_id": data["policy"], "period": data["period"]}).json["id"]
    clerk.post(f"/api/v1/bank/batches/{bid}/submit")
    lead.post(f"/api/v1/bank/batches/{bid}/approve")
    assert clerk.post(f"/api/v1/bank/batches/{bid}/export", json={"profile": "iso20022"}).status_code == 200
    with app.app_context():
        db.session.execute(NoticeEntry.__table__.update().where(
            NoticeEntry.beneficiary_id == data["people"][1], NoticeEntry.policy_id == data["policy"])
            .values(published_on=UP))
        db.session.commit()
    r = Visitor(app).post(_url(app, world), {
        "client_uuid": new_uuid(), "policy_id": data["policy"], "period": data["period"],
        "line_id": _line_of(app, data, data["people"][0]), "reason": "此人已在城里定居多年，不应享受",
        "name": "钱王村民孙某", "phone": "139 0571 6789"})
    assert r.status_code == 201, r.json
    assert r.json["payment_sent"] is True and "已于" in r.json["payment_sent_zh"] and "送银行" in r.json["payment_sent_zh"]
    assert "PB" not in r.json["payment_sent_zh"] and "PB" not in r.json["payment_sent_en"]
