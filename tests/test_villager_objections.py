"""A villager's own objection (异议) from the village's page (一村一码), through the API their phone
calls: to a notice while it is up (as a whole or to one line), with a mobile number sealed and
masked, a receipt number, once per client_uuid, a few per network an hour. It joins the township's
objections: the clerk sees it (raised by a villager), it stops the person's payment while open, and
the township's lead and clerk are told.

Every visitor here comes from an address of their own (10.86.x.x), and every notice is a policy of
its own (make_people), so no other test's data or limits meet these."""
import itertools
from datetime import timedelta

from sqlalchemy import select

from bank_seed import make_people
from conftest import PINNED, TODAY, assert_error, new_uuid
from subsidy_seed import village_code

_addresses = itertools.count(1)
UP = TODAY - timedelta(days=2)  # posted on Sunday 29 November: up until its 7th working day, 8 December


class Visitor:
    """Someone on their phone, not signed in, at an address of their own."""

    def __init__(self, app):
        n = next(_addresses)
        self.ip = f"10.86.{n // 200}.{n % 200 + 1}"
        self.client = app.test_client()

    def post(self, url, body):
        return self.client.post(url, json=body, environ_base={"REMOTE_ADDR": self.ip})

    def get(self, url):
        return self.client.get(url, environ_base={"REMOTE_ADDR": self.ip})


def _url(app, world):
    return f"/api/v1/public/villages/{village_code(app, world)}/objections"


def _body(data, **over):
    body = {"client_uuid": new_uuid(), "policy_id": data["policy"], "period": data["period"],
            "reason": "此人已在城里买房定居多年，不应享受本村补贴", "name": "钱王村民周某", "phone": "139 0571 2345"}
    body.update(over)
    return {k: v for k, v in body.items() if v is not None}


def _line_of(app, data, person):
    from backend.extensions import db
    from backend.subsidies.models import NoticeEntry
    with app.app_context():
        return db.session.scalar(select(NoticeEntry.id).where(NoticeEntry.beneficiary_id == person,
                                                              NoticeEntry.policy_id == data["policy"]))


def _count(app):
    from backend.extensions import db
    from backend.subsidies.models import NoticeObjection
    with app.app_context():
        return db.session.query(NoticeObjection).count()


def test_the_village_page_says_which_notices_are_up_and_names_their_lines(app, world):
    up = make_people(app, world, n=2, published=UP)
    over = make_people(app, world, n=1)  # posted 14 days ago: its period ended on 25 November
    page = Visitor(app).get(f"/api/v1/public/villages/{village_code(app, world)}?period=2026-11").json
    notices = {n["policy_id"]: n for n in page["notices"]}
    assert (notices[up["policy"]]["objections_open"], notices[up["policy"]]["objections_until"],
            notices[up["policy"]]["lines"]) == (True, "2026-12-08", 2)
    assert (notices[over["policy"]]["objections_open"], notices[over["policy"]]["objections_until"]) == \
        (False, "2026-11-25")
    mine = [n for n in page["notice"] if n["policy_id"] == up["policy"]]
    assert {n["line_id"] for n in mine} == {_line_of(app, up, p) for p in up["people"]}


def test_a_villager_objects_to_a_line_the_township_sees_it_and_the_payment_stops(app, world, login_as):
    from backend.core import pii
    from backend.core.models import AuditLog
    from backend.extensions import db
    from backend.notifications.models import Notification
    from backend.subsidies.models import NoticeObjection
    data = make_people(app, world, n=2, published=UP)
    person = data["people"][0]
    with app.app_context():
        told_before = db.session.query(Notification).filter(Notification.kind == "objection").count()
    r = Visitor(app).post(_url(app, world), _body(data, line_id=_line_of(app, data, person)))
    assert r.status_code == 201, r.json
    o = r.json
    assert o["receipt"].startswith("YY20261201-") and len(o["receipt"]) == 17
    assert (o["person"], o["name"], o["phone"], o["status"], o["status_zh"], o["created"]) == \
        ("测**0", "钱****某", "139****2345", "open", "待办理", True)
    assert (o["village"], o["period"], o["objections_until"]) == ("钱王社区", "2026-11", "2026-12-08")
    with app.app_context():
        row = db.session.execute(select(NoticeObjection).where(NoticeObjection.receipt == o["receipt"])).scalar_one()
        assert (row.source, row.created_by_id, row.beneficiary_id, row.received_on) == ("villager", None, person, TODAY)
        assert "13905712345" not in row.phone_enc and pii.decrypt(row.phone_enc, "phone") == "13905712345"
        assert db.session.execute(select(AuditLog.action).where(
            AuditLog.subject_type == "subsidy_objections", AuditLog.subject_id == row.id)).scalars().all() \
            == ["subsidy.objection_villager"]
        told = db.session.execute(select(Notification).where(
            Notification.kind == "objection", Notification.user_id.in_(
                [world["users"]["clerk"], world["users"]["lead"]]))).scalars().all()
        assert len(told) >= 2 and db.session.query(Notification).filter(
            Notification.kind == "objection").count() > told_before
        assert any(f"policy={data['policy']}" in n.link and "锦城街道钱王社区" in n.title_zh for n in told)
        oid = row.id
    # The township's list: the villager's objection, marked as theirs, the phone masked.
    clerk = login_as("clerk")
    mine = next(x for x in clerk.get("/api/v1/subsidies/objections?per_page=100").json["items"] if x["id"] == oid)
    assert (mine["source"], mine["receipt"], mine["created_by"], mine["raised_by"], mine["phone"]) == \
        ("villager", o["receipt"], None, "钱王村民周某", "139****2345")
    # Ten days later the notice has been up its full period: the person is still not paid while it is open.
    from backend.core import clock
    clock.freeze(PINNED + timedelta(days=10))
    r = login_as("clerk").post("/api/v1/bank/batches", json={"policy_id": data["policy"], "period": data["period"]})
    assert r.status_code == 201, r.json
    assert {x["beneficiary_id"]: x["reason"] for x in r.json["refused"]} == {person: "objection_open"}
    assert [x["beneficiary_id"] for x in r.json["lines"]] == [data["people"][1]]


def test_an_objection_to_the_notice_as_a_whole(app, world, login_as):
    data = make_people(app, world, n=1, published=UP)
    r = Visitor(app).post(_url(app, world), _body(data, reason="名单上漏了同组的李家，他们也符合条件"))
    assert r.status_code == 201, r.json
    assert r.json["person"] is None
    notice = login_as("clerk").get(f"/api/v1/subsidies/notices?region_id={world['regions']['qianwang']}").json
    assert next(s for s in notice["sets"] if s["policy_id"] == data["policy"])["open_objections"] == 1


def test_a_retry_with_the_same_client_uuid_gets_the_same_receipt(app, world):
    data = make_people(app, world, n=1, published=UP)
    body, visitor = _body(data), Visitor(app)
    before = _count(app)
    first, again = visitor.post(_url(app, world), body), visitor.post(_url(app, world), body)
    assert (first.status_code, again.status_code, again.json["created"]) == (201, 200, False)
    assert again.json["receipt"] == first.json["receipt"]
    assert _count(app) == before + 1
    # The receipt is still answered after the notice has come down (the retry of a form sent in time).
    from backend.core import clock
    clock.freeze(PINNED + timedelta(days=30))
    assert visitor.post(_url(app, world), body).json["receipt"] == first.json["receipt"]


def test_after_the_notice_period_the_villager_is_told_and_nothing_is_kept(app, world):
    data = make_people(app, world, n=1)  # posted 17 November: its period ended on 25 November
    before = _count(app)
    r = Visitor(app).post(_url(app, world), _body(data))
    assert_error(r, 409, "notice_period_over")
    assert "2026-11-25" in r.json["error"]["message"]["zh"]
    future = make_people(app, world, n=1, published=TODAY + timedelta(days=3))
    assert_error(Visitor(app).post(_url(app, world), _body(future)), 409, "notice_not_up")
    assert _count(app) == before


def test_bad_input_is_named_and_changes_nothing(app, world):
    data = make_people(app, world, n=1, published=UP)
    other = make_people(app, world, n=1, published=UP)
    url, before = _url(app, world), _count(app)

    def post(**over):
        return Visitor(app).post(url, _body(data, **over))

    assert_error(post(phone="0571-88881234"), 400, "phone_invalid", "json.phone")  # a landline: no SMS reply
    assert_error(post(phone="1390571234"), 400, "phone_invalid", "json.phone")
    assert_error(post(phone="1" * 21), 400, "validation_error", "json.phone")
    assert_error(post(reason="不对" * 251), 400, "validation_error", "json.reason")
    assert_error(post(reason="  不对  "), 400, "validation_error", "json.reason")
    assert_error(post(name="   "), 400, "validation_error", "json.name")
    assert_error(post(name=None), 400, "validation_error", "json.name")
    assert_error(post(phone=None), 400, "validation_error", "json.phone")
    assert_error(post(client_uuid="nope"), 400, "validation_error", "json.client_uuid")
    assert_error(post(period="2026-13"), 400, "validation_error", "json.period")
    assert_error(post(period="2025-11"), 404, "notice_not_found", "json.policy_id")
    assert_error(post(line_id=_line_of(app, other, other["people"][0])), 404, "notice_line_not_found", "json.line_id")
    assert _count(app) == before


def test_unknown_village_and_a_reused_client_uuid(app, world):
    data = make_people(app, world, n=1, published=UP)
    from backend.qrcodes.codes import new_code
    before = _count(app)
    assert_error(Visitor(app).post(f"/api/v1/public/villages/{new_code()}/objections", _body(data)), 404,
                 "code_not_found")
    assert_error(Visitor(app).post("/api/v1/public/villages/ABCD-EFGH-JKMN-PQ/objections", _body(data)), 400,
                 "code_checksum")
    assert _count(app) == before
    body = _body(data)
    assert Visitor(app).post(_url(app, world), body).status_code == 201
    other = make_people(app, world, n=1, village="baisha", published=UP)
    from backend.core.models import Region
    from backend.extensions import db
    from backend.subsidies import services
    with app.app_context(), app.test_request_context(method="POST"):
        code = services.village_code(db.session.get(Region, world["regions"]["baisha"])).code
        db.session.commit()
    assert_error(Visitor(app).post(f"/api/v1/public/villages/{code}/objections",
                                   {**_body(other), "client_uuid": body["client_uuid"]}), 409, "client_uuid_reused")


def test_one_network_may_send_only_a_few_objections_an_hour(app, world):
    data = make_people(app, world, n=1, published=UP)
    limit, visitor, url = app.config["OBJECTIONS_PER_VISITOR"], Visitor(app), _url(app, world)
    before = _count(app)
    assert [visitor.post(url, _body(data)).status_code for _ in range(limit)] == [201] * limit
    r = visitor.post(url, _body(data))
    assert_error(r, 429, "objection_rate_limited")
    assert r.headers["Retry-After"]
    assert _count(app) == before + limit
    assert Visitor(app).post(url, _body(data)).status_code == 201  # a neighbour on mobile data


def test_key_rotation_reencrypts_the_objectors_phone(app, world):
    """flask pii-rotate reaches the phones left with objections (the villager's own and the staff's)."""
    from backend.core import pii
    from backend.extensions import db
    from backend.subsidies.models import NoticeObjection
    from backend.subsidies.rotation import rotate
    data = make_people(app, world, n=1, published=UP)
    receipt = Visitor(app).post(_url(app, world), _body(data)).json["receipt"]
    old_keys = app.config["PII_KEYS"]
    newest = pii.new_key_line("t7")
    try:
        app.config["PII_KEYS"] = f"{newest},{old_keys}"
        app.extensions.pop("jicai_pii_keyring", None)
        with app.app_context():
            rotate()
            db.session.commit()
        app.config["PII_KEYS"] = newest  # the old keys are gone
        app.extensions.pop("jicai_pii_keyring", None)
        with app.app_context():
            row = db.session.execute(select(NoticeObjection).where(NoticeObjection.receipt == receipt)).scalar_one()
            assert pii.key_id(row.phone_enc) == "t7" and pii.decrypt(row.phone_enc, "phone") == "13905712345"
    finally:
        # Back to the test keys for the rest of the session (rotate again so the data matches them).
        app.config["PII_KEYS"] = f"{old_keys},{newest}"
        app.extensions.pop("jicai_pii_keyring", None)
        with app.app_context():
            rotate()
            db.session.commit()
        app.config["PII_KEYS"] = old_keys
        app.extensions.pop("jicai_pii_keyring", None)
