"""Funds over HTTP: the register (list, filters, pages), one fund with its chain, and the township's
writes — a new budget line, its arrival with the receipt, allocations and expenditures. Supervisors
read within their region; the township lead and the county write within theirs. Every write carries
a ``client_uuid`` and is answered once."""
from urllib.parse import quote

from flask import Response
from sqlalchemy import extract, func, select

from ..core import idempotency
from ..core.auth import actor, require
from ..core.pagination import paginate
from ..core.errors import ApiError
from ..core.scoping import covers, get_scoped, scoped
from ..core.uploads import large_upload
from ..extensions import db
from . import bp, receipts, services, views
from .models import Fund, FundAllocation, FundExpenditure, FundReceiptFile
from .schemas import (AllocationIn, AllocationOut, ArrivalIn, ExpenditureIn, ExpenditureOut, FundDetail, FundIn,
                      FundPage, FundQuery, ReceiptFileForm, ReceiptFileOut)

ERRORS = [400, 401, 403, 404, 409, 413, 415]


def _sum(model):
    return (select(func.coalesce(func.sum(model.amount), 0)).where(model.fund_id == Fund.id)
            .correlate(Fund).scalar_subquery())


@bp.get("/funds")
@require(*services.READERS)
@bp.input(FundQuery, location="query", arg_name="query")
@bp.output(FundPage)
@bp.doc(responses=ERRORS)
def list_funds(query):
    """The fund register of the caller's region (or a region below it): search 文号 or name (``q``),
    filter by category, source level, stage (or ``unspent``: arrived, not all spent) and year of
    issue; newest issue first."""
    stmt = scoped(select(Fund), Fund, actor(), within=query.get("region_id"))
    if query.get("q", "").strip():
        stmt = services.search(stmt, query["q"].strip())
    for key in ("category", "source_level"):
        if key in query:
            stmt = stmt.where(getattr(Fund, key) == query[key])
    if "year" in query:
        stmt = stmt.where(extract("year", Fund.issued_on) == query["year"])
    stage = query.get("stage")
    if stage == "issued":
        stmt = stmt.where(Fund.arrived_on.is_(None))
    elif stage == "arrived":
        stmt = stmt.where(Fund.arrived_on.is_not(None), _sum(FundAllocation) < Fund.amount)
    elif stage == "allocated":
        stmt = stmt.where(Fund.arrived_on.is_not(None), _sum(FundAllocation) >= Fund.amount,
                          _sum(FundExpenditure) < Fund.amount)
    elif stage == "spent":
        stmt = stmt.where(Fund.arrived_on.is_not(None), _sum(FundExpenditure) >= Fund.amount)
    elif stage == "unspent":
        stmt = stmt.where(Fund.arrived_on.is_not(None), _sum(FundExpenditure) < Fund.amount)
    page = paginate(stmt.order_by(Fund.issued_on.desc(), Fund.id.desc()), query)
    page["items"] = views.fund_views(page["items"])
    return page


@bp.post("/funds")
@require(*services.WRITERS)
@bp.input(FundIn, arg_name="data")
@bp.output(FundDetail, status_code=201)
@bp.doc(responses=ERRORS)
def create_fund(data):
    """Register a budget line issued to a township. 400 ``region_not_township`` / ``date_in_future``
    / ``arrived_before_issued``; 409 ``fund_exists``."""
    user = actor()
    key = data.pop("client_uuid")
    return idempotency.once(key, user, "fund.create", lambda: (
        FundDetail().dump(views.fund_detail(services.create_fund(user, data), True)), 201))


@bp.get("/funds/<int:fund_id>")
@require(*services.READERS)
@bp.output(FundDetail)
@bp.doc(responses=ERRORS)
def get_fund(fund_id):
    """One fund: 下达 → 到账 → 分配 → 支出 with the days each hop took, its allocations,
    expenditures and open warnings."""
    user = actor()
    fund = get_scoped(Fund, fund_id, user, "资金", "fund")
    return views.fund_detail(fund, _can_write(user, fund))


def _can_write(user, fund):
    return user.role in services.WRITERS and covers(user, fund.region)


def _writable(fund_id):
    user = actor()
    return user, get_scoped(Fund, fund_id, user, "资金", "fund")


@bp.post("/funds/<int:fund_id>/arrival")
@require(*services.WRITERS)
@bp.input(ArrivalIn, arg_name="data")
@bp.output(FundDetail)
@bp.doc(responses=ERRORS)
def register_arrival(fund_id, data):
    """Register the arrival (登记/到账) with the receipt number. 400 ``date_in_future`` /
    ``arrived_before_issued``; 409 ``fund_already_registered``."""
    user, fund = _writable(fund_id)
    return idempotency.once(data["client_uuid"], user, "fund.arrival", lambda: (FundDetail().dump(
        views.fund_detail(services.register_arrival(fund, user, data["arrived_on"], data["receipt_no"]), True)), 200))


@bp.post("/funds/<int:fund_id>/receipt-files")
@require(*services.WRITERS)
@bp.input(ReceiptFileForm, location="form_and_files", arg_name="form")
@bp.output(ReceiptFileOut, status_code=201)
@bp.doc(responses=ERRORS)
@large_upload("RECEIPT_MAX_BYTES", "receipt_too_large", "回执文件过大", "The receipt file is too large")
def upload_receipt_file(fund_id, form):
    """Attach the receipt (信息接收回执) as a file — the issuing system's PDF or a scan/photo of the
    paper — to a fund whose arrival is registered. Files are kept, never replaced. 409
    ``fund_not_registered``; 400 ``receipt_empty`` / ``receipt_pdf_damaged`` / ``receipt_active_content``;
    415 ``receipt_type``; 413 ``receipt_too_large``."""
    user, fund = _writable(fund_id)
    upload = form["file"]
    data = upload.read()
    return idempotency.once(form["client_uuid"], user, "fund.receipt_file", lambda: (
        ReceiptFileOut().dump(receipts.view(receipts.store(user, fund, form["client_uuid"], upload.filename, data))), 201))


@bp.get("/funds/<int:fund_id>/receipt-files/<int:file_id>")
@require(*services.READERS)
@bp.doc(responses={200: {"description": "the file: a PDF or a JPEG, as an attachment",
                         "content": {"application/pdf": {}, "image/jpeg": {}}}, **{code: {} for code in ERRORS}})
def get_receipt_file(fund_id, file_id):
    """The receipt file, as a download (never shown inline: ``nosniff`` and a policy that lets nothing in it run)."""
    fund = get_scoped(Fund, fund_id, actor(), "资金", "fund")
    row = db.session.get(FundReceiptFile, file_id)
    if row is None or row.fund_id != fund.id:
        raise ApiError(404, "not_found", "回执文件不存在", "No such receipt file")
    data, mimetype, name = receipts.content(row)
    ascii_name = f"receipt-{fund.id}-{row.id}.{'pdf' if row.kind == 'pdf' else 'jpg'}"
    return Response(data, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}",
        "Content-Security-Policy": "default-src 'none'", "X-Content-Type-Options": "nosniff"})


@bp.post("/funds/<int:fund_id>/allocations")
@require(*services.WRITERS)
@bp.input(AllocationIn, arg_name="data")
@bp.output(AllocationOut, status_code=201)
@bp.doc(responses=ERRORS)
def allocate(fund_id, data):
    """Allocate part of the fund to a project, a subsidy policy or the township's own use.
    409 ``fund_not_registered`` / ``allocation_over_fund``; 400 ``project_not_in_township`` …"""
    user, fund = _writable(fund_id)
    key = data.pop("client_uuid")

    def work():
        row = services.allocate(fund, user, data)
        return AllocationOut().dump(next(a for a in views.fund_detail(fund, True)["allocations"] if a["id"] == row.id)), 201
    return idempotency.once(key, user, "fund.allocate", work)


@bp.post("/funds/<int:fund_id>/expenditures")
@require(*services.WRITERS)
@bp.input(ExpenditureIn, arg_name="data")
@bp.output(ExpenditureOut, status_code=201)
@bp.doc(responses=ERRORS)
def spend(fund_id, data):
    """Record an expenditure. 409 ``fund_not_registered`` / ``voucher_taken`` /
    ``expenditure_over_allocated`` / ``expenditure_over_allocation``; 400 ``spent_before_arrival`` …"""
    user, fund = _writable(fund_id)
    key = data.pop("client_uuid")

    def work():
        row = services.spend(fund, user, data)
        return ExpenditureOut().dump(next(e for e in views.fund_detail(fund, True)["expenditures"]
                                          if e["id"] == row.id)), 201
    return idempotency.once(key, user, "fund.spend", work)
