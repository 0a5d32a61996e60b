"""The receipt (信息接收回执) of a fund's arrival as a file: the PDF the upper level's system issued,
or a scan or phone photo of the paper one.

Judged by its bytes, never its name or declared type. A picture goes through the photo checks
(magic number, pixel bombs, polyglots, a full decode) and is kept re-encoded without its metadata.
A PDF must begin as one and end as one (``%%EOF`` — a cut-off upload is refused), and one that
carries active content in the open (JavaScript, launch actions, embedded files, forms that run) is
refused. What the checks cannot see (active content inside compressed streams) never runs here:
the file is served as a download only, with ``nosniff`` and a policy that lets nothing in it run
(``default-src 'none'``; a sandbox policy would also stop the browser saving it).
"""
import hashlib
import re

from flask import current_app
from sqlalchemy import select

from ..core import audit
from ..core.errors import ApiError
from ..core.storage import from_config
from ..core.uploads import file_name
from ..extensions import db
from ..photos import imaging
from .models import FundReceiptFile

PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFile|RichMedia|XFA|SubmitForm|ImportData)\b")
TYPES = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


def _refuse(status, code, zh, en):
    return ApiError(status, code, zh, en, fields=[{"path": "files.file", "message": en}])


def check(data, code="receipt", zh="回执", en="receipt"):
    """(kind, the bytes to serve) for an acceptable receipt; ApiError otherwise. ``code``, ``zh``,
    ``en``: what the file is called in the error codes and messages (a task's attachment reuses this)."""
    if not data:
        raise _refuse(400, f"{code}_empty", f"{zh}文件为空", f"The {en} file is empty")
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            raise _refuse(400, f"{code}_pdf_damaged", "PDF 文件不完整（上传可能中断），请重新上传",
                          "The PDF is incomplete (the upload may have been cut off); upload it again")
        if PDF_ACTIVE.search(data):
            raise _refuse(400, f"{code}_active_content", "PDF 中含有脚本、启动动作或嵌入文件，已拒收；请上传扫描件或重新导出",
                          "The PDF carries scripts, launch actions or embedded files; refused — upload a scan or "
                          "export it again")
        return "pdf", data
    if imaging.sniff(data) is None:
        raise _refuse(415, f"{code}_type", f"{zh}只接受 PDF 或 JPEG、PNG、WebP 图片",
                      f"A {en} must be a PDF or a JPEG, PNG or WebP picture")
    try:
        done = imaging.process(data)
    except imaging.PhotoRejected as err:
        raise _refuse(err.status, err.code, err.zh, err.en)
    return "jpeg", done.display


def store(actor, fund, client_uuid, filename, data):
    """Keep one receipt file for an arrived fund. 409 ``fund_not_registered`` before the arrival;
    the same bytes again for the same fund are acknowledged, not stored twice."""
    if fund.arrived_on is None:
        raise ApiError(409, "fund_not_registered", "资金尚未登记到账，不能上传回执",
                       "The fund's arrival is not registered yet; there is no receipt to attach")
    sha = hashlib.sha256(data).hexdigest()
    same = db.session.execute(select(FundReceiptFile).where(FundReceiptFile.fund_id == fund.id,
                                                            FundReceiptFile.sha256 == sha)).scalar_one_or_none()
    if same is not None:
        return same
    kind, served = check(data)
    storage = from_config(current_app.config)
    storage.put(f"receipts/original/{sha[:2]}/{sha}", data)  # evidence as uploaded
    key = f"receipts/{kind}/{sha[:2]}/{sha}.{'pdf' if kind == 'pdf' else 'jpg'}"
    if kind != "pdf":
        storage.put(key, served)
    else:
        key = f"receipts/original/{sha[:2]}/{sha}"
    name = file_name(filename) or f"回执-{fund.id}"
    row = FundReceiptFile(fund_id=fund.id, region_id=fund.region_id, client_uuid=str(client_uuid), filename=name,
                          kind=kind, sha256=sha, bytes=len(data), storage_key=key, uploaded_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "fund.receipt_file", subject=fund, file_id=row.id, sha256=sha, kind=kind, filename=name)
    return row


def of(fund):
    return db.session.execute(select(FundReceiptFile).where(FundReceiptFile.fund_id == fund.id)
                              .order_by(FundReceiptFile.id)).scalars().all()


def view(row):
    return {"id": row.id, "filename": row.filename, "kind": row.kind, "bytes": row.bytes, "sha256": row.sha256,
            "uploaded_by": row.uploaded_by.display_name if row.uploaded_by else None, "uploaded_at": row.uploaded_at,
            "url": f"/api/v1/funds/{row.fund_id}/receipt-files/{row.id}"}


def content(row, missing=("receipt_file_missing", "回执文件已不在存储中", "The receipt file is no longer in storage")):
    """(bytes, content type, the name to save it as) of a stored file (a receipt, a task's attachment) —
    a picture is served as the re-encoded JPEG; 404 ``missing`` (code, zh, en) when storage lost it."""
    data = from_config(current_app.config).get(row.storage_key)
    if data is None:
        raise ApiError(404, *missing)
    name = row.filename
    if row.kind != "pdf" and not name.lower().endswith((".jpg", ".jpeg")):
        name = name.rsplit(".", 1)[0] + ".jpg"
    return data, TYPES["pdf" if row.kind == "pdf" else "jpeg"], name
