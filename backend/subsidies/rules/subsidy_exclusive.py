"""Two mutually exclusive policies paid to the same person in the same year."""
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from ...core import partitions
from ...extensions import db
from ...risks.rules import Hit, masked_person
from ..models import Beneficiary, Disbursement, SubsidyPolicy
from ...imports.tables import squash

CODE = "subsidy_exclusive"
NAME_ZH, NAME_EN = "互斥政策重复享受", "Mutually exclusive policies"
LEVEL = "orange"
DESCRIPTION_ZH = "同一人同一年度领取了两项不得同时享受的补贴。"
DESCRIPTION_EN = "One person received, in the same year, two subsidies that may not be combined."
THRESHOLDS = ()
LABELS = {"person": ("对象", "Person"), "id_number": ("身份证号", "ID number"), "policy": ("政策", "Policy"),
          "other_policy": ("互斥政策", "Exclusive with"), "year": ("年度", "Year")}
VOLATILE = ()


def exclusive_pairs():
    """{(a, b): year}: policy ids a < b of the same year where either names the other as exclusive."""
    policies = db.session.execute(select(SubsidyPolicy.id, SubsidyPolicy.name, SubsidyPolicy.year,
                                         SubsidyPolicy.exclusive_with)).all()
    by_name = {}
    for pid, name, year, _ in policies:
        by_name.setdefault((squash(name), year), []).append(pid)
    pairs = {}
    for pid, _, year, others in policies:
        for other in others or ():
            for oid in by_name.get((squash(other), year), ()):
                if oid != pid:
                    pairs[(min(pid, oid), max(pid, oid))] = year
    return pairs


def find(ctx):
    pairs = exclusive_pairs()
    by_year = {}
    for pair, year in pairs.items():
        by_year.setdefault(year, []).append(pair)
    # Year by year: both payments of a pair lie in their policies' year, so on PostgreSQL each
    # side reads that year's partition only (a range on the period the planner prunes on).
    for year, year_pairs in sorted(by_year.items()):
        yield from _find_year(ctx, year, sorted(year_pairs))


def _find_year(ctx, year, pairs):
    a, b = aliased(Disbursement), aliased(Disbursement)
    pa, pb = aliased(SubsidyPolicy), aliased(SubsidyPolicy)
    policies = sorted({p for pair in pairs for p in pair})
    rows = db.session.execute(
        select(Beneficiary.id, Beneficiary.region_id, Beneficiary.name, Beneficiary.id_mask, pa.id, pa.name, pb.id,
               pb.name, pa.year)
        .select_from(a)
        .join(b, and_(b.beneficiary_id == a.beneficiary_id, b.policy_id > a.policy_id))
        .join(pa, pa.id == a.policy_id).join(pb, pb.id == b.policy_id)
        .join(Beneficiary, Beneficiary.id == a.beneficiary_id)
        .where(*ctx.scope(region=Beneficiary.region_id), a.status == "paid", b.status == "paid",
               partitions.year_range(a.period, year), partitions.year_range(b.period, year),
               a.policy_id.in_(policies), b.policy_id.in_(policies),
               or_(*[and_(a.policy_id == x, b.policy_id == y) for x, y in pairs]))
        .group_by(Beneficiary.id, Beneficiary.region_id, Beneficiary.name, Beneficiary.id_mask, pa.id, pa.name, pb.id,
                  pb.name, pa.year)
        .having(func.count() > 0))
    for ben, region_id, name, id_mask, pid, policy, oid, other, year in rows:
        yield Hit(f"excl:{ben}:{pid}:{oid}", "beneficiary", region_id, None, {
            **masked_person(name, id_mask), "policy": policy, "other_policy": other, "year": year})


def explain(e):
    return (f"{e['person']} 在 {e['year']} 年同时领取了“{e['policy']}”和“{e['other_policy']}”，二者不得同时享受",
            f"{e['person']} received both '{e['policy']}' and '{e['other_policy']}' in {e['year']}, which exclude each other")
