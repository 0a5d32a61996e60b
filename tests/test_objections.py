"""Objections (异议) to a village's notice (公示): the township records them (idempotent, audited, the
phone sealed and masked), the lead upholds or dismisses them, and a payment batch refuses a person
while an objection about them is open — or upheld and the notice not yet posted again."""
import io
from datetime import timedelta

from sqlalchemy import select

from bank_seed import make_people
from conftest import TODAY, assert_error, new_uuid

URL = "/api/v1/subsidies/objections"


def _body(world, data, **over):
    body = {"client_uuid": new_uuid(), "region_id": world["regions"]["qianwang"], "policy_id": data["policy"],
            "period": data["period"], "beneficiary_id": data["people"][0], "raised_by": "钱王村民王某",
            "phone": "138 1234 5678", "received_on": (TODAY - timedelta(days=2)).isoformat(),
            "text": "此人家中有财政供养人员，不应享受"}
    body.update(over)
    return {k: v for k, v in body.items() if v is not None}


def _find(client, objection_id, status="all"):
    page = client.get(f"{URL}?status={status}&per_page=100").json
    return next((o for o in page["items"] if o["id"] == objection_id), None)


def test_clerk_records_an_objection_and_the_lead_rules(app, world, login_as):
    from backend.core import pii
    from backend.core.models import AuditLog
    from backend.extensions import db
    from backend.subsidies.models import NoticeObjection
    data = make_people(app, world, n=2)
    clerk, lead = login_as("clerk"), login_as("lead")
    r = clerk.post(URL, json=_body(world, data))
    assert r.status_code == 201, r.json
    o = r.json
    assert (o["status"], o["phone"], o["person"], o["village"]) == ("open", "138****5678", "测**0", "钱王社区")
    assert "*" in o["person_id_number"] and o["created_by"] == "测试clerk"
    with app.app_context():
        row = db.session.get(NoticeObjection, o["id"])
        assert "13812345678" not in row.phone_enc and pii.decrypt(row.phone_enc, "phone") == "13812345678"
        assert db.session.execute(select(AuditLog.action).where(
            AuditLog.subject_type == "subsidy_objections", AuditLog.subject_id == o["id"])).scalars().all() \
            == ["subsidy.objection_raise"]
    assert _find(clerk, o["id"], "open")["text"] == "此人家中有财政供养人员，不应享受"
    # The notice as staff see it: the set, and the line with its open objection.
    notice = clerk.get(f"/api/v1/subsidies/notices?region_id={world['regions']['qianwang']}"
                       f"&policy_id={data['policy']}&period={data['period']}").json
    the_set = next(s for s in notice["sets"] if s["policy_id"] == data["policy"])
    assert (the_set["lines"], the_set["open_objections"]) == (2, 1)
    assert {x["beneficiary_id"]: x["open_objections"] for x in notice["lines"]} == \
        {data["people"][0]: 1, data["people"][1]: 0}
    # The lead dismisses it with the reason; it is no longer open, and the ruling is audited.
    r = lead.post(f"{URL}/{o['id']}/resolve", json={"client_uuid": new_uuid(), "outcome": "dismissed",
                                                   "resolution": "经核实，其家庭成员不属财政供养人员"})
    assert r.status_code == 200, r.json
    assert (r.json["status"], r.json["status_zh"], r.json["resolved_by"]) == ("dismissed", "异议不成立", "测试lead")
    assert _find(clerk, o["id"], "open") is None and _find(clerk, o["id"], "dismissed")["resolution"]
    assert_error(lead.post(f"{URL}/{o['id']}/resolve", json={"client_uuid": new_uuid(), "outcome": "upheld",
                                                              "resolution": "再议"}), 409, "objection_not_open")
    with app.app_context():
        assert db.session.execute(select(AuditLog.action).where(
            AuditLog.subject_type == "subsidy_objections", AuditLog.subject_id == o["id"],
            AuditLog.action == "subsidy.objection_resolve")).scalar()


def test_someone_missing_is_named_in_free_text_without_a_phone(app, world, login_as):
    data = make_people(app, world, n=1)
    r = login_as("lead").post(URL, json=_body(world, data, beneficiary_id=None, phone=None, person_name="李某某",
                                              text="李某某符合条件却不在公示名单上"))
    assert r.status_code == 201, r.json
    assert (r.json["beneficiary_id"], r.json["person_name"], r.json["phone"]) == (None, "李某某", None)


def test_a_replay_with_the_same_client_uuid_records_once(app, world, login_as):
    from backend.extensions import db
    from backend.subsidies.models import NoticeObjection
    data = make_people(app, world, n=1)
    clerk = login_as("clerk")
    body = _body(world, data)
    first, again = clerk.post(URL, json=body), clerk.post(URL, json=body)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json["id"] == first.json["id"] and again.headers.get("Idempotent-Replay") == "true"
    with app.app_context():
        assert db.session.query(NoticeObjection).filter_by(client_uuid=body["client_uuid"]).count() == 1
    ruling = {"client_uuid": new_uuid(), "outcome": "upheld", "resolution": "经核实属实，更正后重新公示"}
    lead = login_as("lead")
    one, two = lead.post(f"{URL}/{first.json['id']}/resolve", json=ruling), lead.post(f"{URL}/{first.json['id']}/resolve", json=ruling)
    assert (one.status_code, two.status_code, two.json["status"]) == (200, 200, "upheld")


def test_other_townships_and_other_roles_are_refused(app, world, login_as):
    data = make_people(app, world, n=1)
    assert_error(login_as("clerk_sibling").post(URL, json=_body(world, data)), 403, "out_of_scope")
    assert_error(login_as("inspector").post(URL, json=_body(world, data)), 403, "role_forbidden")
    assert_error(login_as(None).post(URL, json=_body(world, data)), 401, "unauthenticated")
    o = login_as("clerk").post(URL, json=_body(world, data)).json
    ruling = {"client_uuid": new_uuid(), "outcome": "dismissed", "resolution": "不成立"}
    assert_error(login_as("clerk").post(f"{URL}/{o['id']}/resolve", json=ruling), 403, "role_forbidden")
    assert_error(login_as("lead_sibling").post(f"{URL}/{o['id']}/resolve", json=ruling), 403, "out_of_scope")
    assert _find(login_as("lead_sibling"), o["id"]) is None  # not in a sibling's list either
    assert _find(login_as("county"), o["id"])["status"] == "open"
    assert_error(login_as("clerk_sibling").get(
        f"/api/v1/subsidies/notices?region_id={world['regions']['qianwang']}"), 403, "out_of_scope")


def test_bad_input_is_named_and_changes_nothing(app, world, login_as):
    from backend.extensions import db
    from backend.subsidies.models import NoticeObjection
    data = make_people(app, world, n=1)
    other = make_people(app, world, n=1, village="baisha")  # a person in 太湖源's 白沙村
    clerk = login_as("clerk")
    with app.app_context():
        before = db.session.query(NoticeObjection).count()
    assert_error(clerk.post(URL, json=_body(world, data, text="  ")), 400, "validation_error", "json.text")
    assert_error(clerk.post(URL, json=_body(world, data, period="2026-13")), 400, "validation_error", "json.period")
    # (kept as written, "2026-11\n" or ２０２６-11 named no notice's period: the objection stopped nobody)
    for period in ("2026-11\n", "２０２６-11"):
        assert_error(clerk.post(URL, json=_body(world, data, period=period)), 400, "validation_error", "json.period")
    assert_error(clerk.post(URL, json=_body(world, data, client_uuid="nope")), 400, "validation_error",
                 "json.client_uuid")
    assert_error(clerk.post(URL, json=_body(world, data, beneficiary_id=None)), 400, "objection_needs_person",
                 "json.beneficiary_id")
    assert_error(clerk.post(URL, json=_body(world, data, phone="12345")), 400, "phone_invalid", "json.phone")
    assert_error(clerk.post(URL, json=_body(world, data, received_on=(TODAY + timedelta(days=1)).isoformat())),
                 400, "received_on_future", "json.received_on")
    assert_error(clerk.post(URL, json=_body(world, data, region_id=world["regions"]["jincheng"])), 400,
                 "not_a_village", "json.region_id")
    assert_error(clerk.post(URL, json=_body(world, data, beneficiary_id=other["people"][0])), 422,
                 "beneficiary_not_in_village", "json.beneficiary_id")
    assert_error(clerk.post(URL, json=_body(world, data, policy_id=2**31 - 1)), 404, "policy_not_found",
                 "json.policy_id")
    assert_error(clerk.get(f"{URL}?status=maybe"), 400, "validation_error", "query.status")
    assert_error(clerk.get("/api/v1/subsidies/notices"), 400, "validation_error", "query.region_id")
    o = clerk.post(URL, json=_body(world, data)).json
    lead = login_as("lead")
    assert_error(lead.post(f"{URL}/{o['id']}/resolve", json={"client_uuid": new_uuid(), "outcome": "maybe",
                                                              "resolution": "x"}), 400, "validation_error", "json.outcome")
    assert_error(lead.post(f"{URL}/{o['id']}/resolve", json={"client_uuid": new_uuid(), "outcome": "upheld"}),
                 400, "validation_error", "json.resolution")
    assert_error(lead.post(f"{URL}/{2**31 - 1}/resolve", json={"client_uuid": new_uuid(), "outcome": "upheld",
                                                                "resolution": "x"}), 404, "not_found")
    with app.app_context():
        assert db.session.query(NoticeObjection).count() == before + 1


def test_the_batch_refuses_an_open_objection_and_takes_the_person_once_it_is_resolved(app, world, login_as):
    from backend.extensions import db
    from backend.subsidies.models import NoticeEntry, NoticeObjection
    data = make_people(app, world, n=3)
    p = data["people"]
    clerk, lead = login_as("clerk"), login_as("lead")
    dismissed = clerk.post(URL, json=_body(world, data, beneficiary_id=p[0])).json["id"]
    upheld = clerk.post(URL, json=_body(world, data, beneficiary_id=p[1])).json["id"]
    r = clerk.post("/api/v1/bank/batches", json={"policy_id": data["policy"], "period": data["period"]})
    assert r.status_code == 201, r.json
    refused = {x["beneficiary_id"]: x for x in r.json["refused"]}
    assert {b: x["reason"] for b, x in refused.items()} == {p[0]: "objection_open", p[1]: "objection_open"}
    assert refused[p[0]]["reason_zh"] == "公示期内有未办结的异议"
    assert [x["beneficiary_id"] for x in r.json["lines"]] == [p[2]]
    # The lead rules: one dismissed, one upheld (the notice must be corrected and posted again).
    for oid, outcome in ((dismissed, "dismissed"), (upheld, "upheld")):
        assert lead.post(f"{URL}/{oid}/resolve", json={"client_uuid": new_uuid(), "outcome": outcome,
                                                        "resolution": "已核实"}).status_code == 200
    r = clerk.post("/api/v1/bank/batches", json={"policy_id": data["policy"], "period": data["period"]})
    assert r.status_code == 201, r.json
    assert [x["beneficiary_id"] for x in r.json["lines"]] == [p[0]]
    refused = {x["beneficiary_id"]: x["reason"] for x in r.json["refused"]}
    assert (refused[p[1]], refused[p[2]]) == ("objection_upheld", "in_batch")
    # The ruling was weeks ago and the corrected notice has been up its full period since: paid.
    with app.app_context():
        db.session.get(NoticeObjection, upheld).resolved_at -= timedelta(days=30)
        db.session.execute(NoticeEntry.__table__.update().where(NoticeEntry.beneficiary_id == p[1])
                           .values(published_on=TODAY - timedelta(days=14)))
        db.session.commit()
    r = clerk.post("/api/v1/bank/batches", json={"policy_id": data["policy"], "period": data["period"]})
    assert r.status_code == 201, r.json
    assert [x["beneficiary_id"] for x in r.json["lines"]] == [p[1]]


def test_a_re_issue_waits_while_an_objection_stops_the_person(app, world, login_as):
    """补发 asks the notice's objections as a batch does: a fixed failure about whom an objection is
    open (or upheld, the notice not posted again) is refused with the same reason and stays waiting,
    fixed — re-issued once the objection is dismissed, or the corrected notice has been up its period."""
    from bank_seed import approved_batch, banksim, card_number, export
    from backend.bank.models import BatchPayment
    from backend.extensions import db
    from backend.subsidies.models import NoticeEntry, NoticeObjection
    data = make_people(app, world, n=2)
    p = data["people"]
    bid = approved_batch(app, world, data)
    returned = banksim().simulate(export(app, bid, "rcb_text"), fail={1: "AC04", 2: "AC04"})
    clerk, lead = login_as("clerk"), login_as("lead")
    r = clerk.post("/api/v1/bank/returns", form={"file": (io.BytesIO(returned[f"PB{bid:08d}.failure.txt"]), "f.txt")})
    assert r.status_code == 200 and r.json["counts"]["failed"] == 2, r.json
    failed = {f["beneficiary_id"]: f["id"] for f in clerk.get("/api/v1/bank/failures").json["items"] if f["batch_id"] == bid}
    for pid in failed.values():
        assert clerk.post(f"/api/v1/bank/payments/{pid}/fix", json={"bank_card": card_number()}).status_code == 200
    objections = {b: clerk.post(URL, json=_body(world, data, beneficiary_id=b)).json["id"] for b in p}

    def reissue(b):
        return clerk.post(f"/api/v1/bank/payments/{failed[b]}/reissue")

    def waiting():
        items = {f["id"]: f for f in clerk.get("/api/v1/bank/failures").json["items"]}
        return {b: (items[pid]["fixed"], items[pid]["reissued"]) for b, pid in failed.items()}

    for b in p:
        assert_error(reissue(b), 409, "objection_open")
    assert waiting() == {p[0]: (True, False), p[1]: (True, False)}
    with app.app_context():
        assert db.session.execute(select(BatchPayment).where(
            BatchPayment.reissue_of_id.in_(list(failed.values())))).first() is None
    for b, outcome in ((p[0], "dismissed"), (p[1], "upheld")):
        assert lead.post(f"{URL}/{objections[b]}/resolve", json={"client_uuid": new_uuid(), "outcome": outcome,
                                                                 "resolution": "已核实"}).status_code == 200
    assert reissue(p[0]).status_code == 201
    assert_error(reissue(p[1]), 409, "objection_upheld")
    with app.app_context():  # the ruling weeks ago; the corrected line posted again today needs its full period
        db.session.get(NoticeObjection, objections[p[1]]).resolved_at -= timedelta(days=30)
        db.session.execute(NoticeEntry.__table__.update().where(NoticeEntry.beneficiary_id == p[1])
                           .values(published_on=TODAY))
        db.session.commit()
    assert_error(reissue(p[1]), 409, "notice_short")
    assert waiting() == {p[0]: (True, True), p[1]: (True, False)}
    with app.app_context():  # the corrected notice has been up its full period since the ruling
        db.session.execute(NoticeEntry.__table__.update().where(NoticeEntry.beneficiary_id == p[1])
                           .values(published_on=TODAY - timedelta(days=14)))
        db.session.commit()
    again = reissue(p[1])
    assert again.status_code == 201, again.json
    assert reissue(p[1]).status_code == 200  # still exactly once
    with app.app_context():
        lines = db.session.execute(select(BatchPayment).where(
            BatchPayment.reissue_of_id.in_(list(failed.values())))).scalars().all()
        assert len(lines) == 2 and len({x.batch_id for x in lines}) == 1
