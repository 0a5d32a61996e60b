"""A villager looks up the objection they sent from the village's page by its receipt number (查询
异议): its state, the dates and the township's answer, themselves masked; the number forgiven for
spaces, case and full-width characters; a wrong one a JSON 404 in both languages; wrong numbers
limited per network.

Every visitor here comes from an address of its own (10.87.x.x), every notice is a policy of its
own (make_people), so no other test's data or limits meet these."""
import itertools
from datetime import timedelta

from sqlalchemy import func, select

from bank_seed import make_people
from conftest import TODAY, assert_error, new_uuid
from subsidy_seed import village_code

_addresses = itertools.count(1)
UP = TODAY - timedelta(days=2)  # posted on Sunday 29 November: up until 8 December


class Visitor:
    """Someone on their phone, not signed in, at an address of their own."""

    def __init__(self, app):
        n = next(_addresses)
        self.ip = f"10.87.{n // 200}.{n % 200 + 1}"
        self.client = app.test_client()

    def post(self, url, body):
        return self.client.post(url, json=body, environ_base={"REMOTE_ADDR": self.ip})


def _objects(app, world):
    """A villager's objection to a notice that is up: (the answer with its receipt, the lookup URL)."""
    data = make_people(app, world, n=1, published=UP)
    base = f"/api/v1/public/villages/{village_code(app, world)}/objections"
    r = Visitor(app).post(base, {"client_uuid": new_uuid(), "policy_id": data["policy"], "period": data["period"],
                                 "reason": "此人已在城里买房定居多年，不应享受本村补贴", "name": "钱王村民吴某",
                                 "phone": "13905712345"})
    assert r.status_code == 201, r.json
    return r.json, f"{base}/lookup"


def _lookups(app):
    from backend.extensions import db
    from backend.subsidies.models import ObjectionLookup
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ObjectionLookup))


def test_the_villager_sees_the_state_and_later_the_townships_answer(app, world, login_as):
    from backend.core import clock
    from backend.extensions import db
    from backend.subsidies.models import NoticeObjection
    sent, url = _objects(app, world)
    r = Visitor(app).post(url, {"receipt": sent["receipt"]})
    assert r.status_code == 200, r.json
    got = r.json
    assert (got["receipt"], got["status"], got["status_zh"], got["status_en"]) == (sent["receipt"], "open", "待办理", "Open")
    assert (got["received_on"], got["resolved_on"], got["answer"]) == (TODAY.isoformat(), None, None)
    assert (got["name"], got["phone"], got["reason"]) == (sent["name"], sent["phone"], sent["reason"])
    assert "吴某" not in got["name"] and "13905712345" not in got["phone"] and got["phone"].endswith("2345")
    assert set(got) == {"receipt", "village", "policy", "period", "person", "reason", "name", "phone", "status",
                        "status_zh", "status_en", "objections_until", "created_at", "received_on", "resolved_on",
                        "answer"}
    with app.app_context():
        oid = db.session.scalar(select(NoticeObjection.id).where(NoticeObjection.receipt == sent["receipt"]))
    clock.freeze(clock.now() + timedelta(days=2))  # ruled on Thursday 3 December
    r = login_as("lead").post(f"/api/v1/subsidies/objections/{oid}/resolve", json={
        "client_uuid": new_uuid(), "outcome": "dismissed", "resolution": "经村委会核实，此人户籍与居住均在本村，符合条件"})
    assert r.status_code == 200, r.json
    got = Visitor(app).post(url, {"receipt": sent["receipt"]}).json
    assert (got["status"], got["status_zh"], got["status_en"]) == ("dismissed", "异议不成立", "Dismissed")
    assert (got["resolved_on"], got["answer"]) == ("2026-12-03", "经村委会核实，此人户籍与居住均在本村，符合条件")
    assert got["received_on"] == TODAY.isoformat()


def test_a_receipt_typed_as_people_type_it_is_found(app, world):
    sent, url = _objects(app, world)
    receipt = sent["receipt"]  # YY20261201-7KQ4MX
    day, letters = receipt[2:10], receipt[11:]
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in receipt)  # ＹＹ２０２６１２０１－７ＫＱ４ＭＸ
    for typed in (receipt.lower(), f" {receipt} ", f"yy {day} {letters.lower()}", f"{day}{letters}", full_width,
                  f"YY{day}—{letters}", f"yy{day[:4]} {day[4:]}-{letters[:3]} {letters[3:]}"):
        r = Visitor(app).post(url, {"receipt": typed})
        assert (r.status_code, r.json.get("receipt")) == (200, receipt), (typed, r.json)


def test_a_wrong_receipt_is_a_json_404_in_both_languages(app, world):
    from backend.core.models import Region
    from backend.extensions import db
    from backend.subsidies import services
    sent, url = _objects(app, world)
    receipt = sent["receipt"]
    other_letter = "2" if receipt[-1] != "2" else "3"
    with app.app_context(), app.test_request_context(method="POST"):
        # Another village's page: one of its own (白沙村 must stay without a code, test_trial.py).
        town = db.session.get(Region, world["regions"]["taihuyuan"])
        taken = set(db.session.execute(db.select(Region.code).where(Region.code.like("3301129%"))).scalars())
        code = next(c for c in (f"3301129{n:05d}" for n in range(100000)) if c not in taken)
        village = Region(code=code, name=f"查询测试村{code[-3:]}", level="village", path=f"{town.path}{code}/",
                         parent_id=town.id)
        db.session.add(village)
        db.session.flush()
        elsewhere = services.village_code(village).code
        db.session.commit()
    for where, typed in ((url, receipt[:-1] + other_letter), (url, "YY2026"), (url, "不知道"),
                         (url, receipt.replace("YY", "XX")),
                         (f"/api/v1/public/villages/{elsewhere}/objections/lookup", receipt)):  # another village's page
        r = Visitor(app).post(where, {"receipt": typed})
        assert_error(r, 404, "objection_receipt_not_found", "json.receipt")
        assert "回执号" in r.json["error"]["message"]["zh"] and "receipt" in r.json["error"]["message"]["en"]
        assert sent["reason"] not in r.get_data(as_text=True)


def test_bad_input_is_named_and_nothing_is_counted(app, world):
    _, url = _objects(app, world)
    before = _lookups(app)
    assert_error(Visitor(app).post(url, {}), 400, "validation_error", "json.receipt")
    assert_error(Visitor(app).post(url, {"receipt": "Y" * 41}), 400, "validation_error", "json.receipt")
    assert_error(Visitor(app).post(url, {"receipt": "   "}), 400, "validation_error", "json.receipt")
    assert _lookups(app) == before  # refused before anything is counted
    assert_error(Visitor(app).post("/api/v1/public/villages/NOSUCHCODE/objections/lookup", {"receipt": "YY"}), 400,
                 "code_malformed", "path.code")


def test_wrong_receipts_are_limited_per_network_right_ones_are_not(app, world):
    sent, url = _objects(app, world)
    limit, visitor = app.config["OBJECTION_LOOKUPS_PER_VISITOR"], Visitor(app)
    for _ in range(3):
        assert visitor.post(url, {"receipt": sent["receipt"]}).status_code == 200  # found: not counted
    wrong = sent["receipt"][:-1] + ("2" if sent["receipt"][-1] != "2" else "3")
    assert [visitor.post(url, {"receipt": wrong}).status_code for _ in range(limit)] == [404] * limit
    r = visitor.post(url, {"receipt": sent["receipt"]})  # now even the right one waits: no oracle
    assert_error(r, 429, "objection_lookup_rate_limited")
    assert int(r.headers["Retry-After"]) > 0 and "分钟" in r.json["error"]["message"]["zh"]
    assert Visitor(app).post(url, {"receipt": sent["receipt"]}).status_code == 200  # a neighbour on mobile data
