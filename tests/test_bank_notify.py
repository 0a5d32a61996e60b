"""A payment batch that goes back to draft tells the people concerned: a rejection (退回) its maker,
with the reason; a clerk's removal of a line an objection stops from a submitted or approved batch
the lead who approved it (or the township's leads) and the county's approver — never the one who
did it. Each message links to the batch page."""
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bank_seed import make_people
from conftest import TODAY, new_uuid


def _told(app, bid, kind):
    """{user_id: (title_zh, title_en)} of the messages of ``kind`` about batch ``bid``."""
    from backend.extensions import db
    from backend.notifications.models import Notification
    with app.app_context():
        rows = db.session.execute(select(Notification).where(
            Notification.kind == kind, Notification.link == f"/bank/{bid}")).scalars().all()
        by_user = {}
        for n in rows:
            assert n.user_id not in by_user, "told twice"
            by_user[n.user_id] = (n.title_zh, n.title_en)
        return by_user


def _leads_of_jincheng(app, world):
    from backend.core.models import Region
    from backend.extensions import db
    from backend.notifications.services import people_above
    with app.app_context():
        return {u.id for u in people_above(db.session.get(Region, world["regions"]["jincheng"]), ("township_lead",))}


def _batch(clerk, data):
    r = clerk.post("/api/v1/bank/batches", json={"policy_id": data["policy"], "period": data["period"]})
    assert r.status_code in (200, 201), r.json
    return r.json


def _object(client, world, data, person):
    r = client.post("/api/v1/subsidies/objections", json={
        "client_uuid": new_uuid(), "region_id": world["regions"]["qianwang"], "policy_id": data["policy"],
        "period": data["period"], "beneficiary_id": person, "raised_by": "钱王村民赵某", "phone": "139 0000 2222",
        "received_on": (TODAY - timedelta(days=1)).isoformat(), "text": "此人已不在本村居住"})
    assert r.status_code == 201, r.json
    return r.json


@pytest.fixture
def county_limit(app):
    old = app.config["BANK_COUNTY_APPROVAL_ABOVE"]
    yield lambda value: app.config.__setitem__("BANK_COUNTY_APPROVAL_ABOVE", Decimal(value))
    app.config["BANK_COUNTY_APPROVAL_ABOVE"] = old


def test_a_rejection_tells_the_maker_with_the_reason(app, world, login_as, county_limit):
    data = make_people(app, world, n=2, standard="300.00")
    clerk, lead, county = login_as("clerk"), login_as("lead"), login_as("county")
    batch = _batch(clerk, data)
    bid, no = batch["id"], batch["batch_no"]
    assert clerk.post(f"/api/v1/bank/batches/{bid}/submit").json["status"] == "submitted"
    assert lead.post(f"/api/v1/bank/batches/{bid}/reject", json={"reason": "公示照片缺失"}).json["status"] == "draft"
    told = _told(app, bid, "bank_batch_rejected")
    assert set(told) == {world["users"]["clerk"]}  # the maker only, not the lead who sent it back
    zh, en = told[world["users"]["clerk"]]
    assert zh.startswith(f"支付批次被退回：批次 {no}（锦城街道，") and zh.endswith("退回原因：公示照片缺失")
    assert en.startswith(f"Payment batch sent back: batch {no} (锦城街道, ") and "公示照片缺失" in en
    # The clerk's inbox has it, linking to the batch page.
    inbox = clerk.get("/api/v1/notifications").json["items"]
    assert any(n["link"] == f"/bank/{bid}" and n["title_zh"] == zh for n in inbox)

    # Above the limit the county sends it back after the lead approved: the maker is told again, and
    # the lead who approved it.
    county_limit("100.00")
    clerk.post(f"/api/v1/bank/batches/{bid}/submit")
    assert lead.post(f"/api/v1/bank/batches/{bid}/approve").json["status"] == "lead_approved"
    assert county.post(f"/api/v1/bank/batches/{bid}/reject", json={"reason": "超出预算"}).json["status"] == "draft"
    with app.app_context():
        from backend.extensions import db
        from backend.notifications.models import Notification
        titles = db.session.execute(select(Notification.title_zh).where(
            Notification.kind == "bank_batch_rejected", Notification.link == f"/bank/{bid}",
            Notification.user_id == world["users"]["clerk"]).order_by(Notification.id)).scalars().all()
        others = db.session.execute(select(Notification.user_id).where(
            Notification.kind == "bank_batch_rejected", Notification.link == f"/bank/{bid}",
            Notification.user_id != world["users"]["clerk"])).scalars().all()
    assert [t.rsplit("：", 1)[-1] for t in titles] == ["公示照片缺失", "超出预算"]
    assert others == [world["users"]["lead"]]
    assert _told(app, bid, "bank_batch_returned") == {}


def test_a_removal_from_a_submitted_batch_tells_the_townships_leads(app, world, login_as):
    data = make_people(app, world, n=2, standard="300.00")
    clerk = login_as("clerk")
    batch = _batch(clerk, data)
    # A removal from a draft tells nobody.
    assert clerk.post(f"/api/v1/bank/batches/{batch['id']}/remove",
                      json={"payment_id": batch["lines"][0]["id"], "reason": "已迁出"}).json["status"] == "draft"
    assert _told(app, batch["id"], "bank_batch_returned") == {}

    data = make_people(app, world, n=2, standard="300.00")
    batch = _batch(clerk, data)
    bid, no = batch["id"], batch["batch_no"]
    line = next(x for x in batch["lines"] if x["beneficiary_id"] == data["people"][0])
    assert clerk.post(f"/api/v1/bank/batches/{bid}/submit").json["status"] == "submitted"
    _object(clerk, world, data, data["people"][0])
    back = clerk.post(f"/api/v1/bank/batches/{bid}/remove", json={"payment_id": line["id"], "reason": "村民异议待核实"})
    assert back.json["status"] == "draft"
    told = _told(app, bid, "bank_batch_returned")
    leads = _leads_of_jincheng(app, world)
    assert world["users"]["lead"] in leads and set(told) == leads  # not the clerk, not another township's lead
    assert world["users"]["lead_sibling"] not in told and world["users"]["county"] not in told
    zh, en = told[world["users"]["lead"]]
    assert zh.startswith(f"支付批次退回草稿，须重新审核：批次 {no}（锦城街道，") and "村民异议待核实" in zh
    assert en.startswith(f"Payment batch back to draft, to be approved again: batch {no} (锦城街道, ")
    assert "测试甲0" not in zh + en and "测*" in zh  # the person's name is masked
    assert _told(app, bid, "bank_batch_rejected") == {}


def test_a_removal_from_an_approved_batch_tells_its_approvers(app, world, login_as, county_limit):
    from backend.bank.models import PaymentBatch
    from backend.extensions import db
    data = make_people(app, world, n=2, standard="300.00")
    clerk, lead, county = login_as("clerk"), login_as("lead"), login_as("county")
    batch = _batch(clerk, data)
    bid, no = batch["id"], batch["batch_no"]
    county_limit("100.00")
    clerk.post(f"/api/v1/bank/batches/{bid}/submit")
    assert lead.post(f"/api/v1/bank/batches/{bid}/approve").json["status"] == "lead_approved"
    assert county.post(f"/api/v1/bank/batches/{bid}/approve").json["status"] == "approved"
    _object(clerk, world, data, data["people"][1])
    line = next(x for x in batch["lines"] if x["beneficiary_id"] == data["people"][1])
    assert clerk.post(f"/api/v1/bank/batches/{bid}/remove",
                      json={"payment_id": line["id"], "reason": "异议"}).json["status"] == "draft"
    told = _told(app, bid, "bank_batch_returned")
    assert set(told) == {world["users"]["lead"], world["users"]["county"]}  # who approved it; not the clerk
    assert all(zh.startswith(f"支付批次退回草稿，须重新审核：批次 {no}") for zh, _ in told.values())

    # Approved by the one who takes the line out (as if): they are not told about their own doing.
    data = make_people(app, world, n=2, standard="30.00")
    batch = _batch(clerk, data)
    bid = batch["id"]
    clerk.post(f"/api/v1/bank/batches/{bid}/submit")
    assert lead.post(f"/api/v1/bank/batches/{bid}/approve").json["status"] == "approved"
    with app.app_context():
        db.session.get(PaymentBatch, bid).lead_approved_by_id = world["users"]["clerk"]
        db.session.commit()
    _object(clerk, world, data, data["people"][0])
    line = next(x for x in batch["lines"] if x["beneficiary_id"] == data["people"][0])
    assert clerk.post(f"/api/v1/bank/batches/{bid}/remove",
                      json={"payment_id": line["id"], "reason": "异议"}).json["status"] == "draft"
    assert _told(app, bid, "bank_batch_returned") == {}
