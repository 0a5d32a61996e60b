"""一键直连 over HTTP: batches (build, remove, submit, approve, reject, export), return files,
failures (fix, re-issue), the bank profiles. Thin: parse, check access, call one service."""
from apiflask import Schema
from apiflask.fields import File, Integer, String
from apiflask.validators import Length, OneOf, Range
from flask import Response
from sqlalchemy import select

from ..core.auth import actor, require
from ..core.fields import CleanString, Id
from ..core.models import Region
from ..core.pagination import paginate
from ..core.scoping import get_scoped, scoped
from ..core.uploads import large_upload
from ..extensions import db
from ..subsidies.models import SubsidyPolicy
from . import bp, services
from .models import BATCH_STATE_NAMES, BatchPayment, PaymentBatch
from .profiles import PROFILES, REASONS

ERRORS = [400, 401, 403, 404, 409, 413, 422]


class BuildIn(Schema):
    policy_id = Integer(required=True, validate=Range(min=1, max=2**31 - 1))
    period = CleanString(required=True, validate=Length(min=4, max=10))


class RemoveIn(Schema):
    payment_id = Integer(required=True, validate=Range(min=1, max=2**31 - 1))
    reason = CleanString(required=True, multiline=True, validate=Length(min=1, max=200))


class RejectIn(Schema):
    reason = CleanString(required=True, multiline=True, validate=Length(min=1, max=500))


class ExportIn(Schema):
    profile = String(required=True, validate=OneOf(list(PROFILES)))


class ReturnIn(Schema):
    file = File(required=True)
    batch_id = Integer(validate=Range(min=1, max=2**31 - 1))


class FixIn(Schema):
    bank_card = CleanString(validate=Length(max=40))
    note = CleanString(multiline=True, validate=Length(max=300))


class ListQuery(Schema):
    page = Integer(load_default=1, validate=Range(min=1, max=100000))
    per_page = Integer(load_default=20, validate=Range(min=1, max=100))
    after = String(validate=Length(max=200))
    status = String(validate=OneOf(list(BATCH_STATE_NAMES)))
    region_id = Id(metadata={"description": "the batches of this region and below (one of the caller's)"})


def _names(batches):
    policies = dict(db.session.execute(select(SubsidyPolicy.id, SubsidyPolicy.name).where(
        SubsidyPolicy.id.in_({b.policy_id for b in batches}))).all()) if batches else {}
    regions = dict(db.session.execute(select(Region.id, Region.name).where(
        Region.id.in_({b.region_id for b in batches}))).all()) if batches else {}
    return policies, regions


def batch_view(b, policies=None, regions=None, lines=False):
    if policies is None:
        policies, regions = _names([b])
    zh, en = BATCH_STATE_NAMES[b.status]
    out = {"id": b.id, "batch_no": b.batch_no, "region_id": b.region_id, "township": regions.get(b.region_id),
           "policy_id": b.policy_id, "policy": policies.get(b.policy_id), "period": b.period, "kind": b.kind,
           "status": b.status, "status_zh": zh, "status_en": en, "count": b.count, "total": str(b.total),
           "created_by_id": b.created_by_id, "created_at": b.created_at.isoformat(),
           "rejected_reason": b.rejected_reason, "export_profile": b.export_profile, "export_sha256": b.export_sha256,
           "refused": b.refused or [], "removed": b.removed or [],
           "needs_county": b.total > _threshold()}
    if lines:
        out["stopped"] = services.stopped_view(services.stopped_lines(b))
        rows = db.session.execute(select(BatchPayment).where(BatchPayment.batch_id == b.id)
                                  .order_by(BatchPayment.seq)).scalars().all()
        villages = dict(db.session.execute(select(Region.id, Region.name).where(
            Region.id.in_({r.region_id for r in rows}))).all()) if rows else {}
        out["lines"] = [{**services.line_view(r, policies, villages, b.status), "amount": str(r.amount)} for r in rows]
    return out


def _threshold():
    from flask import current_app
    return current_app.config["BANK_COUNTY_APPROVAL_ABOVE"]


def _batch(batch_id):
    return get_scoped(PaymentBatch, batch_id, actor(), "支付批次", "payment batch", for_update=True)


@bp.get("/bank/profiles")
@require(*services.READERS)
@bp.doc(responses=[200, *ERRORS])
def profiles():
    """The bank profiles (file layouts) and the failure reasons with their routes."""
    return {"profiles": [{"code": k, "name_zh": p["name_zh"], "name_en": p["name_en"], "format": p["format"],
                          "encoding": p["encoding"]} for k, p in PROFILES.items()],
            "reasons": [{"code": k, **v} for k, v in REASONS.items()]}


@bp.get("/bank/batches")
@require(*services.READERS)
@bp.input(ListQuery, location="query", arg_name="query")
@bp.doc(responses=[200, *ERRORS])
def list_batches(query):
    """Payment batches in the caller's region (or ``region_id``'s, one of theirs: 403 ``out_of_scope``,
    404), newest first, each naming its township."""
    stmt = scoped(select(PaymentBatch), PaymentBatch, actor(), within=query.get("region_id"))
    if query.get("status"):
        stmt = stmt.where(PaymentBatch.status == query["status"])
    page = paginate(stmt.order_by(PaymentBatch.id.desc()), query)
    policies, regions = _names(page["items"])
    page["items"] = [batch_view(b, policies, regions) for b in page["items"]]
    return page


@bp.post("/bank/batches")
@require(*services.BUILDERS)
@bp.input(BuildIn, arg_name="data")
@bp.doc(responses=[201, *ERRORS])
def build(data):
    """A clerk builds a draft batch for a policy and period: everyone eligible, the refused listed with
    reasons. 422 ``batch_empty``; 400 ``period_malformed``; 404 ``policy_not_found``."""
    batch = services.build_batch(actor(), data["policy_id"], data["period"])
    return batch_view(batch, lines=True), 201


@bp.get("/bank/batches/<int:batch_id>")
@require(*services.READERS)
@bp.doc(responses=[200, *ERRORS])
def get_batch(batch_id):
    """One batch with its lines (masked)."""
    return batch_view(get_scoped(PaymentBatch, batch_id, actor(), "支付批次", "payment batch"), lines=True)


@bp.post("/bank/batches/<int:batch_id>/remove")
@require(*services.BUILDERS)
@bp.input(RemoveIn, arg_name="data")
@bp.doc(responses=[200, *ERRORS])
def remove(batch_id, data):
    """Take a person out of a draft batch, with a reason — or, until the bank file is written, one an
    objection to the notice stops (a submitted or approved batch goes back to draft). 409
    ``batch_state``; 404 ``payment_not_in_batch``."""
    return batch_view(services.remove_line(_batch(batch_id), actor(), data["payment_id"], data["reason"]), lines=True)


@bp.post("/bank/batches/<int:batch_id>/submit")
@require(*services.BUILDERS)
@bp.doc(responses=[200, *ERRORS])
def submit(batch_id):
    """Submit a draft for approval; count and total are fixed. 409 ``batch_state``, ``batch_objection``
    (an objection stops someone in it: each in ``fields`` as ``lines.<seq>``); 422 ``batch_empty``."""
    return batch_view(services.submit(_batch(batch_id), actor()))


@bp.post("/bank/batches/<int:batch_id>/approve")
@require(*services.APPROVERS)
@bp.doc(responses=[200, *ERRORS])
def approve(batch_id):
    """Approve (the lead; the county too above the limit). 403 ``maker_cannot_approve``, ``approver_role``;
    409 ``batch_objection`` (an objection stops someone in it)."""
    return batch_view(services.approve(_batch(batch_id), actor()))


@bp.post("/bank/batches/<int:batch_id>/reject")
@require(*services.APPROVERS)
@bp.input(RejectIn, arg_name="data")
@bp.doc(responses=[200, *ERRORS])
def reject(batch_id, data):
    """Send a batch back to its clerk with the reason. 409 ``batch_state``."""
    return batch_view(services.reject(_batch(batch_id), actor(), data["reason"]))


@bp.post("/bank/batches/<int:batch_id>/export")
@require(*services.SENDERS)
@bp.input(ExportIn, arg_name="data")
@bp.doc(responses=[200, *ERRORS])
def export(batch_id, data):
    """The approved batch as the bank's file (a download); its format and SHA-256 are recorded on the
    batch, and later downloads give that file again. 409 ``batch_state``, ``batch_objection`` (an
    objection stops someone in it; never once the file is out), ``export_profile_fixed`` (another
    format than the one sent), ``export_changed`` (the data no longer writes the file sent). Each
    download is in the audit view (full card and ID numbers)."""
    payload, filename = services.export(_batch(batch_id), actor(), data["profile"])
    batch = db.session.get(PaymentBatch, batch_id)
    return Response(payload, mimetype="application/octet-stream", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "X-Content-SHA256": batch.export_sha256})


@bp.post("/bank/returns")
@large_upload("IMPORT_MAX_BYTES", "return_too_large", "回盘文件过大", "The return file is too large")
@require(*services.SENDERS)
@bp.input(ReturnIn, location="form_and_files", arg_name="data")
@bp.doc(responses=[200, *ERRORS])
def import_return(data):
    """Import a bank return file (pain.002 or the text profile's files), for ``batch_id`` if given.
    The whole file is refused (422) when anything does not match; the same file twice changes nothing."""
    upload = data["file"]
    payload = upload.read()
    batch = _batch(data["batch_id"]) if data.get("batch_id") else None
    return services.import_return(payload, actor(), upload.filename, batch)


@bp.get("/bank/batches/<int:batch_id>/reconciliation")
@require(*services.READERS)
@bp.doc(responses=[200, *ERRORS])
def reconciliation(batch_id):
    """三方对账 of the batch's policy and period in its township, village by village: the notice ↔
    the batches ↔ the bank's result, every difference a finding (``not_paid``, ``not_on_notice``,
    ``amount_differs``, ``card_differs``, ``paid_twice``)."""
    from .reconcile import reconcile
    return reconcile(get_scoped(PaymentBatch, batch_id, actor(), "支付批次", "payment batch"))


@bp.get("/bank/failures")
@require(*services.READERS)
@bp.doc(responses=[200, *ERRORS])
def failures():
    """Failed payments in the caller's region with the route each goes to, fixed or not, re-issued or not."""
    return {"items": services.failures_for_routing(actor().region)}


@bp.post("/bank/payments/<int:payment_id>/fix")
@require(*services.SENDERS)
@bp.input(FixIn, arg_name="data")
@bp.doc(responses=[200, *ERRORS])
def fix(payment_id, data):
    """Record the fix of a failed payment: a new card for the person and/or a note. 409
    ``payment_not_failed``; 400 ``card_malformed``, ``fix_empty``."""
    p = services.fix(payment_id, actor(), data.get("bank_card"), data.get("note"))
    return services.line_view(p)


@bp.post("/bank/payments/<int:payment_id>/reissue")
@require(*services.SENDERS)
@bp.doc(responses=[200, 201, *ERRORS])
def reissue(payment_id):
    """Put a fixed failure into the follow-up batch, exactly once (a repeat answers 200 with the same
    line). 409 ``payment_not_failed``, ``payment_not_fixed``; ``objection_open``, ``objection_upheld``,
    ``notice_short`` while an objection to the notice stops the person."""
    line, created = services.reissue(payment_id, actor())
    return {**services.line_view(line), "created": created}, 201 if created else 200
