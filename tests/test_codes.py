"""QR codes: the code format, scanning (public / full / sibling), revoke and reissue, images."""
import io

import pytest
import zxingcpp
from PIL import Image

from backend.qrcodes import codes
from backend.qrcodes.models import QrCode
from conftest import code_of, count, new_uuid


def test_codes_are_long_random_and_checked():
    drawn = {codes.new_code() for _ in range(2000)}
    assert len(drawn) == 2000
    for code in list(drawn)[:50]:
        assert len(code) == 14 and codes.normalize(code) == code
    assert codes.BODY_LENGTH * 5 >= 64  # at least 64 random bits


def test_every_single_character_typo_is_caught():
    code = codes.new_code()
    for i in range(len(code)):
        for ch in codes.ALPHABET:
            if ch != code[i]:
                with pytest.raises(codes.CodeError):
                    codes.normalize(code[:i] + ch + code[i + 1:])


def test_people_friendly_input_is_understood():
    code = codes.new_code()
    typed = codes.pretty(code).lower().replace("0", "o").replace("1", "l")
    assert codes.normalize(f"  {typed} ") == code
    assert codes.normalize(f"https://jicai.test/q/{code}?from=plaque") == code


def test_scan_views(app, login_as, make_project):
    project_id = make_project(stage="construction")
    code = code_of(app, project_id)
    public = login_as(None).get(f"/api/v1/scan/{code}").json["project"]
    full = login_as("lead").get(f"/api/v1/scan/{code}").json["project"]
    sibling = login_as("lead_sibling").get(f"/api/v1/scan/{code}").json["project"]
    assert public["view"] == sibling["view"] == "public" and full["view"] == "full"
    assert public["name"] == full["name"] and public["budget"] == "1000000.00"
    assert "ref_no" not in public and "chain_intact" not in public
    public_kinds = {e["kind"] for e in public["timeline"]}
    assert public_kinds <= {"created", "stage_changed", "payment_recorded"}
    assert "code_issued" in {e["kind"] for e in full["timeline"]}
    payment = next(e for e in public["timeline"] if e["kind"] == "payment_recorded")
    assert set(payment["payload"]) == {"amount", "paid_on", "funding_source"}  # no voucher, no payee
    assert "actor" not in payment
    seqs = [e["seq"] for e in full["timeline"]]
    assert seqs == sorted(seqs, reverse=True)  # newest first
    assert full["chain_intact"] is True and full["paid_total"] == "20000.00"


def test_unit_code_scans_to_the_unit(app, world, login_as, make_project):
    make_project()
    code = code_of(app, world["units"]["jincheng"], "unit")
    body = login_as(None).get(f"/api/v1/scan/{code}").json
    assert body["subject_type"] == "unit" and body["unit"]["name"] == "锦城街道财政所"
    assert body["unit"]["projects"] and body["unit"]["head_name"] is None


@pytest.mark.parametrize("bad,status,error", [
    ("ABC", 400, "code_malformed"), ("!!!!!!!!!!!!!!", 400, "code_malformed"),
    ("U" * 14, 400, "code_malformed"), (None, 400, "code_checksum"), ("0" * 14, 404, "code_not_found")])
def test_bad_codes(app, login_as, make_project, bad, status, error):
    if bad is None:  # a real code with its last character changed
        real = code_of(app, make_project())
        bad = real[:-1] + ("0" if real[-1] != "0" else "1")
    r = login_as(None).get(f"/api/v1/scan/{bad}")
    assert (r.status_code, r.json["error"]["code"]) == (status, error)
    assert r.json["error"]["message"]["zh"] and r.json["error"]["message"]["en"]


def test_reissue_revokes_the_old_code(app, login_as, make_project):
    project_id = make_project()
    old = code_of(app, project_id)
    lead = login_as("lead")
    r = lead.post(f"/api/v1/codes/{old}/revoke", json={"client_uuid": new_uuid(), "reason": "标牌被撞坏",
                                                       "reissue": True})
    assert r.status_code == 200 and r.json["status"] == "active" and r.json["code"] != old
    new = r.json["code"]
    gone = login_as(None).get(f"/api/v1/scan/{old}")
    # A replaced code names its successor (message, fields, Link header), so a scanner can follow it.
    assert (gone.status_code, gone.json["error"]["code"]) == (410, "code_replaced")
    assert "标牌被撞坏" in gone.json["error"]["message"]["zh"]
    assert gone.json["error"]["fields"] == [{"path": "replaced_by", "message": new}]
    assert gone.headers["Link"] == f'</q/{new}>; rel="successor-version"'
    scanned = lead.get(f"/api/v1/scan/{new}").json["project"]
    assert scanned["id"] == project_id and scanned["timeline"][0]["kind"] == "code_reissued"
    again = lead.post(f"/api/v1/codes/{old}/revoke", json={"client_uuid": new_uuid(), "reason": "x"})
    assert (again.status_code, again.json["error"]["code"]) == (409, "code_already_revoked")


def test_revoke_without_reissue(app, login_as, make_project):
    project_id = make_project()
    code = code_of(app, project_id)
    before = count(app, QrCode)
    r = login_as("county").post(f"/api/v1/codes/{code}/revoke",
                                json={"client_uuid": new_uuid(), "reason": "项目撤销"})
    assert r.status_code == 200 and r.json["status"] == "revoked" and r.json["replaced_by"] is None
    assert count(app, QrCode) == before
    assert login_as(None).get(f"/api/v1/scan/{code}").status_code == 410


def test_png_decodes_to_the_exact_url(app, login_as, make_project):
    code = code_of(app, make_project())
    client = login_as(None)
    r = client.get(f"/api/v1/codes/{code}.png")
    assert r.status_code == 200 and r.mimetype == "image/png"
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(r.data)))
    assert [res.text for res in results] == [f"https://jicai.test/q/{code}"]
    cached = client.get(f"/api/v1/codes/{code}.png")
    assert cached.data == r.data and "immutable" in cached.headers["Cache-Control"]
    assert client.get(f"/api/v1/codes/{code}.png", headers={"If-None-Match": r.headers["ETag"]}).status_code == 304


def test_scan_cache_is_never_stale_and_etags_revalidate(app, login_as, make_project):
    project_id = make_project(stage="approved")
    code = code_of(app, project_id)
    anon, lead = login_as(None), login_as("lead")
    first = anon.get(f"/api/v1/scan/{code}")
    assert first.json["project"]["stage"] == "approved"
    assert anon.get(f"/api/v1/scan/{code}", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert lead.get(f"/api/v1/scan/{code}").json["project"]["view"] == "full"  # views are cached apart
    lead.post(f"/api/v1/projects/{project_id}/stage", json={"client_uuid": new_uuid(), "to_stage": "tendering"})
    again = anon.get(f"/api/v1/scan/{code}", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200 and again.json["project"]["stage"] == "tendering"
    assert again.json["project"]["view"] == "public"


def test_full_width_and_dashes_from_an_input_method():
    code = codes.new_code()
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in code)  # ＡＢＣ１２３…
    assert codes.normalize(full_width) == code
    assert codes.normalize("—".join(codes.pretty(code).split("-"))) == code
    assert codes.normalize("・".join(codes.pretty(code).split("-"))) == code
