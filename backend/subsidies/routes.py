"""Subsidies over HTTP: masked lists, audited reveals, villagers' cases (staff side), and the public
village page, self-check and "没收到". (Imports: backend/imports.)"""
from flask import request
from sqlalchemy import select

from ..core import idempotency, pii
from ..core.auth import actor, require
from ..core.errors import ApiError
from ..core.models import Region
from ..core.pagination import paginate
from ..core.scoping import covers, get_scoped, narrowed, scoped
from ..core.tree import with_places
from ..extensions import db
from ..imports import tables
from ..qrcodes import services as qrcodes
from . import bp, services
from .models import Beneficiary, Disbursement, SubsidyCase, SubsidyPolicy
from .schemas import (AnswerIn, BeneficiaryOut, BeneficiaryPage, BeneficiaryQuery, CaseCreated, CaseIn, CasePage,
                      CaseQuery, DisbursementPage, DisbursementQuery, ExclusiveIn, MyIn, MyOut, PolicyList, PolicyOut, PolicyQuery, RevealIn,
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


@bp.get("/subsidies/beneficiaries")
@require(*STAFF)
@bp.input(BeneficiaryQuery, location="query", arg_name="query")
@bp.output(BeneficiaryPage)
@bp.doc(responses=ERRORS)
def list_beneficiaries(query):
    """Beneficiaries in the caller's region (masked). ``q``: a name (or part of one), or a whole
    ID number or bank card number (found through its lookup hash)."""
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
    page = paginate(stmt.order_by(Beneficiary.id), query)
    names = _region_names({b.region_id for b in page["items"]})
    page["items"] = with_places([services.person_view(b, names) for b in page["items"]],
                                [b.region_id for b in page["items"]])
    return page


def _region_names(ids):
    return dict(db.session.execute(select(Region.id, Region.name).where(Region.id.in_(ids))).all()) if ids else {}


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


@bp.get("/subsidies/disbursements")
@require(*STAFF)
@bp.input(DisbursementQuery, location="query", arg_name="query")
@bp.output(DisbursementPage)
@bp.doc(responses=ERRORS)
def list_disbursements(query):
    """Payments in the caller's region (or a region below it), filtered by policy, period, status."""
    stmt = scoped(select(Disbursement), Disbursement, actor(), within=query.get("region_id"))
    for key in ("policy_id", "period", "status"):
        if key in query:
            stmt = stmt.where(getattr(Disbursement, key) == query[key])
    page = paginate(stmt.order_by(Disbursement.period.desc(), Disbursement.id.desc()), query)
    rows = page["items"]
    people = {b.id: b for b in db.session.execute(select(Beneficiary).where(
        Beneficiary.id.in_({d.beneficiary_id for d in rows}))).scalars()} if rows else {}
    names = _region_names({b.region_id for b in people.values()})
    page["items"] = with_places([{**view, "person": services.person_view(people[d.beneficiary_id], names)}
                                 for d, view in zip(rows, services.payment_views(rows))], [d.region_id for d in rows])
    return page


@bp.get("/subsidies/cases")
@require(*STAFF)
@bp.input(CaseQuery, location="query", arg_name="query")
@bp.output(CasePage)
@bp.doc(responses=ERRORS)
def list_cases(query):
    """Villagers' "没收到" cases in the caller's region, newest first."""
    stmt = scoped(select(SubsidyCase), SubsidyCase, actor())
    if query["status"] != "all":
        stmt = stmt.where(SubsidyCase.status == query["status"])
    page = paginate(stmt.order_by(SubsidyCase.id.desc()), query)
    page["items"] = _case_views(page["items"])
    return page


def _case_views(cases):
    people = {b.id: b for b in db.session.execute(select(Beneficiary).where(
        Beneficiary.id.in_({c.beneficiary_id for c in cases}))).scalars()} if cases else {}
    names = services.policy_names({c.policy_id for c in cases})
    regions = _region_names({b.region_id for b in people.values()})
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


def _client_ip():
    return request.remote_addr or ""


@bp.post("/public/self-check")
@bp.input(SelfCheckIn, arg_name="data")
@bp.output(MyOut)
@bp.doc(responses=[400, 404, 429])
def self_check(data):
    """A villager proves who they are (name, ID number, last four digits of their bank card or
    phone) and sees their own payments. Unknown IDs and wrong details get the same 404
    ``self_check_no_match``; failures are limited per visitor and per ID (429)."""
    person = services.self_check(data["name"], data["id_number"], data["last4"], _client_ip())
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
