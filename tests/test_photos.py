"""Photo evidence: hash verification, a corpus of hostile uploads (each refused with its own code and
nothing stored), idempotent replays, EXIF evidence kept, no EXIF served, reused photos flagged."""
import io
import struct
import zlib

import pytest
from PIL import Image

from backend.photos.models import Photo
from conftest import count, jpeg_bytes, new_uuid, photo_form


@pytest.fixture
def inspection(make_project, make_inspection):
    return make_inspection(make_project(stage="construction"))


def _upload(client, inspection, form):
    return client.post(f"/api/v1/inspections/{inspection}/photos", form=form)


def _stored_files(app):
    from pathlib import Path
    root = Path(app.config["STORAGE_DIR"]) / "photos"
    return sorted(str(p) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _png(width, height):
    """A valid PNG header claiming huge dimensions, with a tiny compressed body."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = zlib.compress(b"\x00" * 64)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", raw) + chunk(b"IEND", b""))


def _bomb():
    """A decompression bomb: 20000 × 20000 of zeros, compressed to a few hundred KB."""
    row = b"\x00" + b"\x00" * 20000
    body = zlib.compressobj(9)
    data = b"".join(body.compress(row) for _ in range(20000)) + body.flush()
    def chunk(kind, payload):
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 20000, 20000, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", data) + chunk(b"IEND", b""))


def _png_with_text(text):
    from PIL import PngImagePlugin
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", text)
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (10, 200, 30)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def _jpeg_with_comment(text):
    data = jpeg_bytes(14)
    comment = b"\xff\xfe" + struct.pack(">H", len(text) + 2) + text
    return data[:2] + comment + data[2:]


def _two_pictures(after=b""):
    """A phone's multi-picture JPEG (MPF: the photo, then a preview image after its end), then ``after``."""
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 120, 30)).save(out, "MPO", save_all=True,
                                                    append_images=[Image.new("RGB", (32, 24), (10, 10, 10))])
    return out.getvalue() + after


def _thumbnail_in_exif(after_thumbnail):
    """An APP1 segment holding a JPEG thumbnail (as cameras write), then ``after_thumbnail`` inside it."""
    thumb = jpeg_bytes(15, size=(32, 24))
    body = b"Exif\x00\x00" + b"\x00" * 8 + thumb + after_thumbnail
    data = jpeg_bytes(16)
    return data[:2] + b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body + data[2:]


HOSTILE = {
    "wrong_magic": (b"GIF89a" + b"\x00" * 200, 415, "photo_type"),
    "text_named_jpg": (b"just some text pretending to be a photo", 415, "photo_type"),
    "svg_with_script": (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', 415, "photo_type"),
    "polyglot_jpeg_html": (jpeg_bytes(3) + b"<html><script>alert(document.cookie)</script></html>", 400, "photo_polyglot"),
    "polyglot_jpeg_zip": (jpeg_bytes(4) + b"PK\x03\x04" + b"\x00" * 40, 400, "photo_polyglot"),
    "polyglot_png_text_chunk": (_png_with_text("<script>fetch('/api/v1/auth/me')</script>"), 400, "photo_polyglot"),
    "polyglot_jpeg_comment": (_jpeg_with_comment(b"<?php system($_GET['c']); ?>"), 400, "photo_polyglot"),
    "polyglot_after_second_picture": (_two_pictures(b"<html><script>alert(1)</script>"), 400, "photo_polyglot"),
    "polyglot_zip_after_second_picture": (_two_pictures(b"PK\x03\x04" + b"\x00" * 40), 400, "photo_polyglot"),
    "polyglot_after_exif_thumbnail": (_thumbnail_in_exif(b"<script>alert(1)</script>"), 400, "photo_polyglot"),
    "decompression_bomb": (_bomb(), 400, "photo_bomb"),
    "huge_dimension_png": (_png(100_000, 100_000), 400, "photo_bomb"),
    "truncated_jpeg": (jpeg_bytes(5)[:1500], 400, "photo_corrupt"),
    "empty": (b"", 400, "photo_empty"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_uploads_are_refused_and_nothing_is_stored(app, login_as, inspection, name):
    data, status, code = HOSTILE[name]
    before = (count(app, Photo), _stored_files(app))
    r = _upload(login_as("inspector"), inspection, photo_form(data))
    assert (r.status_code, r.json["error"]["code"]) == (status, code), r.json
    assert r.json["error"]["message"]["zh"]
    assert (count(app, Photo), _stored_files(app)) == before


def test_a_cut_off_photo_is_refused_even_after_a_report_was_rendered(app, login_as, inspection):
    """WeasyPrint (the PDF reports) switches Pillow to accept cut-off images when it is imported: a
    process that has rendered a report must still refuse half a photo, and leave the switch as it was."""
    from PIL import ImageFile
    import weasyprint  # noqa: F401  (imported for what its import does)
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    r = _upload(login_as("inspector"), inspection, photo_form(jpeg_bytes(5)[:1500]))
    assert (r.status_code, r.json["error"]["code"]) == (400, "photo_corrupt"), r.json
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True


def test_ordinary_metadata_and_comments_pass(app, login_as, inspection):
    data = _jpeg_with_comment(b"Canon EOS, 2026-11-20, site photo")
    r = _upload(login_as("inspector"), inspection, photo_form(data))
    assert r.status_code == 201, r.json


def test_hash_mismatch_is_refused(app, login_as, inspection):
    form = photo_form(jpeg_bytes(6))
    form["sha256"] = "0" * 64
    r = _upload(login_as("inspector"), inspection, form)
    assert (r.status_code, r.json["error"]["code"]) == (400, "photo_hash_mismatch")
    assert r.json["error"]["fields"][0]["path"] == "form.sha256"


def test_oversized_photo(app, login_as, inspection):
    big = b"\xff\xd8\xff" + b"\x00" * (app.config["PHOTO_MAX_BYTES"] + 100_000)
    r = _upload(login_as("inspector"), inspection, photo_form(big))
    assert (r.status_code, r.json["error"]["code"]) == (413, "photo_too_large")


def test_replays_store_once(app, login_as, inspection):
    client = login_as("inspector")
    data = jpeg_bytes(7)
    form = photo_form(data)
    key = form["client_uuid"]
    first = _upload(client, inspection, form)
    again = _upload(client, inspection, {**photo_form(data), "client_uuid": key})
    assert first.status_code == again.status_code == 201 and first.json == again.json
    other_uuid = _upload(client, inspection, photo_form(data))  # same bytes, app lost the UUID
    assert other_uuid.json["id"] == first.json["id"]
    with app.app_context():
        from backend.extensions import db
        assert db.session.query(Photo).filter_by(sha256=first.json["sha256"]).count() == 1


def test_exif_evidence_is_kept_and_never_served(app, login_as, inspection):
    exif = Image.Exif()
    exif[0x0132] = "2026:11:20 09:15:00"
    exif.get_ifd(0x8769)[0x9003] = "2026:11:20 09:15:00"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (30.0, 14.0, 2.4), "E", (119.0, 43.0, 12.0)
    data = jpeg_bytes(8, exif=exif.tobytes())
    client = login_as("inspector")
    r = _upload(client, inspection, photo_form(data, lat="30.234", lng="119.72", taken_at="2026-11-20T01:15:05Z"))
    assert r.status_code == 201, r.json
    photo = r.json
    assert photo["exif_source"] == "file" and photo["exif_taken_at"].startswith("2026-11-20T09:15:00+08:00")
    assert abs(photo["exif_lat"] - 30.23400) < 1e-3 and abs(photo["exif_lng"] - 119.72) < 1e-3
    assert photo["lat"] == 30.234 and photo["taken_at"].startswith("2026-11-20T01:15:05")
    for url in (photo["url"], photo["thumb_url"]):
        served = client.get(url)
        assert served.status_code == 200 and served.mimetype == "image/jpeg"
        image = Image.open(io.BytesIO(served.data))
        assert len(image.getexif()) == 0 and b"Exif" not in served.data[:200]


def test_exif_read_by_the_app_is_kept_as_device_evidence(app, login_as, inspection):
    r = _upload(login_as("inspector"), inspection, photo_form(
        jpeg_bytes(9), exif_taken_at="2026-11-21T08:00:00+08:00", exif_lat="30.2", exif_lng="119.7"))
    assert r.json["exif_source"] == "device" and r.json["exif_lat"] == 30.2


def test_a_reused_photo_is_flagged(app, login_as, make_project, make_inspection):
    first = make_inspection(make_project(stage="construction"))
    second = make_inspection(make_project(stage="construction"))
    client = login_as("inspector")
    original = jpeg_bytes(10, size=(1200, 900))
    assert _upload(client, first, photo_form(original)).json["reused"] is False
    # The same scene, re-saved smaller and at another quality: still the same photo.
    image = Image.open(io.BytesIO(original)).resize((800, 600))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=60)
    again = _upload(client, second, photo_form(out.getvalue())).json
    assert again["reused"] is True and again["reused_of"]["inspection_id"] is not None
    fresh = _upload(client, second, photo_form(jpeg_bytes(11))).json
    assert fresh["reused"] is False
    inspection = client.get("/api/v1/inspections?flagged=true&per_page=100").json["items"]
    assert any(i["client_uuid"] == second and i["reused_photo"] for i in inspection)


def test_only_the_inspector_adds_photos(app, login_as, inspection):
    r = _upload(login_as("lead"), inspection, photo_form(jpeg_bytes(12)))
    assert (r.status_code, r.json["error"]["code"]) == (403, "not_your_inspection")


def test_unknown_inspection(app, login_as):
    r = _upload(login_as("inspector"), new_uuid(), photo_form(jpeg_bytes(13)))
    assert (r.status_code, r.json["error"]["code"]) == (404, "inspection_not_found")
