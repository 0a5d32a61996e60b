"""The public notice (公示) shows an amount that differs from what was actually paid — or shows a line
that matches nobody on the beneficiary list, or an impossible amount (kept as posted by the import).

One cause, one warning: when a line differs from the payments only because the person was paid
twice (one payment equals the notice, the others are the duplicate that 重复发放 already warns
about), no second warning is raised here; the 重复发放 warning shows the notice's amount."""
from sqlalchemy import and_, func, select, tuple_

from ...extensions import db
from ...risks.rules import Hit, masked_person, yuan
from ..models import NOTICE_FINDINGS, Beneficiary, Disbursement, NoticeEntry, SubsidyPolicy

CODE = "subsidy_notice_mismatch"
NAME_ZH, NAME_EN = "公示与实发不符", "Notice differs from payment"
LEVEL = "orange"
DESCRIPTION_ZH = ("村务公示的补贴金额与实际发放金额不一致：公示失真，或实际发放被截留、挪用；"
                  "公示上有补贴对象名单中找不到的人或不可能的金额，也在此预警。")
DESCRIPTION_EN = ("The amount on the village's public notice differs from what was paid: a false notice, or money "
                  "withheld; a notice line that matches nobody on the beneficiary list, or an impossible amount, too.")
THRESHOLDS = ("RISK_NOTICE_TOLERANCE",)
LABELS = {"person": ("对象", "Person"), "id_number": ("身份证号", "ID number"), "policy": ("政策", "Policy"),
          "period": ("期间", "Period"), "published": ("公示金额", "On the notice"), "paid": ("实发金额", "Paid"),
          "finding": ("问题", "Problem")}
VOLATILE = ()


def find(ctx):
    yield from findings(ctx)
    tolerance = ctx.config["RISK_NOTICE_TOLERANCE"]
    # Only periods that have been paid out at all: a notice published before the payment run is
    # not a mismatch yet. The notice's (policy, period) pairs are few; each is one short probe.
    pairs = db.session.execute(select(NoticeEntry.policy_id, NoticeEntry.period).distinct()).all()
    paid_out = [(policy, period) for policy, period in pairs if db.session.execute(
        select(Disbursement.id).where(Disbursement.policy_id == policy, Disbursement.period == period,
                                      Disbursement.status == "paid").limit(1)).first()]
    if not paid_out:
        return
    # What was paid for each (person, policy, period) of those pairs, in one pass over just those
    # periods' payments (on PostgreSQL: just their years' partitions) — not one probe per line.
    periods = sorted({period for _, period in paid_out})
    paid = (select(Disbursement.beneficiary_id, Disbursement.policy_id, Disbursement.period,
                   func.sum(Disbursement.amount).label("paid"), func.count().label("n"))
            .where(Disbursement.status == "paid", Disbursement.period.in_(periods),
                   tuple_(Disbursement.policy_id, Disbursement.period).in_(paid_out))
            .group_by(Disbursement.beneficiary_id, Disbursement.policy_id, Disbursement.period).subquery())
    lines = (select(NoticeEntry.id, NoticeEntry.region_id, NoticeEntry.period, NoticeEntry.amount,
                    NoticeEntry.policy_id, NoticeEntry.beneficiary_id,
                    func.coalesce(paid.c.paid, 0).label("paid"), func.coalesce(paid.c.n, 0).label("n"))
             .outerjoin(paid, and_(paid.c.beneficiary_id == NoticeEntry.beneficiary_id,
                                   paid.c.policy_id == NoticeEntry.policy_id, paid.c.period == NoticeEntry.period))
             .where(*ctx.scope(region=NoticeEntry.region_id), NoticeEntry.finding.is_(None),
                    tuple_(NoticeEntry.policy_id, NoticeEntry.period).in_(paid_out)).subquery())
    rows = db.session.execute(
        select(lines, SubsidyPolicy.name.label("policy"), Beneficiary.name, Beneficiary.id_mask)
        .join(SubsidyPolicy, SubsidyPolicy.id == lines.c.policy_id)
        .join(Beneficiary, Beneficiary.id == lines.c.beneficiary_id)
        .where(func.abs(lines.c.amount - lines.c.paid) > tolerance))
    hits = list(rows)
    # One cause, one warning: a line whose person was paid more than once for it, one payment
    # equal to the notice, is 重复发放's (few lines: one probe each).
    doubled = [r for r in hits if r.n > 1]
    duplicate = set()
    for r in doubled:
        if db.session.execute(select(Disbursement.id).where(
                Disbursement.beneficiary_id == r.beneficiary_id, Disbursement.policy_id == r.policy_id,
                Disbursement.period == r.period, Disbursement.status == "paid",
                func.abs(Disbursement.amount - r.amount) <= tolerance).limit(1)).first():
            duplicate.add(r.id)
    for r in hits:
        if r.id in duplicate:
            continue
        yield Hit(f"notice:{r.id}", "notice", r.region_id, None, {
            **masked_person(r.name, r.id_mask), "policy": r.policy, "period": r.period, "published": ctx.money(r.amount),
            "paid": ctx.money(r.paid)})


def findings(ctx):
    """Lines the import kept as posted with a finding: nobody (or several people) on the list match
    them, or their amount is impossible."""
    rows = db.session.execute(
        select(NoticeEntry.id, NoticeEntry.region_id, NoticeEntry.period, NoticeEntry.amount, NoticeEntry.finding,
               NoticeEntry.posted_name, NoticeEntry.posted_id, SubsidyPolicy.name.label("policy"),
               Beneficiary.name.label("name"), Beneficiary.id_mask)
        .join(SubsidyPolicy, SubsidyPolicy.id == NoticeEntry.policy_id)
        .outerjoin(Beneficiary, Beneficiary.id == NoticeEntry.beneficiary_id)
        .where(*ctx.scope(region=NoticeEntry.region_id), NoticeEntry.finding.is_not(None)))
    for r in rows:
        zh, en = NOTICE_FINDINGS.get(r.finding, (r.finding, r.finding))
        yield Hit(f"notice:{r.id}", "notice", r.region_id, None, {
            **masked_person(r.posted_name or r.name or "", r.posted_id or r.id_mask or ""), "policy": r.policy,
            "period": r.period, "published": ctx.money(r.amount), "finding": zh, "finding_en": en,
            "finding_code": r.finding})


def explain(e):
    if e.get("finding"):
        return (f"公示上的 {e['person']}（{e['id_number']}）“{e['policy']}”{e['period']} ¥{yuan(e['published'])}：{e['finding']}",
                f"The notice's {e['person']} ({e['id_number']}) '{e['policy']}' {e['period']} ¥{yuan(e['published'])}: "
                f"{e.get('finding_en', e['finding'])}")
    return (f"公示 {e['person']} 的“{e['policy']}”{e['period']} 为 ¥{yuan(e['published'])}，实际发放 ¥{yuan(e['paid'])}",
            f"The notice shows ¥{yuan(e['published'])} for {e['person']} ('{e['policy']}' {e['period']}); ¥{yuan(e['paid'])} was paid")
