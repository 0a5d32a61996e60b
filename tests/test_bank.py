"""一键直连: batches proposed with refusals, maker and checker, bank files in both profiles, return files
through the simulator (and every refusal of a bad one), failures fixed and re-issued exactly once,
and the villager's view."""
import io
import threading
from datetime import date, timedelta
from decimal import Decimal
from xml.etree import ElementTree as ET

import pytest
from sqlalchemy import func, select

from bank_seed import approved_batch, banksim, card_number, export, make_people, user
from conftest import TODAY, assert_error, new_uuid


def _lines(app, batch_id):
    from backend.bank.models import BatchPayment
    from backend.extensions import db
    with app.app_context():
        return {p.seq: (p.status, p.reason_code, p.route, p.route_to) for p in db.session.execute(
            select(BatchPayment).where(BatchPayment.batch_id == batch_id)).scalars()}


def _upload(client, data, name, batch_id=None):
    form = {"file": (io.BytesIO(data), name)}
    if batch_id:
        form["batch_id"] = str(batch_id)
    return client.post("/api/v1/bank/returns", form=form)


def test_working_days():
    from backend.bank.services import working_days
    assert working_days(date(2026, 11, 20), date(2026, 12, 1)) == 7  # Fri … Mon 30th: weekends not counted
    assert working_days(date(2026, 11, 23), date(2026, 12, 1)) == 6
    assert working_days(date(2026, 12, 1), date(2026, 12, 1)) == 0


def test_proposal_refuses_each_with_its_reason(app, world, login_as):
    from backend.core import pii
    from backend.extensions import db
    from backend.subsidies.models import Beneficiary, DeathRecord, Disbursement, NoticeEntry
    data = make_people(app, world, n=7)
    p = data["people"]
    with app.app_context():
        db.session.get(Beneficiary, p[0]).card_enc = None  # no card
        db.session.execute(NoticeEntry.__table__.update().where(NoticeEntry.beneficiary_id == p[1])
                           .values(published_on=date(2026, 11, 23)))  # six working days: short
        db.session.execute(NoticeEntry.__table__.delete().where(NoticeEntry.beneficiary_id == p[2]))
        b2 = db.session.get(Beneficiary, p[2])  # paid before, not on this notice
        db.session.add(Disbursement(region_id=b2.region_id, policy_id=data["policy"], beneficiary_id=p[2], period="2026-10",
                                    amount=Decimal("100"), status="paid", row_key=f"t-{new_uuid()}"))
        b3 = db.session.get(Beneficiary, p[3])
        db.session.add(DeathRecord(region_id=b3.region_id, name=b3.name, id_enc=b3.id_enc, id_hash=b3.id_hash,
                                   id_mask=b3.id_mask, died_on=date(2026, 10, 1)))
        b4 = db.session.get(Beneficiary, p[4])
        db.session.add(Disbursement(region_id=b4.region_id, policy_id=data["policy"], beneficiary_id=p[4], period="2026-11",
                                    amount=Decimal("100"), status="paid", row_key=f"t-{new_uuid()}"))
        db.session.commit()
    clerk = login_as("clerk")
    r = clerk.post("/api/v1/bank/batches", json={"policy_id": data["policy"], "period": "2026-11"})
    assert r.status_code == 201, r.json
    reasons = {x["beneficiary_id"]: x["reason"] for x in r.json["refused"]}
    assert reasons == {p[0]: "no_card", p[1]: "notice_short", p[2]: "notice_missing", p[3]: "deceased",
                       p[4]: "already_paid"}
    assert all(x["reason_zh"] and x["reason_en"] for x in r.json["refused"])
    lines = r.json["lines"]
    assert [x["beneficiary_id"] for x in lines] == [p[5], p[6]]
    # standard × quantity: person 5 has quantity 2, person 6 quantity 1
    assert [x["amount"] for x in lines] == ["200.00", "100.00"] and r.json["total"] == "300.00"
    assert {(x["status"], x["status_zh"]) for x in lines} == {("pending", "待发送")}  # no file yet
    # A second batch for the same policy and period: everyone already in one.
    again = clerk.post("/api/v1/bank/batches", json={"policy_id": data["policy"], "period": "2026-11"})
    assert_error(again, 422, "batch_empty")
    # "see the refusals": the error itself says who was refused for what, a line per reason (zh and en).
    fields = {f["reason"]: f for f in again.json["error"]["fields"]}
    assert fields["in_batch"]["count"] == 2 and fields["in_batch"]["zh"] == "已在本政策本期的支付批次中：2 人"
    assert fields["in_batch"]["message"] == "Already in a batch for this policy and period: 2"
    assert fields["already_paid"]["count"] == 1 and set(fields) == {"in_batch", "already_paid", "no_card",
                                                                     "notice_short", "notice_missing", "deceased"}


def test_unique_person_policy_period_in_the_database(app, world):
    from sqlalchemy.exc import IntegrityError

    from backend.bank.models import BatchPayment
    from backend.extensions import db
    data = make_people(app, world, n=1)
    batch_id = approved_batch(app, world, data)
    with app.app_context():
        line = db.session.execute(select(BatchPayment).where(BatchPayment.batch_id == batch_id)).scalar_one()
        copy = BatchPayment(batch_id=batch_id, seq=2, region_id=line.region_id, beneficiary_id=line.beneficiary_id,
                            policy_id=line.policy_id, period=line.period, attempt=0, amount=line.amount, name=line.name,
                            card_enc=line.card_enc, card_hash=line.card_hash, card_mask=line.card_mask)
        db.session.add(copy)
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_maker_checker_and_county_above_the_limit(app, world, login_as):
    from backend.core.models import AuditLog
    from backend.extensions import db
    data = make_people(app, world, n=3, standard="500.00")
    clerk, lead, county = login_as("clerk"), login_as("lead"), login_as("county")
    batch = clerk.post("/api/v1/bank/batches", json={"policy_id": data["policy"], "period": "2026-11"}).json
    bid = batch["id"]
    # The clerk removes one with a reason; the total follows.
    removed = clerk.post(f"/api/v1/bank/batches/{bid}/remove", json={"payment_id": batch["lines"][0]["id"], "reason": "已迁出"})
    assert removed.status_code == 200 and removed.json["count"] == 2 and removed.json["removed"][0]["reason"] == "已迁出"
    assert_error(lead.post(f"/api/v1/bank/batches/{bid}/approve"), 409, "batch_state")  # not submitted yet
    sub = clerk.post(f"/api/v1/bank/batches/{bid}/submit")
    assert sub.status_code == 200 and sub.json["status"] == "submitted" and sub.json["total"] == "1500.00"
    assert_error(clerk.post(f"/api/v1/bank/batches/{bid}/approve"), 403, "role_forbidden")
    assert_error(clerk.post(f"/api/v1/bank/batches/{bid}/remove", json={"payment_id": batch["lines"][1]["id"], "reason": "x"}),
                 409, "batch_state")  # fixed once submitted
    # Rejected: back to the clerk with the reason.
    rej = lead.post(f"/api/v1/bank/batches/{bid}/reject", json={"reason": "公示材料不全"})
    assert rej.json["status"] == "draft" and rej.json["rejected_reason"] == "公示材料不全"
    clerk.post(f"/api/v1/bank/batches/{bid}/submit")
    old = app.config["BANK_COUNTY_APPROVAL_ABOVE"]
    app.config["BANK_COUNTY_APPROVAL_ABOVE"] = Decimal("999.99")
    try:
        assert_error(county.post(f"/api/v1/bank/batches/{bid}/approve"), 403, "approver_role")  # the lead first
        ok = lead.post(f"/api/v1/bank/batches/{bid}/approve")
        assert ok.json["status"] == "lead_approved"
        assert_error(lead.post(f"/api/v1/bank/batches/{bid}/approve"), 403, "approver_role")
        assert county.post(f"/api/v1/bank/batches/{bid}/approve").json["status"] == "approved"
    finally:
        app.config["BANK_COUNTY_APPROVAL_ABOVE"] = old
    with app.app_context():
        actions = [a for (a,) in db.session.execute(select(AuditLog.action).where(
            AuditLog.subject_type == "payment_batches", AuditLog.subject_id == bid).order_by(AuditLog.id))]
    assert actions == ["bank.batch_build", "bank.batch_remove", "bank.batch_submit", "bank.batch_reject",
                       "bank.batch_submit", "bank.batch_approve", "bank.batch_approve"]


def test_the_maker_cannot_approve_their_own(app, world):
    from backend.bank import services
    from backend.core.errors import ApiError
    from backend.extensions import db
    data = make_people(app, world, n=1)
    with app.app_context(), app.test_request_context(method="POST"):
        lead = user(app, world, "lead")
        batch = services.build_batch(user(app, world, "clerk"), data["policy"], data["period"])
        batch.created_by_id = lead.id  # as if the lead had made it
        services.submit(batch, lead)
        with pytest.raises(ApiError) as e:
            services.approve(batch, lead)
        assert e.value.code == "maker_cannot_approve"
        db.session.rollback()


def test_text_profile_round_trip(app, world, login_as):
    from backend.extensions import db
    from backend.subsidies.models import Disbursement
    data = make_people(app, world, n=4)
    bid = approved_batch(app, world, data)
    lead = login_as("lead")
    r = lead.post(f"/api/v1/bank/batches/{bid}/export", json={"profile": "rcb_text"})
    assert r.status_code == 200 and r.headers["Content-Disposition"].endswith('.txt"')
    text = r.data.decode("gbk").splitlines()
    head = text[0].split("|")
    assert head[1] == "锦城街道财政所" and head[2] == f"PB{bid:08d}" and head[3] == "4" and head[4] == "600.00"
    first = text[1].split("|")
    assert first[0] == "1" and first[2] == "100.00" and first[4] == "01" and first[5] == data["ids"][0]
    import hashlib
    assert r.headers["X-Content-SHA256"] == hashlib.sha256(r.data).hexdigest()
    files = banksim().simulate(r.data, fail={2: "AC04", 3: "BE01"})
    ok = _upload(lead, files[f"PB{bid:08d}.success.txt"], "success.txt", bid)
    assert ok.status_code == 200 and ok.json["counts"]["paid"] == 2, ok.json
    bad = _upload(lead, files[f"PB{bid:08d}.failure.txt"], "failure.txt")
    assert bad.json["counts"]["failed"] == 2 and bad.json["status"] == "closed"
    lines = _lines(app, bid)
    assert lines[1][0] == "paid" and lines[4][0] == "paid"
    assert lines[2] == ("failed", "AC04", "township", "锦城街道财政所")
    assert lines[3] == ("failed", "BE01", "department", "农业农村局")
    # The same file again changes nothing.
    again = _upload(lead, files[f"PB{bid:08d}.failure.txt"], "failure.txt")
    assert again.status_code == 200 and again.json["duplicate"] is True
    assert _lines(app, bid) == lines
    with app.app_context():
        rows = {d.beneficiary_id: (d.status, d.reason) for d in db.session.execute(select(Disbursement).where(
            Disbursement.policy_id == data["policy"])).scalars()}
    assert rows[data["people"][0]][0] == "paid"
    assert rows[data["people"][1]][0] == "failed" and "银行卡已销户" in rows[data["people"][1]][1]


def test_the_file_sent_is_the_only_one_downloaded_again_and_every_download_is_audited(app, world, login_as):
    """Once written the file is the bank's: another format is refused, the same one gives the same
    bytes and never rewrites the recorded format and hash, and a batch whose data no longer writes
    that file is refused too. Every download holds every full card and ID number of the batch: the
    county reads each in the audit view, under 查看完整个人信息."""
    import hashlib
    from backend.bank.models import BatchPayment
    from backend.bank.profiles import PROFILES
    from backend.extensions import db
    data = make_people(app, world, n=3)
    bid = approved_batch(app, world, data)
    clerk = login_as("clerk")
    url = f"/api/v1/bank/batches/{bid}/export"
    first = clerk.post(url, json={"profile": "rcb_text"})
    assert first.status_code == 200
    sent = hashlib.sha256(first.data).hexdigest()
    assert_error(clerk.post(url, json={"profile": "iso20022"}), 409, "export_profile_fixed", "json.profile")
    again = clerk.post(url, json={"profile": "rcb_text"})
    assert again.status_code == 200 and again.data == first.data
    batch = clerk.get(f"/api/v1/bank/batches/{bid}").json
    assert (batch["export_profile"], batch["export_sha256"]) == ("rcb_text", sent)
    with app.app_context():  # a payee's name on the line corrected after the file went out
        line = db.session.execute(select(BatchPayment).where(BatchPayment.batch_id == bid, BatchPayment.seq == 1)).scalar_one()
        line.name += "甲"
        db.session.commit()
    assert_error(clerk.post(url, json={"profile": "rcb_text"}), 409, "export_changed")
    batch = clerk.get(f"/api/v1/bank/batches/{bid}").json
    assert (batch["status"], batch["export_profile"], batch["export_sha256"]) == ("exported", "rcb_text", sent)
    items = login_as("county").get("/api/v1/audit?action=reveal&per_page=100").json["items"]
    downloads = [e for e in items if e["action"] == "bank.batch_export" and e["subject"]["id"] == bid]
    assert len(downloads) == 2  # the refused ones wrote nothing
    entry = downloads[0]
    assert entry["kind"] == "reveal" and entry["subject"]["link"] == f"/bank/{bid}"
    assert entry["action_name"]["zh"] == "导出银行代发文件（含完整卡号、身份证号）"
    assert entry["note"] == {"zh": f"文件格式：{PROFILES['rcb_text']['name_zh']}；人数：3",
                             "en": f"File format: {PROFILES['rcb_text']['name_en']}; People: 3"}


def test_the_batch_list_names_each_township_and_filters_by_region(app, world, login_as):
    from conftest import every_item
    data = make_people(app, world, n=2)
    bid = approved_batch(app, world, data)
    county = login_as("county")
    ids = lambda client, query="": [b["id"] for b in every_item(client, f"/api/v1/bank/batches?{query}")]  # noqa: E731
    ours = next(b for b in every_item(county, "/api/v1/bank/batches") if b["id"] == bid)
    assert ours["township"] == "锦城街道"
    assert bid in ids(county, f"region_id={world['regions']['jincheng']}")
    assert bid not in ids(county, f"region_id={world['regions']['taihuyuan']}")
    assert_error(login_as("lead").get(f"/api/v1/bank/batches?region_id={world['regions']['taihuyuan']}"), 403, "out_of_scope")
    assert_error(county.get("/api/v1/bank/batches?region_id=abc"), 400, "validation_error", "query.region_id")
    assert_error(county.get("/api/v1/bank/batches?region_id=99999999"), 404, "not_found")


def test_a_rare_character_in_a_name_reaches_the_bank_whole(app, world, login_as):
    """GBK has no code for 𠮷 (U+20BB7) or 䶮: the text file is GB18030, which writes them whole (a '?'
    would fail at the bank as 户名不符) and every GBK character as GBK's own bytes."""
    from backend.extensions import db
    from backend.subsidies.models import Beneficiary
    data = make_people(app, world, n=2)
    with app.app_context():
        db.session.get(Beneficiary, data["people"][0]).name = "𠮷䶮"
        db.session.commit()
    bid = approved_batch(app, world, data)
    lead = login_as("lead")
    raw = lead.post(f"/api/v1/bank/batches/{bid}/export", json={"profile": "rcb_text"}).data
    rows = raw.decode("gb18030").splitlines()
    assert rows[1].split("|")[1] == "𠮷䶮" and b"?" not in raw
    assert rows[0].encode("gbk") == raw.split(b"\r\n")[0]  # GBK's bytes where GBK has the characters
    files = banksim().simulate(raw)
    ok = _upload(lead, files[f"PB{bid:08d}.success.txt"], "success.txt", bid)
    assert ok.status_code == 200 and ok.json["counts"]["paid"] == 2, ok.json


def test_iso20022_round_trip_with_unknown_then_final(app, world, login_as):
    data = make_people(app, world, n=3)
    bid = approved_batch(app, world, data)
    xml = export(app, bid, "iso20022")
    ns = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}
    root = ET.fromstring(xml)
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", namespaces=ns) == "3"
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=ns) == "400.00"
    ids = [e.text for e in root.iterfind(".//p:CdtTrfTxInf/p:PmtId/p:EndToEndId", ns)]
    assert ids == [f"PB{bid:08d}-{i:06d}" for i in (1, 2, 3)]
    assert export(app, bid, "iso20022") == xml  # the same file every time
    files = banksim().simulate(xml, fail={3: "AC06"}, unknown=[2, 3])
    lead = login_as("clerk")
    first = _upload(lead, files[f"PB{bid:08d}.pain002.xml"], "status.xml")
    assert first.status_code == 200 and first.json["counts"] == {"paid": 1, "failed": 0, "unknown": 2, "unchanged": 0}
    assert first.json["status"] == "exported"
    assert _lines(app, bid)[2][0] == "unknown"
    # An unknown payment is never proposed again.
    again = login_as("clerk").post("/api/v1/bank/batches", json={"policy_id": data["policy"], "period": "2026-11"})
    assert_error(again, 422, "batch_empty")
    final = _upload(lead, files[f"PB{bid:08d}.pain002.final.xml"], "final.xml")
    assert final.json["counts"]["paid"] == 1 and final.json["counts"]["failed"] == 1 and final.json["status"] == "closed"
    lines = _lines(app, bid)
    assert lines[2][0] == "paid" and lines[3][:2] == ("failed", "AC06")


@pytest.mark.parametrize("fault,code", [("duplicate", "line_duplicate"), ("extra_line", "line_unknown"),
                                        ("wrong_total", "total_mismatch")])
@pytest.mark.parametrize("profile", ["rcb_text", "iso20022"])
def test_a_bad_return_file_is_refused_whole(app, world, login_as, profile, fault, code):
    from backend.bank.models import ReturnFile
    from backend.extensions import db
    data = make_people(app, world, n=3)
    bid = approved_batch(app, world, data)
    files = banksim().simulate(export(app, bid, profile), **{fault: True})
    name = f"PB{bid:08d}.success.txt" if profile == "rcb_text" else f"PB{bid:08d}.pain002.xml"
    r = _upload(login_as("lead"), files[name], "ret")
    assert_error(r, 422, code)
    assert {s for s, *_ in _lines(app, bid).values()} == {"pending"}  # stored; read as 'sent' (the file is out):
    shown = login_as("lead").get(f"/api/v1/bank/batches/{bid}").json["lines"]
    assert {(x["status"], x["status_zh"], x["status_en"]) for x in shown} == {("sent", "银行处理中", "At the bank")}
    with app.app_context():
        assert db.session.execute(select(func.count(ReturnFile.id)).where(ReturnFile.batch_id == bid)).scalar() == 0


def test_a_return_file_of_another_batch_is_refused(app, world, login_as):
    one = approved_batch(app, world, make_people(app, world, n=1))
    two = approved_batch(app, world, make_people(app, world, n=1))
    files = banksim().simulate(export(app, one, "rcb_text"))
    export(app, two, "rcb_text")
    r = _upload(login_as("lead"), files[f"PB{one:08d}.success.txt"], "x.txt", batch_id=two)
    assert_error(r, 422, "batch_mismatch")
    ghost = files[f"PB{one:08d}.success.txt"].replace(f"PB{one:08d}".encode(), b"PB99999999")
    assert_error(_upload(login_as("lead"), ghost, "x.txt"), 422, "batch_unknown")
    assert_error(_upload(login_as("lead"), b"\x00\xff garbage", "x.txt"), 422, "return_encoding")
    assert_error(_upload(login_as("lead"), b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>", "x.xml"),
                 422, "return_malformed")


def test_failure_fixed_and_reissued_exactly_once_under_concurrent_clicks(app, world, login_as):
    from backend.bank.models import BatchPayment, PaymentBatch
    from backend.extensions import db
    data = make_people(app, world, n=2)
    bid = approved_batch(app, world, data)
    files = banksim().simulate(export(app, bid, "rcb_text"), fail={1: "AC04"})
    lead = login_as("lead")
    _upload(lead, files[f"PB{bid:08d}.failure.txt"], "f.txt")
    failures = [f for f in lead.get("/api/v1/bank/failures").json["items"] if f["batch_id"] == bid]
    assert len(failures) == 1 and failures[0]["route"] == "township" and failures[0]["reason_zh"] == "已销户"
    pid = failures[0]["id"]
    assert_error(lead.post(f"/api/v1/bank/payments/{pid}/reissue"), 409, "payment_not_fixed")
    assert_error(lead.post(f"/api/v1/bank/payments/{pid}/fix", json={"bank_card": "12"}), 400, "card_malformed")
    fixed = lead.post(f"/api/v1/bank/payments/{pid}/fix", json={"bank_card": card_number(), "note": "已换新卡"})
    assert fixed.status_code == 200 and fixed.json["fixed"] is True
    clients = [login_as("clerk"), login_as("clerk")]
    answers = []
    barrier = threading.Barrier(2)

    def click(c):
        barrier.wait()
        r = c.post(f"/api/v1/bank/payments/{pid}/reissue")
        answers.append((r.status_code, r.get_json()))

    threads = [threading.Thread(target=click, args=(c,)) for c in clients]
    [t.start() for t in threads]
    [t.join(60) for t in threads]
    assert sorted(s for s, _ in answers) == [200, 201], answers
    assert answers[0][1]["id"] == answers[1][1]["id"]
    with app.app_context():
        lines = db.session.execute(select(BatchPayment).where(BatchPayment.reissue_of_id == pid)).scalars().all()
        assert len(lines) == 1 and lines[0].attempt == 1
        follow = db.session.get(PaymentBatch, lines[0].batch_id)
        assert follow.kind == "reissue" and follow.status == "draft" and follow.count == 1
        follow_id = follow.id
    # The follow-up batch goes the same way and pays.
    clerk = login_as("clerk")
    assert clerk.post(f"/api/v1/bank/batches/{follow_id}/submit").status_code == 200
    assert login_as("lead").post(f"/api/v1/bank/batches/{follow_id}/approve").json["status"] == "approved"
    files = banksim().simulate(export(app, follow_id, "iso20022"))
    r = _upload(clerk, files[f"PB{follow_id:08d}.pain002.xml"], "s.xml")
    assert r.json["counts"]["paid"] == 1
    item = [f for f in lead.get("/api/v1/bank/failures").json["items"] if f["id"] == pid][0]
    assert item["reissued"] is True


def test_the_villager_sees_the_bank_and_no_shou_dao_is_answered(app, world):
    from backend.extensions import db
    from backend.subsidies import services as subsidies
    from backend.subsidies.models import Beneficiary
    data = make_people(app, world, n=2)
    bid = approved_batch(app, world, data)
    files = banksim().simulate(export(app, bid, "rcb_text"), fail={1: "AC04"})
    with app.app_context(), app.test_request_context(method="POST"):
        from backend.bank import services
        from backend.cli import OPERATOR
        services.import_return(files[f"PB{bid:08d}.failure.txt"], OPERATOR)
        db.session.commit()
        person = db.session.get(Beneficiary, data["people"][0])
        mine = [p for p in subsidies.my_view(person)["payments"] if p["policy_id"] == data["policy"]]
        assert mine[0]["bank_status"] == "failed" and mine[0]["bank_reason"] == "AC04"
        assert mine[0]["bank_plain_zh"] == "银行卡已销户：请到村里更新银行卡"
        case, created = subsidies.open_case(person, new_uuid(), "没收到", policy_id=data["policy"], period="2026-11")
        assert created and case.status == "answered" and "银行卡已销户" in case.answer
        db.session.commit()
        # The other is in the success file, not imported yet: at the bank.
        assert services.bank_status(data["people"][1])[(data["policy"], "2026-11")]["bank_status"] == "sent"


def test_cli_export_and_import(app, world, tmp_path):
    data = make_people(app, world, n=2)
    bid = approved_batch(app, world, data)
    runner = app.test_cli_runner()
    out = tmp_path / "batch.xml"
    r = runner.invoke(args=["bank-export", str(bid), "--profile", "iso20022", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "sha256" in r.output and out.read_bytes().startswith(b"<?xml")
    import subprocess
    import sys
    from conftest import ROOT
    subprocess.run([sys.executable, str(ROOT / "tools" / "banksim.py"), str(out), "--out", str(tmp_path), "--fail", "2=MD07"],
                   check=True, capture_output=True)
    ret = tmp_path / f"PB{bid:08d}.pain002.xml"
    r = runner.invoke(args=["bank-import", str(ret)])
    assert r.exit_code == 0, r.output
    assert '"failed": 1' in r.output
    r = runner.invoke(args=["bank-import", str(ret)])
    assert r.exit_code == 0 and '"duplicate": true' in r.output
    assert _lines(app, bid)[2][1:3] == ("MD07", "department")
    r = runner.invoke(args=["bank-export", "999999999", "--profile", "iso20022", "--out", str(out)])
    assert r.exit_code != 0


def test_bad_input_changes_nothing(app, world, login_as):
    from backend.bank.models import PaymentBatch
    from backend.extensions import db
    data = make_people(app, world, n=1)
    clerk = login_as("clerk")
    with app.app_context():
        before = db.session.execute(select(func.count(PaymentBatch.id))).scalar()
    assert_error(clerk.post("/api/v1/bank/batches", json={"policy_id": data["policy"], "period": "2026-13"}),
                 400, "period_malformed", "json.period")
    # (were a 422 batch_empty: nobody on the notice of that "period"; a line break is refused as in any
    # one-line field)
    for period, code in (("2026-11\n", "control_character"), ("２０２６-11", "period_malformed")):
        assert_error(clerk.post("/api/v1/bank/batches", json={"policy_id": data["policy"], "period": period}),
                     400, code, "json.period")
    assert_error(clerk.post("/api/v1/bank/batches", json={"period": "2026-11"}), 400, "validation_error", "json.policy_id")
    assert_error(clerk.post("/api/v1/bank/batches", json={"policy_id": 2**31 - 2, "period": "2026-11"}),
                 404, "policy_not_found", "json.policy_id")
    bid = clerk.post("/api/v1/bank/batches", json={"policy_id": data["policy"], "period": "2026-11"}).json["id"]
    assert_error(clerk.post(f"/api/v1/bank/batches/{bid}/remove", json={"payment_id": 1, "reason": ""}), 400,
                 "validation_error", "json.reason")
    assert_error(clerk.post(f"/api/v1/bank/batches/{bid}/export", json={"profile": "swift"}), 400, "validation_error",
                 "json.profile")
    assert_error(clerk.post(f"/api/v1/bank/batches/{bid}/export", json={"profile": "rcb_text"}), 409, "batch_state")
    assert_error(login_as("lead").post(f"/api/v1/bank/batches/{bid}/reject", json={}), 400, "validation_error",
                 "json.reason")
    with app.app_context():
        assert db.session.execute(select(func.count(PaymentBatch.id))).scalar() == before + 1


def test_the_county_makes_a_clerk_of_a_township_and_the_roster_knows_the_word(app, world, login_as):
    from backend.auth.roster import parse_role
    county = login_as("county")
    name = f"clerk_{new_uuid()[:8]}"
    r = county.post("/api/v1/users", json={"username": name, "display_name": "专管员", "role": "clerk",
                                           "region_id": world["regions"]["jincheng"]})
    assert r.status_code == 201 and r.json["role"] == "clerk", r.json
    wrong = county.post("/api/v1/users", json={"username": name + "x", "display_name": "专管员", "role": "clerk",
                                               "region_id": world["regions"]["linan"]})
    assert_error(wrong, 400, "role_region_level", "json.region_id")
    assert parse_role("乡镇财政专管员") == "clerk" and parse_role("专管员") == "clerk"


def test_failures_become_tasks_for_the_owner_of_the_registry_and_its_close_fixes_them(app, world, login_as):
    """A wrong account number goes to 农业农村局 (the policy's department), a closed account to the
    township; when the department's task is closed (销号) the failure counts as fixed and is
    re-issued once."""
    import department_seed
    from backend.departments.models import DepartmentTask
    from backend.extensions import db
    department_seed.ensure(app, world)
    from backend.bank.models import PaymentBatch
    from backend.notifications.models import Notification
    data = make_people(app, world, n=3)
    bid = approved_batch(app, world, data)
    files = banksim().simulate(export(app, bid, "rcb_text"), fail={1: "AC01", 2: "AC04", 3: "AC06"})
    lead = login_as("lead")
    _upload(lead, files[f"PB{bid:08d}.failure.txt"], "f.txt")
    lines = {f["seq"]: f for f in lead.get("/api/v1/bank/failures").json["items"] if f["batch_id"] == bid}
    with app.app_context():
        tasks = {t.subject_id: t for t in db.session.execute(select(DepartmentTask).where(
            DepartmentTask.subject_kind == "payment_failure",
            DepartmentTask.subject_id.in_([f["id"] for f in lines.values()]))).scalars()}
        assert len(tasks) == 3
        to_department, to_township = tasks[lines[1]["id"]], tasks[lines[2]["id"]]
        assert tasks[lines[3]["id"]].department_id is None and "冻结" in tasks[lines[3]["id"]].title_zh
        # each is told once, with how many: the township's leads one message for its two tasks
        batch_no = db.session.get(PaymentBatch, bid).batch_no
        told = db.session.execute(select(Notification.user_id, Notification.title_zh, Notification.link).where(
            Notification.kind == "department_task", Notification.title_zh.contains(f"批次 {batch_no} "))).all()
        lead_told = [t for t in told if t.user_id == world["users"]["lead"]]
        assert len(lead_told) == 1 and lead_told[0].title_zh.startswith("新协同任务 2 件") and lead_told[0].link == "/dept-tasks"
        official_told = [t for t in told if t.user_id == world["users"]["department"]]
        assert len(official_told) == 1 and official_told[0].link == f"/dept-tasks/{to_department.id}"
        assert to_department.department_id == world["departments"]["nongye"] and "账号错误" in to_department.title_zh
        assert to_township.department_id is None and "已销户" in to_township.title_zh
        assert to_department.due_on == TODAY + timedelta(days=app.config["BANK_FAILURE_FIX_DAYS"])
        task_id = to_department.id
    # The same return file again: no second task.
    _upload(lead, files[f"PB{bid:08d}.failure.txt"], "f.txt")
    with app.app_context():
        assert db.session.execute(select(func.count(DepartmentTask.id)).where(
            DepartmentTask.subject_kind == "payment_failure", DepartmentTask.subject_id == lines[1]["id"])).scalar() == 1

    official = login_as("department")
    assert official.post(f"/api/v1/department-tasks/{task_id}/sign", json={"client_uuid": new_uuid()}).status_code == 200
    assert official.post(f"/api/v1/department-tasks/{task_id}/feedback",
                         json={"client_uuid": new_uuid(), "note": "已核实，村民已换卡，登记簿已更正"}).status_code == 200
    pid = lines[1]["id"]
    assert_error(lead.post(f"/api/v1/bank/payments/{pid}/reissue"), 409, "payment_not_fixed")
    assert lead.post(f"/api/v1/department-tasks/{task_id}/close", json={"client_uuid": new_uuid()}).status_code == 200
    r = login_as("clerk").post(f"/api/v1/bank/payments/{pid}/reissue")
    assert r.status_code == 201, r.json
    again = login_as("clerk").post(f"/api/v1/bank/payments/{pid}/reissue")
    assert again.status_code == 200 and again.json["id"] == r.json["id"]


def test_a_held_person_is_refused_a_batch_and_a_reissue(app, world, login_as):
    """停发 on a subsidy warning stops the person's next batch and any re-issue of their failure."""
    from backend.departments.models import PaymentHold
    from backend.extensions import db
    data = make_people(app, world, n=2)
    bid = approved_batch(app, world, data)
    files = banksim().simulate(export(app, bid, "rcb_text"), fail={1: "AC04"})
    lead = login_as("lead")
    _upload(lead, files[f"PB{bid:08d}.failure.txt"], "f.txt")
    pid = next(f["id"] for f in lead.get("/api/v1/bank/failures").json["items"] if f["batch_id"] == bid)
    assert lead.post(f"/api/v1/bank/payments/{pid}/fix", json={"bank_card": card_number()}).status_code == 200
    with app.app_context():
        held = data["people"][0]
        db.session.add(PaymentHold(region_id=world["regions"]["qianwang"], beneficiary_id=held, policy_id=data["policy"],
                                   reason="重复领取，待核实", held_by_id=world["users"]["lead"]))
        db.session.commit()
    assert_error(login_as("clerk").post(f"/api/v1/bank/payments/{pid}/reissue"), 409, "payment_held")
    # The next period: the held person is refused with the reason, the other proposed.
    from backend.bank import services
    with app.app_context(), app.test_request_context():
        from backend.core.models import Region
        from backend.subsidies.models import NoticeEntry, SubsidyPolicy
        for b in data["people"]:
            db.session.add(NoticeEntry(region_id=world["regions"]["qianwang"], policy_id=data["policy"], beneficiary_id=b,
                                       period="2026-12", quantity=Decimal(1), amount=Decimal("100.00"),
                                       published_on=TODAY - timedelta(days=14)))
        db.session.flush()
        lines, refused = services.propose(db.session.get(Region, world["regions"]["jincheng"]),
                                          db.session.get(SubsidyPolicy, data["policy"]), "2026-12")
        db.session.rollback()
    assert [r["beneficiary_id"] for r in refused if r["reason"] == "held"] == [held]
    assert [line["person"].id for line in lines] == [data["people"][1]]


def test_three_way_reconciliation_names_every_difference(app, world, login_as):
    """公示 ↔ 批次 ↔ 银行: a clean batch is clean; then a failure (not paid), a payment to a card other
    than the registered one, a notice amount changed after the batch, a person paid who is not on
    the notice, and one paid twice are each named, village by village."""
    from backend.bank.models import BatchPayment
    from backend.extensions import db
    from backend.subsidies.models import Beneficiary, NoticeEntry
    data = make_people(app, world, n=5)
    bid = approved_batch(app, world, data)
    files = banksim().simulate(export(app, bid, "rcb_text"))
    lead = login_as("lead")
    _upload(lead, files[f"PB{bid:08d}.success.txt"], "s.txt")
    got = lead.get(f"/api/v1/bank/batches/{bid}/reconciliation")
    clean = got.json
    assert got.status_code == 200, clean
    assert clean["clean"] is True and clean["findings"] == []
    [village] = clean["villages"]
    assert (village["notice_count"], village["paid_count"]) == (5, 5)
    assert village["notice_amount"] == village["paid_amount"]

    p = data["people"]
    with app.app_context():
        lines = {b.beneficiary_id: b for b in db.session.execute(
            select(BatchPayment).where(BatchPayment.batch_id == bid)).scalars()}
        lines[p[0]].status = "failed"                        # the bank failed it after all
        db.session.get(Beneficiary, p[1]).card_hash = "0" * 64  # the person's card changed since
        db.session.execute(select(NoticeEntry).where(NoticeEntry.beneficiary_id == p[2])).scalar_one().amount = Decimal("999.00")
        db.session.delete(db.session.execute(select(NoticeEntry).where(NoticeEntry.beneficiary_id == p[3])).scalar_one())
        twice = lines[p[4]]
        db.session.add(BatchPayment(batch_id=bid, seq=99, region_id=twice.region_id, beneficiary_id=twice.beneficiary_id,
                                    policy_id=twice.policy_id, period=twice.period, attempt=7, quantity=twice.quantity,
                                    amount=twice.amount, name=twice.name, card_enc=twice.card_enc,
                                    card_hash=twice.card_hash, card_mask=twice.card_mask, status="paid"))
        db.session.commit()
    r = lead.get(f"/api/v1/bank/batches/{bid}/reconciliation").json
    kinds = {(f["kind"], f["beneficiary_id"]) for f in r["findings"]}
    assert kinds == {("not_paid", p[0]), ("card_differs", p[1]), ("amount_differs", p[2]), ("not_on_notice", p[3]),
                     ("paid_twice", p[4])}, r["findings"]
    assert r["clean"] is False and r["villages"][0]["findings"] == 5
    assert all(f["zh"] and f["en"] and "*" in f["name"] for f in r["findings"])  # names masked
    amount = next(f for f in r["findings"] if f["kind"] == "amount_differs")
    assert (amount["notice_amount"], amount["paid_amount"]) in (("999.00", "100.00"), ("999.00", "200.00"))
    # Not in the caller's region: refused.
    assert login_as("lead_sibling").get(f"/api/v1/bank/batches/{bid}/reconciliation").status_code in (403, 404)
