"""Subsidies over HTTP: masked lists, audited reveals, villagers' cases (staff side), and the public
village page, self-check and "没收到". (Imports: backend/imports.)"""
from types import SimpleNamespace

from apiflask.fields import Boolean
from sqlalchemy import select

from ..core import export, idempotency, limits, pii
from ..core.auth import actor, require
from ..core.errors import ApiError, bad_field
from ..core.fields import Prose
from ..core.models import Region
from ..core.pagination import paginate, paginate_remembered
from ..core.scoping import covers, get_scoped, narrowed, scoped
from ..core import tree
from ..core.tree import with_places
from ..extensions import db
from ..imports import tables
from ..qrcodes import services as qrcodes
from . import bp, objections, services
from .models import PAYMENT_STATE_NAMES, Beneficiary, Disbursement, NoticeObjection, SubsidyCase, SubsidyPolicy
from .schemas import (AnswerIn, BeneficiaryOut, BeneficiaryPage, BeneficiaryQuery, CaseCreated, CaseIn, CasePage,
                      CaseQuery, DisbursementPage, DisbursementQuery, ExclusiveIn, MyIn, MyOut, NoticeOut, NoticeQuery,
                      ObjectionIn, ObjectionOut, ObjectionPage, ObjectionQuery, PolicyList, PolicyOut, PolicyQuery,
                      ObjectionLookupIn, ObjectionStatusOut, PublicObjectionIn, PublicObjectionOut, ResolveIn, RevealIn,
                      RevealOut, SelfCheckIn, StaffCaseOut, VillageCodeOut, VillageOut, VillageQuery, VillageSearchOut,
                      VillageSearchQuery)

ERRORS = [400, 401, 403, 404, 409, 413, 415, 422]
STAFF = ("admin", "province", "city", "county", "township_lead", "inspector", "department", "clerk")
ANSWERERS = ("admin", "county", "township_lead")
EDITORS = ("admin", "county", "township_lead")  # who sets a policy's exclusive policies


@bp.get("/subsidies/policies")
@require(*STAFF)
@bp.input(PolicyQuery, location="query", arg_name="query")
@bp.output(PolicyList)
@bp.doc(responses=ERRORS)
def list_policies(query):
    """Policies that apply in the caller's region: issued by it, below it or above it."""
    stmt = narrowed(services.visible_policies(actor().region), SubsidyPolicy, actor())  # a department: its own
    if "year" in query:
        stmt = stmt.where(SubsidyPolicy.year == query["year"])
    rows = db.session.execute(stmt.order_by(SubsidyPolicy.year.desc(), SubsidyPolicy.category,
                                            SubsidyPolicy.name).limit(1000)).scalars().all()
    user = actor()
    writer = user.role in EDITORS
    regions = {r.id: r for r in db.session.execute(select(Region).where(
        Region.id.in_({p.region_id for p in rows}))).scalars()} if writer and rows else {}
    return {"items": [{**PolicyOut().dump(p), "editable": writer and covers(user, regions.get(p.region_id))}
                      for p in rows]}


@bp.post("/subsidies/policies/<int:policy_id>/exclusive")
@require(*EDITORS)
@bp.input(ExclusiveIn, arg_name="data")
@bp.output(PolicyOut)
@bp.doc(responses=ERRORS)
def set_exclusive(policy_id, data):
    """Set which policies of the same year may not be received together with this one (互斥政策),
    for a policy issued in the caller's region; the 不得同时享受 warnings follow. Audited; idempotent
    on ``client_uuid``. 422 ``policy_not_exclusive`` (an id that is not another policy of its year)."""
    user = actor()
    policy = get_scoped(SubsidyPolicy, policy_id, user, "补贴政策", "policy")
    return idempotency.once(data["client_uuid"], user, "subsidy.policy_exclusive", lambda: (
        {**PolicyOut().dump(services.set_exclusive(policy, data["exclusive_with"], user)), "editable": True}, 200))


def beneficiary_list(query):
    """The beneficiaries list's SELECT, filtered and ordered (the list and its export share it)."""
    stmt = scoped(select(Beneficiary), Beneficiary, actor(), within=query.get("region_id"))
    q = tables.person_name(query.get("q") or "")  # 王 建国 → 王建国, full-width → half-width
    if q:
        normal, card = pii.normalize_id(q), pii.normalize_card(q)
        if normal:
            stmt = stmt.where(Beneficiary.id_hash == pii.blind(normal, "id_number"))
        elif card:
            stmt = stmt.where(Beneficiary.card_hash == pii.blind(card, "bank_card"))
        else:
            stmt = stmt.where(Beneficiary.name.contains(q, autoescape=True))
    return stmt.order_by(Beneficiary.id)


@bp.get("/subsidies/beneficiaries")
@require(*STAFF)
@bp.input(BeneficiaryQuery, location="query", arg_name="query")
@bp.output(BeneficiaryPage)
@bp.doc(responses=ERRORS)
def list_beneficiaries(query):
    """Beneficiaries in the caller's region (masked). ``q``: a name (or part of one), or a whole
    ID number or bank card number (found through its lookup hash)."""
    page = paginate(beneficiary_list(query), query)
    names = tree.names({b.region_id for b in page["items"]})
    page["items"] = with_places([services.person_view(b, names) for b in page["items"]],
                                [b.region_id for b in page["items"]])
    return page


@bp.get("/subsidies/beneficiaries/<int:beneficiary_id>")
@require(*STAFF)
@bp.output(BeneficiaryOut)
@bp.doc(responses=ERRORS)
def get_beneficiary(beneficiary_id):
    """One beneficiary (masked) with every payment and case."""
    person = get_scoped(Beneficiary, beneficiary_id, actor(), "补贴对象", "beneficiary")
    mine = services.my_view(person)
    payments, cases = mine["payments"], mine["cases"]
    if actor().role == "department":  # only its own policies' payments and cases
        own = set(db.session.execute(narrowed(select(SubsidyPolicy.id), SubsidyPolicy, actor())).scalars())
        payments = [p for p in payments if p.get("policy_id") in own]
        cases = [c for c in cases if c.get("policy_id") in own]
    return {**services.person_view(person), "payments": payments, "cases": cases}


@bp.post("/subsidies/beneficiaries/<int:beneficiary_id>/reveal")
@require(*services.REVEALERS)
@bp.input(RevealIn, arg_name="data")
@bp.output(RevealOut)
@bp.doc(responses=ERRORS)
def reveal(beneficiary_id, data):
    """The full ID number, card or phone — for a lead or county supervisor who needs it, with a
    reason; every reveal is in the audit log."""
    user = actor()
    person = get_scoped(Beneficiary, beneficiary_id, user, "补贴对象", "beneficiary")
    return services.reveal(person, data["field"], user, data["reason"])


def disbursement_list(query):
    """The payments list's SELECT, filtered and ordered (the list and its export share it)."""
    stmt = scoped(select(Disbursement), Disbursement, actor(), within=query.get("region_id"))
    for key in ("policy_id", "period", "status"):
        if key in query:
            stmt = stmt.where(getattr(Disbursement, key) == query[key])
    return stmt.order_by(Disbursement.period.desc(), Disbursement.id.desc())


@bp.get("/subsidies/disbursements")
@require(*STAFF)
@bp.input(DisbursementQuery, location="query", arg_name="query")
@bp.output(DisbursementPage)
@bp.doc(responses=ERRORS)
def list_disbursements(query):
    """Payments in the caller's region (or a region below it), filtered by policy, period, status."""
    # The payment, its person and its policy's name in the one statement (outer joins on their
    # keys, which the first page's count leaves out), no entities built.
    def build():
        listed = disbursement_list(query)
        return listed.with_only_columns(*PAYMENT_COLUMNS).outerjoin(Beneficiary, _ITS_PERSON).outerjoin(
            SubsidyPolicy, _ITS_POLICY), listed
    page = paginate_remembered(build, query)
    rows = [dict(zip(PAYMENT_KEYS, row)) for row in page["items"]]
    names = tree.names({row["person_region_id"] for row in rows})  # their villages'
    page["items"] = with_places([{**services.payment_view(row), "person": services.person_view(_person(row), names)}
                                 for row in rows], [row["region_id"] for row in rows])
    return page


PAYMENT_COLUMNS = (Disbursement.id, Disbursement.policy_id, SubsidyPolicy.name.label("policy"), Disbursement.period,
                   Disbursement.quantity, Disbursement.amount, Disbursement.status, Disbursement.reason,
                   Disbursement.paid_on, Disbursement.card_mask, Disbursement.voucher, Disbursement.region_id,
                   *(column.label(f"person_{column.key}") for column in (
                       Beneficiary.id, Beneficiary.name, Beneficiary.id_mask, Beneficiary.card_mask,
                       Beneficiary.phone_mask, Beneficiary.household, Beneficiary.region_id)))
PAYMENT_KEYS = tuple(column.key for column in PAYMENT_COLUMNS)
# (Built once: a join's condition costs more to put together than to keep.)
_ITS_PERSON, _ITS_POLICY = Beneficiary.id == Disbursement.beneficiary_id, SubsidyPolicy.id == Disbursement.policy_id


def _person(row):
    """A page row's person, with the attributes ``services.person_view`` reads of a beneficiary."""
    return SimpleNamespace(**{key[len("person_"):]: value for key, value in row.items() if key.startswith("person_")})


@bp.get("/subsidies/cases")
@require(*STAFF)
@bp.input(CaseQuery, location="query", arg_name="query")
@bp.output(CasePage)
@bp.doc(responses=ERRORS)
def list_cases(query):
    """Villagers' "没收到" cases in the caller's region, newest first."""
    stmt = scoped(select(SubsidyCase), SubsidyCase, actor(), within=query.get("region_id"))
    if query["status"] != "all":
        stmt = stmt.where(SubsidyCase.status == query["status"])
    page = paginate(stmt.order_by(SubsidyCase.id.desc()), query)
    page["items"] = _case_views(page["items"])
    return page


def _case_views(cases):
    people = {b.id: b for b in db.session.execute(select(Beneficiary).where(
        Beneficiary.id.in_({c.beneficiary_id for c in cases}))).scalars()} if cases else {}
    names = services.policy_names({c.policy_id for c in cases})
    regions = tree.names({b.region_id for b in people.values()})
    return [{**services.case_view(c, names), "person": services.person_view(people[c.beneficiary_id], regions)}
            for c in cases]


@bp.post("/subsidies/cases/<int:case_id>/answer")
@require(*ANSWERERS)
@bp.input(AnswerIn, arg_name="data")
@bp.output(StaffCaseOut)
@bp.doc(responses=ERRORS)
def answer_case(case_id, data):
    """Answer a villager's case: the answer is shown to them, the case closes and its warning is
    cleared. 409 ``case_not_open``."""
    user = actor()
    case = get_scoped(SubsidyCase, case_id, user, "反映", "case")
    return idempotency.once(data["client_uuid"], user, "subsidy.case_answer", lambda: (
        StaffCaseOut().dump(_case_views([services.answer_case(case, user, data["answer"])])[0]), 200))


# ---------------------------------------------------------------- objections to a notice (异议)

@bp.get("/subsidies/notices")
@require(*STAFF)
@bp.input(NoticeQuery, location="query", arg_name="query")
@bp.output(NoticeOut)
@bp.doc(responses=ERRORS)
def village_notice(query):
    """A village's notice (公示) as staff see it: the policies and periods it posted, and with
    ``policy_id`` and ``period`` that notice's lines (people masked), each with its open objections."""
    village = get_scoped(Region, query["region_id"], actor(), "地区", "region")
    return objections.notice(village, actor(), query.get("policy_id"), query.get("period"))


@bp.get("/subsidies/objections")
@require(*STAFF)
@bp.input(ObjectionQuery, location="query", arg_name="query")
@bp.output(ObjectionPage)
@bp.doc(responses=ERRORS)
def list_objections(query):
    """Objections to the notices in the caller's region (or a region below it), newest first:
    ``status`` open (the default), upheld, dismissed or all; ``policy_id``, ``period``."""
    stmt = scoped(select(NoticeObjection), NoticeObjection, actor(), within=query.get("region_id"))
    if query["status"] != "all":
        stmt = stmt.where(NoticeObjection.status == query["status"])
    for key in ("policy_id", "period"):
        if key in query:
            stmt = stmt.where(getattr(NoticeObjection, key) == query[key])
    page = paginate(stmt.order_by(NoticeObjection.id.desc()), query)
    page["items"] = objections.objection_views(page["items"])
    return page


@bp.post("/subsidies/objections")
@require(*objections.RAISERS)
@bp.input(ObjectionIn, arg_name="data")
@bp.output(ObjectionOut, status_code=201)
@bp.doc(responses=ERRORS)
def raise_objection(data):
    """Record an objection (异议) a villager raised to a village's notice for a policy and period:
    about a person on it (``beneficiary_id``) or someone named (``person_name``). While it is open
    that person is not put in a payment batch. Audited; idempotent on ``client_uuid``. 400
    ``not_a_village``, ``objection_needs_person``, ``phone_invalid``, ``received_on_future``; 403
    ``out_of_scope``; 404 ``policy_not_found``; 422 ``beneficiary_not_in_village``."""
    user = actor()
    village = get_scoped(Region, data["region_id"], user, "地区", "region")
    return idempotency.once(data["client_uuid"], user, "subsidy.objection_raise", lambda: (
        ObjectionOut().dump(objections.objection_views([objections.raise_objection(user, village, data)])[0]), 201))


@bp.post("/subsidies/objections/<int:objection_id>/resolve")
@require(*objections.RESOLVERS)
@bp.input(ResolveIn, arg_name="data")
@bp.output(ObjectionOut)
@bp.doc(responses=ERRORS)
def resolve_objection(objection_id, data):
    """The township lead rules on an objection: ``upheld`` (the notice is corrected and posted
    again before the person is paid) or ``dismissed``, with the reason. Audited; idempotent on
    ``client_uuid``. 409 ``objection_not_open``."""
    user = actor()
    objection = get_scoped(NoticeObjection, objection_id, user, "异议", "objection", for_update=True)
    return idempotency.once(data["client_uuid"], user, "subsidy.objection_resolve", lambda: (
        ObjectionOut().dump(objections.objection_views(
            [objections.resolve(objection, user, data["outcome"], data["resolution"])])[0]), 200))


@bp.post("/regions/<int:region_id>/village-code")
@require("admin", "county", "township_lead")
@bp.output(VillageCodeOut)
@bp.doc(responses=ERRORS)
def village_code(region_id):
    """The village's 一村一码 code for its notice board (issued the first time it is asked for)."""
    user = actor()
    village = get_scoped(Region, region_id, user, "地区", "region")
    if village.level != "village":
        raise ApiError(400, "not_a_village", "只有村（社区）有村务公开码", "Only villages have a village code",
                       fields=[{"path": "path.region_id", "message": "not a village"}])
    row = services.village_code(village, user)
    return {"code": row.code, "url": qrcodes.scan_url(row.code), "png_url": f"/api/v1/codes/{row.code}.png",
            "svg_url": f"/api/v1/codes/{row.code}.svg", "village": {"id": village.id, "name": village.name}}


# ---------------------------------------------------------------- public

@bp.get("/public/villages")
@bp.input(VillageSearchQuery, location="query", arg_name="query")
@bp.output(VillageSearchOut)
@bp.doc(responses=[400])
def find_villages(query):
    """Find a village's notice board by the village's name (at most 20, only villages whose code
    is issued), for the public front page. Anyone may search. 400 when ``q`` is blank or long."""
    return {"items": services.find_villages(query["q"])}


@bp.get("/public/villages/<code>")
@bp.input(VillageQuery, location="query", arg_name="query")
@bp.output(VillageOut)
@bp.doc(responses=[400, 404, 410])
def village_page(code, query):
    """A village's notice board (一村一码): the public subsidy list for a period (names masked), the
    current policies and the village's projects. Anyone may read it."""
    row, village = services.village_of_code(code)
    return services.village_page(row, village, query.get("period"))


@bp.post("/public/self-check")
@bp.input(SelfCheckIn, arg_name="data")
@bp.output(MyOut)
@bp.doc(responses=[400, 404, 429])
def self_check(data):
    """A villager proves who they are (name, ID number, last four digits of their bank card or
    phone) and sees their own payments. Unknown IDs and wrong details get the same 404
    ``self_check_no_match``; failures are limited per visitor and per ID (429)."""
    person = services.self_check(data["name"], data["id_number"], data["last4"], limits.visitor())
    return {"token": services.issue_token(person), **services.my_view(person)}


@bp.post("/public/my-payments")
@bp.input(MyIn, arg_name="data")
@bp.output(MyOut)
@bp.doc(responses=[400, 401])
def my_payments(data):
    """The villager's payments again, with the token from the self-check (valid for minutes)."""
    person = services.person_of_token(data["token"])
    return {"token": data["token"], **services.my_view(person)}


@bp.post("/public/cases")
@bp.input(CaseIn, arg_name="data")
@bp.output(CaseCreated, status_code=201)
@bp.doc(responses=[200, 400, 401, 404, 409])
def open_case(data):
    """"没收到": the villager reports a payment that did not arrive (by ``disbursement_id``, or a
    policy and period they expected). It reaches the township as a risk warning at once. Idempotent
    on ``client_uuid`` (a replay answers 200 with the same case)."""
    person = services.person_of_token(data["token"])
    case, created = services.open_case(person, data["client_uuid"], data.get("note"), data.get("disbursement_id"),
                                       data.get("policy_id"), data.get("period"))
    body = {"token": data["token"], **services.my_view(person), "case": services.case_view(case), "created": created}
    return body, 201 if created else 200


@bp.post("/public/villages/<code>/objections")
@bp.input(PublicObjectionIn, arg_name="data")
@bp.output(PublicObjectionOut, status_code=201)
@bp.doc(responses=[200, 400, 404, 409, 410, 429])
def villager_objection(code, data):
    """异议: a villager objects to one of the village's notices while it is up (its 公示期), to the
    notice as a whole or to one line (``line_id``), with the reason, their name and a mobile number
    for the reply (sealed, shown masked). It joins the township's objections: an open one about a
    person stops their payment, and the township's lead and clerks are told at once. The answer
    carries the receipt number. Idempotent on ``client_uuid`` (a retry answers 200 with the same
    receipt); a few per hour per network (429 ``objection_rate_limited``). 409 ``notice_period_over``
    after the notice's period, ``notice_not_up`` before it is posted; 404 ``notice_not_found``,
    ``notice_line_not_found``; 400 ``phone_invalid``."""
    _, village = services.village_of_code(code)
    objection, created = objections.villager_objects(village, data, limits.visitor())
    policy = db.session.get(SubsidyPolicy, objection.policy_id)
    return objections.public_view(objection, village, policy, created), 201 if created else 200


@bp.post("/public/villages/<code>/objections/lookup")
@bp.input(ObjectionLookupIn, arg_name="data")
@bp.output(ObjectionStatusOut)
@bp.doc(responses=[400, 404, 410, 429])
def villager_objection_status(code, data):
    """查询异议: a villager types the receipt number of the objection they sent from this village's
    page and sees where it stands (待办理 / 异议成立 / 异议不成立), when it was received and ruled on,
    and the township's answer; themselves masked as on the receipt. A POST so the number stays out
    of addresses and caches. Wrong numbers are limited per network (429
    ``objection_lookup_rate_limited``); 404 ``objection_receipt_not_found`` for a number this
    village did not give."""
    _, village = services.village_of_code(code)
    return objections.status_view(objections.villager_looks_up(village, data["receipt"], limits.visitor()), village)


# ---------------------------------------------------------------- exports (masked unless revealed)

REVEAL_QUERY = {
    "reveal": Boolean(load_default=False, metadata={
        "description": "full names, ID numbers, cards and phones instead of masks: admin, county and "
                       "township lead only, with a reason; audited as a reveal"}),
    "reason": Prose(200, required=False, metadata={"description": "why the full data is needed (with reveal)"})}


def _revealing(query, what_zh, what_en):
    """Whether this export shows personal data in full: 403 ``reveal_not_allowed`` for a role that
    may not, 400 ``reason_required`` without a reason; a reveal is written to the audit log now
    (committed with the request, before the file streams)."""
    if not query["reveal"]:
        return False
    user = actor()
    if user.role not in services.REVEALERS:
        raise ApiError(403, "reveal_not_allowed", "您的角色不能导出完整个人信息，请导出脱敏数据",
                       "Your role may not export full personal data; export the masked list")
    if not query.get("reason"):
        raise bad_field("query.reason", "reason_required", "导出完整个人信息须填写原因",
                        "Exporting full personal data needs a reason")
    services.record_export_reveal(user, what_en, query, query.get("region_id") or user.region_id)
    return True


PERSON_COLUMNS = (export.col("姓名", "Name", width=10), export.col("身份证号", "ID number", width=22),
                  export.col("银行卡号", "Bank card", width=24))
BENEFICIARY_COLUMNS = (
    export.col("编号", "No.", "number", width=8), *PERSON_COLUMNS, export.col("手机号", "Phone", width=14),
    export.col("户", "Household", width=12), *export.PLACE_COLUMNS)


def _person_cells(b, revealed, card_enc=None, card_mask=None):
    """Name, ID number and card of a beneficiary (or of a row carrying their name, id_enc, id_mask)."""
    if revealed:
        return [b.name, pii.decrypt(b.id_enc, "id_number"),
                pii.decrypt(card_enc, "bank_card") if card_enc else None]
    return [pii.mask_name(b.name), b.id_mask, card_mask]


def beneficiary_rows(stmt, revealed):
    known = {}  # region id → its places, across batches
    for batch in export.batches(stmt):
        places = export.placed((b.region_id for b in batch), known)
        yield [[b.id, *_person_cells(b, revealed, b.card_enc, b.card_mask),
                (pii.decrypt(b.phone_enc, "phone") if b.phone_enc else None) if revealed else b.phone_mask,
                b.household, *places[b.region_id]] for b in batch]


@bp.get("/subsidies/beneficiaries/export")
@require(*STAFF)
@bp.input(export.export_query(BeneficiaryQuery, "BeneficiaryExportQuery", **REVEAL_QUERY), location="query",
          arg_name="query")
@bp.doc(responses={200: {"description": "CSV (UTF-8 with BOM) or Excel, streamed",
                         "content": {"text/csv": {}, export.MIMETYPES["xlsx"]: {}}}, 400: {}, 401: {}, 403: {}, 404: {}})
def export_beneficiaries(query):
    """Every beneficiary the list would show with the same filters (``region_id``, ``q``), masked;
    ``reveal=true`` with a ``reason`` shows them in full for admin, county and township lead (403
    ``reveal_not_allowed`` otherwise; 400 ``reason_required``), and is audited as a reveal."""
    stmt = beneficiary_list(query)
    revealed = _revealing(query, "补贴对象", "beneficiaries")
    return export.respond(query["format"], BENEFICIARY_COLUMNS, lambda: beneficiary_rows(stmt, revealed),
                          "补贴对象清单", "beneficiaries")


DISBURSEMENT_COLUMNS = (
    export.col("编号", "No.", "number", width=8), export.col("补贴政策", "Policy", width=24),
    export.col("期间", "Period", width=9), *PERSON_COLUMNS, *export.PLACE_COLUMNS,
    export.col("数量", "Quantity", "number", width=8), export.col("金额（元）", "Amount (CNY)", "money"),
    export.col("状态", "Status", width=9), export.col("失败原因", "Failure reason", width=20),
    export.col("发放日期", "Paid on", "date", width=12), export.col("凭证号", "Voucher", width=16))


# The export reads plain columns, the payment's and its person's in one query a batch (no entities:
# loading two ORM objects a row was most of an export's time).
PAYMENT_EXPORT_COLUMNS = (
    Disbursement.id, Disbursement.policy_id, Disbursement.period, Disbursement.region_id, Disbursement.card_enc,
    Disbursement.card_mask, Disbursement.quantity, Disbursement.amount, Disbursement.status, Disbursement.reason,
    Disbursement.paid_on, Disbursement.voucher, Beneficiary.name, Beneficiary.id_enc, Beneficiary.id_mask)


def disbursement_rows(stmt, revealed):
    known = {}  # region id → its places, across batches
    flat = stmt.with_only_columns(*PAYMENT_EXPORT_COLUMNS).join(Beneficiary, Beneficiary.id == Disbursement.beneficiary_id)
    for batch in export.batches(flat):
        names = services.policy_names({d.policy_id for d in batch})
        places = export.placed((d.region_id for d in batch), known)
        yield [[d.id, names.get(d.policy_id, ""), d.period,
                *_person_cells(d, revealed, d.card_enc, d.card_mask), *places[d.region_id],
                d.quantity.normalize() if d.quantity is not None else None, d.amount,
                PAYMENT_STATE_NAMES.get(d.status, (d.status,))[0], d.reason, d.paid_on, d.voucher] for d in batch]


@bp.get("/subsidies/disbursements/export")
@require(*STAFF)
@bp.input(export.export_query(DisbursementQuery, "DisbursementExportQuery", **REVEAL_QUERY), location="query",
          arg_name="query")
@bp.doc(responses={200: {"description": "CSV (UTF-8 with BOM) or Excel, streamed",
                         "content": {"text/csv": {}, export.MIMETYPES["xlsx"]: {}}}, 400: {}, 401: {}, 403: {}, 404: {}})
def export_disbursements(query):
    """Every payment the list would show with the same filters (``region_id``, ``policy_id``,
    ``period``, ``status``), masked; ``reveal=true`` with a ``reason`` as for beneficiaries
    (audited). Money is a number with two decimals in Excel, the same figure as text in CSV."""
    stmt = disbursement_list(query)
    revealed = _revealing(query, "补贴发放", "disbursements")
    return export.respond(query["format"], DISBURSEMENT_COLUMNS, lambda: disbursement_rows(stmt, revealed),
                          "补贴发放清单", "payments")
