"""A fund's receipt (信息接收回执) as a file: the issuing system's PDF or a scan of the paper, attached
after the arrival is registered, kept beside earlier ones, served only as a download to those who may
read the fund. Hostile or broken files are refused by what their bytes are, with a code, changing
nothing; the same upload twice is one file."""
import io
import uuid

import pytest

from conftest import jpeg_bytes, new_uuid
from test_funds import make_fund  # noqa: F401  (the fixture)


def pdf_bytes(body=b"BT /F1 12 Tf 72 720 Td (receipt) Tj ET"):
    """A small, well-formed one-page PDF."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
               b"<< /Length %d >>\nstream\n" % len(body) + body + b"\nendstream"]
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.4\n")
    for n, obj in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % n + obj + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def upload(client, fund_id, data, name="回执.pdf", key=None):
    return client.post(f"/api/v1/funds/{fund_id}/receipt-files",
                       data={"client_uuid": key or new_uuid(), "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def stored(app):
    from backend.core.models import AuditLog
    from backend.extensions import db
    from backend.funds.models import FundReceiptFile
    with app.app_context():
        return (db.session.query(FundReceiptFile).count(),
                db.session.query(AuditLog).filter(AuditLog.action == "fund.receipt_file").count())


def test_a_pdf_and_a_scan_are_kept_and_downloaded(app, login_as, make_fund):
    fund_id = make_fund(arrived=3)
    lead = login_as("lead")
    pdf = pdf_bytes()
    r = upload(lead, fund_id, pdf, "浙财农〔2026〕12号 回执.pdf")
    assert r.status_code == 201, r.json
    assert (r.json["kind"], r.json["filename"], r.json["bytes"]) == ("pdf", "浙财农〔2026〕12号 回执.pdf", len(pdf))
    scan = jpeg_bytes(seed=uuid.uuid4().int % 10_000)
    r2 = upload(lead, fund_id, scan, "scan.jpeg")
    assert r2.status_code == 201 and r2.json["kind"] == "jpeg"

    detail = lead.get(f"/api/v1/funds/{fund_id}").json
    assert [f["id"] for f in detail["receipt_files"]] == [r.json["id"], r2.json["id"]]
    assert detail["receipt_files"][0]["uploaded_by"]

    # A supervisor above reads it, as a download that never renders inline.
    county = login_as("county")
    got = county.get(r.json["url"])
    assert got.status_code == 200 and got.data == pdf and got.mimetype == "application/pdf"
    assert got.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''" in got.headers["Content-Disposition"]
    assert got.headers["X-Content-Type-Options"] == "nosniff" and got.headers["Content-Security-Policy"] == "default-src 'none'"
    picture = county.get(r2.json["url"])
    # The scan is served re-encoded (its metadata gone), not as uploaded.
    assert picture.status_code == 200 and picture.mimetype == "image/jpeg" and picture.data[:3] == b"\xff\xd8\xff"


def test_the_same_upload_twice_is_one_file(app, login_as, make_fund):
    fund_id = make_fund(arrived=3)
    lead = login_as("lead")
    pdf = pdf_bytes(b"BT (" + uuid.uuid4().hex.encode() + b") Tj ET")
    key = new_uuid()
    first = upload(lead, fund_id, pdf, key=key)
    before = stored(app)
    again = upload(lead, fund_id, pdf, key=key)  # the answer was lost: the same request
    same_bytes = upload(lead, fund_id, pdf)       # clicked again: the same file
    assert first.status_code == again.status_code == 201 and same_bytes.status_code == 201
    assert again.json["id"] == same_bytes.json["id"] == first.json["id"]
    assert stored(app) == before


@pytest.mark.parametrize("data, name, status, code", [
    (b"", "empty.pdf", 400, "receipt_empty"),
    (pdf_bytes()[:-40], "cut.pdf", 400, "receipt_pdf_damaged"),
    (pdf_bytes(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"), "script.pdf", 400, "receipt_active_content"),
    (pdf_bytes(b"/Launch << /F (cmd.exe) >>"), "launch.pdf", 400, "receipt_active_content"),
    (b"<html><script>alert(1)</script></html>", "receipt.pdf", 415, "receipt_type"),
    (b"PK\x03\x04" + b"\x00" * 200, "receipt.jpg", 415, "receipt_type"),
    (jpeg_bytes(seed=5)[:400], "half.jpg", 400, "photo_corrupt"),
])
def test_hostile_and_broken_files_are_refused_and_change_nothing(app, login_as, make_fund, data, name, status, code):
    fund_id = make_fund(arrived=3)
    lead = login_as("lead")
    before = stored(app)
    r = upload(lead, fund_id, data, name)
    err = r.json["error"]
    assert (r.status_code, err["code"]) == (status, code), r.json
    assert err["message"]["zh"] and err["message"]["en"]
    assert err["fields"][0]["path"] == "files.file"
    assert stored(app) == before


def test_bad_form_and_wrong_moment(app, login_as, make_fund):
    lead = login_as("lead")
    issued_only = make_fund()
    before = stored(app)
    r = upload(lead, issued_only, pdf_bytes())
    assert (r.status_code, r.json["error"]["code"]) == (409, "fund_not_registered")
    arrived = make_fund(arrived=2)
    r = lead.post(f"/api/v1/funds/{arrived}/receipt-files", data={"client_uuid": "not-a-uuid",
                  "file": (io.BytesIO(pdf_bytes()), "a.pdf")}, content_type="multipart/form-data")
    assert r.status_code == 400 and r.json["error"]["code"] == "validation_error"
    assert any(f["path"].endswith("client_uuid") for f in r.json["error"]["fields"])
    r = lead.post(f"/api/v1/funds/{arrived}/receipt-files", data={"client_uuid": new_uuid()},
                  content_type="multipart/form-data")
    assert r.status_code == 400 and any(f["path"].endswith("file") for f in r.json["error"]["fields"])
    assert stored(app) == before


def test_a_file_too_large_is_refused_before_it_is_read(app, login_as, make_fund):
    fund_id = make_fund(arrived=3)
    lead = login_as("lead")
    app.config["RECEIPT_MAX_BYTES"], limit = 100_000, app.config["RECEIPT_MAX_BYTES"]
    try:
        before = stored(app)
        r = upload(lead, fund_id, b"%PDF-1.4\n" + b"0" * 300_000 + b"\n%%EOF\n")
        assert (r.status_code, r.json["error"]["code"]) == (413, "receipt_too_large")
        assert stored(app) == before
    finally:
        app.config["RECEIPT_MAX_BYTES"] = limit


def test_a_receipt_of_another_fund_or_township_is_not_served(app, login_as, make_fund):
    lead = login_as("lead")
    mine, other = make_fund(arrived=3), make_fund(arrived=3)
    row = upload(lead, mine, pdf_bytes(b"BT (" + uuid.uuid4().hex.encode() + b") Tj ET")).json
    assert lead.get(f"/api/v1/funds/{other}/receipt-files/{row['id']}").status_code == 404
    sibling = login_as("lead_sibling")
    assert sibling.get(row["url"]).status_code in (403, 404)


def test_a_receipt_file_name_is_kept_without_its_control_characters(app, login_as, make_fund):
    """The name is the client's: a NUL (PostgreSQL keeps none: a 500) or a tab do not reach the table."""
    fund_id = make_fund(arrived=3)
    r = upload(login_as("lead"), fund_id, pdf_bytes(b"BT (nul) Tj ET"), "回执\x00\t一.pdf")
    assert r.status_code == 201, r.json
    assert r.json["filename"] == "回执一.pdf"
