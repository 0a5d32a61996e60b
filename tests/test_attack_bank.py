"""Hostile bank return files and a clerk of another township: each refused with its own 422 (or 403),
never a 500, and nothing changes."""
import io
import os

import pytest
from sqlalchemy import func, select

from bank_seed import approved_batch, banksim, export, make_people

NS002 = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"


def _upload(client, data, name="r.txt"):
    return client.post("/api/v1/bank/returns", form={"file": (io.BytesIO(data), name)})


def _sent(app, world, profile="rcb_text", **sim):
    data = make_people(app, world, n=2)
    bid = approved_batch(app, world, data)
    return bid, banksim().simulate(export(app, bid, profile), **sim)


def _state(app, bid):
    from backend.bank.models import BatchPayment, ReturnFile
    from backend.extensions import db
    with app.app_context():
        return (sorted(db.session.execute(select(BatchPayment.seq, BatchPayment.status, BatchPayment.bank_code)
                                          .where(BatchPayment.batch_id == bid)).all()),
                db.session.scalar(select(func.count(ReturnFile.id)).where(ReturnFile.batch_id == bid)))


def _refused(r, code):
    assert r.status_code == 422, (r.status_code, r.json)
    error = r.json["error"]
    assert error["code"] == code, error
    assert error["fields"][0]["path"].startswith("form.file")
    assert error["message"]["zh"] and error["message"]["en"]


def _text(bid, head_count="2", total="300.00", lines=None):
    rows = [f"20261120|锦城街道财政所|PB{bid:08d}|{head_count}|{total}"]
    rows += lines or ["1|测试甲0|100.00|6228|成功||", "2|测试乙1|200.00|6228|成功||"]
    return ("\r\n".join(rows) + "\r\n").encode("gbk")


@pytest.mark.parametrize("count, seq, amount", [
    ("2", "①", "100.00"),      # a circled digit: str.isdigit() says yes, int() says no
    ("①②", "1", "100.00"),
    ("9" * 5000, "1", "100.00"),  # more digits than int() converts
    ("２", "1", "100.00"),     # full-width digits are not a bank's
    ("2", "１", "100.00"),
    ("2", "1", "１００.00"),
    ("2", "1", "1e2"),         # exponent, underscores, signs: not how a bank writes an amount
    ("2", "1", "1_00.00"),
    ("2", "1", "+100.00"),
])
def test_a_text_return_with_odd_numbers_is_refused_not_a_500(app, world, login_as, count, seq, amount):
    bid, _ = _sent(app, world)
    before = _state(app, bid)
    r = _upload(login_as("lead"), _text(bid, count, lines=[f"{seq}|测试甲0|{amount}|6228|成功||",
                                                          "2|测试乙1|200.00|6228|成功||"]))
    _refused(r, "return_malformed")
    assert _state(app, bid) == before


def test_an_xml_return_with_an_odd_count_is_refused_not_a_500(app, world, login_as):
    bid, files = _sent(app, world, "iso20022")
    xml = files[f"PB{bid:08d}.pain002.xml"].replace(b"<OrgnlNbOfTxs>2<", "<OrgnlNbOfTxs>①<".encode())
    _refused(_upload(login_as("lead"), xml, "r.xml"), "return_malformed")


def test_an_xml_return_in_utf16_cannot_smuggle_a_doctype(app, world, login_as):
    """The DOCTYPE check looked for the bytes '<!DOCTYPE': UTF-16 spells them with NULs between."""
    bid, files = _sent(app, world, "iso20022")
    text = files[f"PB{bid:08d}.pain002.xml"].decode()
    text = text.replace("<?xml version='1.0' encoding='utf-8'?>", "")
    text = text.replace(f"<OrgnlMsgId>PB{bid:08d}</OrgnlMsgId>", "<OrgnlMsgId>&b;</OrgnlMsgId>")
    doc = f'<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE d [<!ENTITY b "PB{bid:08d}">]>' + text.lstrip()
    before = _state(app, bid)
    _refused(_upload(login_as("lead"), doc.encode("utf-16-le"), "r.xml"), "return_encoding")
    assert _state(app, bid) == before


def test_a_nul_in_a_text_return_is_refused(app, world, login_as):
    """PostgreSQL cannot keep a NUL in text: refused as the file's fault, not a 500."""
    bid, _ = _sent(app, world)
    before = _state(app, bid)
    r = _upload(login_as("lead"), _text(bid, "1", "100.00", ["1|测试甲0|100.00|6228|失败|AC04|户名\x00不符"]))
    _refused(r, "return_malformed")
    assert _state(app, bid) == before


def test_a_bank_code_longer_than_kept_is_refused(app, world, login_as):
    bid, _ = _sent(app, world)
    before = _state(app, bid)
    r = _upload(login_as("lead"), _text(bid, "1", "100.00", [f"1|测试甲0|100.00|6228|失败|{'E' * 40}|户名不符"]))
    _refused(r, "return_malformed")
    assert _state(app, bid) == before


def test_a_return_file_already_imported_is_not_shown_to_another_township(app, world, login_as):
    """The same bytes again answer with the batch and its counts: only to those who may see it."""
    bid, files = _sent(app, world)
    data = files[f"PB{bid:08d}.success.txt"]
    assert _upload(login_as("lead"), data).status_code == 200
    r = _upload(login_as("clerk_sibling"), data)
    assert r.status_code == 403 and r.json["error"]["code"] == "out_of_scope", r.json


def test_a_return_file_naming_another_townships_batch_is_forbidden_before_it_is_compared(app, world, login_as):
    """A clerk of 太湖源镇 uploads, for a batch of their own, the return file of a 锦城街道 batch: the
    answer is 403 as for any batch not theirs, not ``batch_mismatch`` naming the other batch (which
    told an outsider that it exists and its number)."""
    from backend.bank.models import PaymentBatch
    from backend.extensions import db
    bid, files = _sent(app, world)
    with app.app_context():
        policy = db.session.get(PaymentBatch, bid).policy_id
        own = PaymentBatch(region_id=world["regions"]["taihuyuan"], policy_id=policy, period="2026-11")
        db.session.add(own)
        db.session.commit()
        own = own.id
    before = _state(app, bid)
    r = login_as("clerk_sibling").post("/api/v1/bank/returns", form={
        "file": (io.BytesIO(files[f"PB{bid:08d}.success.txt"]), "r.txt"), "batch_id": str(own)})
    assert r.status_code == 403 and r.json["error"]["code"] == "out_of_scope", r.json
    assert f"PB{bid:08d}" not in r.get_data(as_text=True) and not r.json["error"]["fields"]
    assert _state(app, bid) == before


def test_a_return_file_named_with_a_nul_is_imported_under_a_clean_name(app, world, login_as):
    """The name is the client's: a NUL (PostgreSQL: a 500) or a tab do not reach the table."""
    from backend.bank.models import ReturnFile
    from backend.extensions import db
    bid, files = _sent(app, world)
    r = _upload(login_as("lead"), files[f"PB{bid:08d}.success.txt"], "回盘\x00\t成功.txt")
    assert r.status_code == 200, r.json
    with app.app_context():
        assert db.session.execute(select(ReturnFile.filename).where(ReturnFile.batch_id == bid)).scalar_one() == "回盘成功.txt"


def test_a_task_file_named_with_a_nul_is_kept_under_a_clean_name(app, world, login_as):
    import department_seed
    from conftest import jpeg_bytes, new_uuid
    department_seed.ensure(app, world)
    task = department_seed.task_in(app, world, "signed")
    photo = jpeg_bytes(seed=7321)
    r = login_as("department").post(f"/api/v1/department-tasks/{task}/files", form={
        "client_uuid": new_uuid(), "file": (io.BytesIO(photo), "现场\x00\t照片.jpg")})
    assert r.status_code == 201, r.json
    assert r.json["filename"] == "现场照片.jpg"


def test_a_visitor_cannot_dodge_the_lookup_limit_across_their_ipv6_network(app, world):
    """A phone or a home is given a whole IPv6 /64 and may use any address in it: the limit on wrong
    receipt numbers is per network, so per /64, not per address."""
    from test_objection_lookup import _objects
    sent, url = _objects(app, world)
    wrong = sent["receipt"][:-1] + ("2" if sent["receipt"][-1] != "2" else "3")
    limit = app.config["OBJECTION_LOOKUPS_PER_VISITOR"]
    client = app.test_client()

    def ask(n, receipt):
        return client.post(url, json={"receipt": receipt}, environ_base={"REMOTE_ADDR": f"2001:db8:a77a:c0de::{n:x}"})
    assert [ask(n, wrong).status_code for n in range(1, limit + 1)] == [404] * limit
    r = ask(limit + 1, sent["receipt"])
    assert r.status_code == 429 and r.json["error"]["code"] == "objection_lookup_rate_limited", r.json
    other = client.post(url, json={"receipt": sent["receipt"]}, environ_base={"REMOTE_ADDR": "2001:db8:a77a:c0df::1"})
    assert other.status_code == 200, other.json  # the next /64 is someone else


@pytest.mark.parametrize("batch_no", ["PB2147483648", "PB9999999999"])
def test_a_return_file_naming_a_batch_beyond_any_id_is_unknown_not_a_500(app, world, login_as, batch_no):
    """PostgreSQL's ids are 32-bit: a larger number was a 500 there."""
    data = f"20261101|锦城街道财政所|{batch_no}|1|100.00\r\n1|测试甲0|100.00|6228|成功||\r\n".encode("gbk")
    _refused(_upload(login_as("lead"), data), "batch_unknown")


def test_a_batch_number_in_full_width_digits_is_no_batch_number(app, world, login_as):
    bid, files = _sent(app, world)
    wide = f"PB{bid:08d}".translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    data = files[f"PB{bid:08d}.success.txt"].decode("gbk").replace(f"PB{bid:08d}", wide, 1).encode("gbk")
    _refused(_upload(login_as("lead"), data), "batch_unknown")


@pytest.mark.skipif(os.environ.get("JICAI_TEST_DB") != "postgres", reason="two transactions at once: PostgreSQL")
def test_the_same_return_file_twice_at_once_is_a_duplicate_not_a_500(app, world):
    """The second waits for the batch (locked) and then finds the first: ``duplicate``, not a unique key's 500."""
    import threading
    import time

    from bank_seed import user
    from backend.bank import services
    from backend.extensions import db
    bid, files = _sent(app, world)
    body, out = files[f"PB{bid:08d}.success.txt"], {}

    def run(name, start, hold):
        time.sleep(start)
        with app.app_context(), app.test_request_context(method="POST"):
            try:
                out[name] = services.import_return(body, user(app, world, "lead"), "s.txt")["duplicate"]
                time.sleep(hold)  # the first holds its transaction open while the second arrives
                db.session.commit()
            except Exception as error:
                db.session.rollback()
                out[name] = repr(error)[:200]
    threads = [threading.Thread(target=run, args=("first", 0, 1.5)), threading.Thread(target=run, args=("second", 0.5, 0))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert out == {"first": False, "second": True}
    assert _state(app, bid)[1] == 1


def _swap_accounts(data, a, b):
    """The return file with the accounts of lines ``a`` and ``b`` (sequence numbers) swapped."""
    rows = data.decode("gb18030").split("\r\n")
    fields = {n: rows[n].split("|") for n in (a, b)}
    fields[a][3], fields[b][3] = fields[b][3], fields[a][3]
    for n in (a, b):
        rows[n] = "|".join(fields[n])
    return "\r\n".join(rows).encode("gb18030")


def test_a_return_line_naming_another_account_is_refused(app, world, login_as):
    """Lines 1 and 3 pay the same amount: a bank that numbered its lines differently answers line 1
    with line 3's account. The amount cannot tell; the account does (the result was recorded on the
    wrong person before)."""
    data = make_people(app, world, n=3)
    bid = approved_batch(app, world, data)
    body = banksim().simulate(export(app, bid, "rcb_text"))[f"PB{bid:08d}.success.txt"]
    before = _state(app, bid)
    r = _upload(login_as("lead"), _swap_accounts(body, 1, 3))
    _refused(r, "account_mismatch")
    assert r.json["error"]["fields"][0]["path"] == "form.file.line.2"
    assert _state(app, bid) == before
    assert _upload(login_as("lead"), body).status_code == 200  # the file as the bank wrote it


def test_an_xml_return_line_naming_another_account_is_refused(app, world, login_as):
    """pain.002 may echo the creditor's account under OrgnlTxRef: checked as in the text profile."""
    from bank_seed import card_number
    bid, files = _sent(app, world, "iso20022")
    xml = files[f"PB{bid:08d}.pain002.xml"].decode()
    other = f"<CdtrAcct><Id><Othr><Id>{card_number()}</Id></Othr></Id></CdtrAcct>"
    wrong = xml.replace("</Amt>", "</Amt>" + other, 1)
    before = _state(app, bid)
    r = _upload(login_as("lead"), wrong.encode(), "r.xml")
    _refused(r, "account_mismatch")
    assert r.json["error"]["fields"][0]["path"] == "form.file.line.1"
    assert _state(app, bid) == before


def test_a_return_line_with_a_masked_account_is_checked_by_the_digits_it_shows(app, world, login_as):
    bid, files = _sent(app, world)
    body = files[f"PB{bid:08d}.success.txt"].decode("gb18030")
    rows = body.split("\r\n")
    cards = [row.split("|")[3] for row in rows[1:3]]
    wrong = rows[1].replace(cards[0], cards[0][:4] + "*" * (len(cards[0]) - 8) + cards[1][-4:])
    before = _state(app, bid)
    if cards[0][-4:] != cards[1][-4:]:
        r = _upload(login_as("lead"), "\r\n".join([rows[0], wrong, *rows[2:]]).encode("gb18030"))
        _refused(r, "account_mismatch")
        assert _state(app, bid) == before
    masked = [rows[0]] + [row.replace(c, c[:6] + "*" * (len(c) - 10) + c[-4:]) for row, c in zip(rows[1:3], cards)]
    r = _upload(login_as("lead"), "\r\n".join(masked + rows[3:]).encode("gb18030"))
    assert r.status_code == 200 and r.json["counts"]["paid"] == 2, r.json
