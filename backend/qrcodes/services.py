"""Issuing, revoking and drawing QR codes."""
import hashlib
import io

import segno
from flask import current_app
from sqlalchemy import and_, select

from ..core import audit, clock
from ..core.errors import ApiError
from ..core.storage import from_config
from ..extensions import db
from .codes import CodeError, new_code, normalize, pretty
from .models import QrCode


def scan_url(code):
    """What the symbol encodes: the public page for the code."""
    return f"{current_app.config['PUBLIC_BASE_URL']}/q/{code}"


def issue(subject_type, subject_id, region_id, actor=None):
    """Create the active code for a subject (retries on the astronomically rare collision)."""
    for _ in range(5):
        code = new_code()
        if db.session.execute(select(QrCode.id).where(QrCode.code == code)).first() is None:
            row = QrCode(code=code, subject_type=subject_type, subject_id=subject_id,
                         region_id=region_id)
            db.session.add(row)
            db.session.flush()
            audit.record(actor, "code.issue", subject=row, code=code, subject_type=subject_type,
                         subject_id=subject_id)
            return row
    raise RuntimeError("could not draw a unique code")


def active_code(subject_type, subject_id):
    return db.session.execute(select(QrCode).where(
        QrCode.subject_type == subject_type, QrCode.subject_id == subject_id,
        QrCode.status == "active")).scalar_one_or_none()


def active_of(subject_type, subject_id):
    """The join condition of a subject's active code (``subject_id`` a column), for one query of
    subjects with their codes."""
    return and_(QrCode.subject_type == subject_type, QrCode.subject_id == subject_id, QrCode.status == "active")


def active_codes(subject_type, subject_ids):
    """{subject_id: code} for many subjects in one query."""
    if not subject_ids:
        return {}
    rows = db.session.execute(select(QrCode.subject_id, QrCode.code).where(
        QrCode.subject_type == subject_type, QrCode.subject_id.in_(subject_ids),
        QrCode.status == "active"))
    return dict(rows.all())


def parse(text, path="path.code"):
    """A typed or scanned code → canonical form; 400 ``code_malformed`` / ``code_checksum``."""
    try:
        return normalize(text)
    except CodeError as err:
        if err.kind == "checksum":
            raise ApiError(400, "code_checksum", "码的校验位不符，请检查是否输错",
                           "The code's check character does not match; it was probably mistyped",
                           fields=[{"path": path, "message": "check character mismatch"}])
        raise ApiError(400, "code_malformed", "码的格式不正确（应为14位字母数字）",
                       "Malformed code (14 letters and digits expected)",
                       fields=[{"path": path, "message": "malformed"}])


def not_found_error():
    return ApiError(404, "code_not_found", "该码不存在", "No such code")


def find(code):
    """The row for a canonical code, or 404 ``code_not_found``."""
    row = db.session.execute(select(QrCode).where(QrCode.code == code)).scalar_one_or_none()
    if row is None:
        raise not_found_error()
    return row


def revoked_error(row):
    """410 for a code that no longer answers: ``code_replaced`` when a new plaque replaced it (the
    new code is named in the message, in ``fields`` as ``replaced_by`` and in a ``Link`` header, so
    a scanner can follow it), else ``code_revoked``."""
    reason = f"（{row.revoke_reason}）" if row.revoke_reason else ""
    if getattr(row, "replaced_by", None):
        new = row.replaced_by
        return ApiError(410, "code_replaced", f"该码已作废{reason}，已换发新码 {pretty(new)}",
                        f"This code was replaced by {pretty(new)}" + (f" ({row.revoke_reason})" if row.revoke_reason else ""),
                        fields=[{"path": "replaced_by", "message": new}],
                        headers={"Link": f'</q/{new}>; rel="successor-version"'})
    return ApiError(410, "code_revoked", "该码已作废" + (f"：{row.revoke_reason}" if row.revoke_reason else ""),
                    "This code has been revoked" + (f": {row.revoke_reason}" if row.revoke_reason else ""))


def revoke(row, actor, reason):
    """Revoke an active code; 409 ``code_already_revoked`` if it is not active."""
    if row.status != "active":
        raise ApiError(409, "code_already_revoked", "该码已作废", "This code is already revoked")
    row.status = "revoked"
    row.revoked_at = clock.now()
    row.revoked_by_id = actor.id
    row.revoke_reason = reason
    db.session.flush()
    audit.record(actor, "code.revoke", subject=row, code=row.code, reason=reason)
    return row


def reissue(row, actor, reason):
    """Revoke ``row`` and issue its subject a new code (a damaged or lost plaque)."""
    revoke(row, actor, reason)
    new = issue(row.subject_type, row.subject_id, row.region_id, actor)
    row.replaced_by = new.code
    db.session.flush()
    audit.record(actor, "code.reissue", subject=new, old=row.code, new=new.code, reason=reason)
    return new


def _qr(code):
    return segno.make(scan_url(code), error="m", micro=False)


def _cache_key(code, kind):
    # The image depends on the base URL too; a change of domain must not serve stale symbols.
    base = hashlib.sha1(current_app.config["PUBLIC_BASE_URL"].encode()).hexdigest()[:8]
    return f"qr/{base}/{code[:2]}/{code}.{kind}"


def image(code, kind):
    """PNG or SVG bytes for a code, drawn once and then served from storage."""
    storage = from_config(current_app.config)
    key = _cache_key(code, kind)
    data = storage.get(key)
    if data is None:
        buffer = io.BytesIO()
        if kind == "png":
            _qr(code).save(buffer, kind="png", scale=10, border=4)
        else:
            _qr(code).save(buffer, kind="svg", scale=10, border=4, xmldecl=False)
        data = buffer.getvalue()
        storage.put(key, data)
    return data


def inline_svg(code):
    """An <svg> element for the label sheet: sized by CSS, drawn once and cached."""
    storage = from_config(current_app.config)
    key = _cache_key(code, "inline.svg")
    data = storage.get(key)
    if data is None:
        data = _qr(code).svg_inline(scale=1, border=4, omitsize=True).encode()
        storage.put(key, data)
    return data.decode()
