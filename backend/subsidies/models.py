"""Subsidy policies, beneficiaries, disbursements, the public notice (公示), the death and
public-employee lists, villagers' "not received" cases.

Personal data is never stored in clear: ``*_enc`` is AES-GCM ciphertext (core/pii), ``*_hash`` the
keyed lookup hash, ``*_mask`` the masked form shown to people.
"""
import re
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core import clock
from ..core.models import Region, UtcDateTime
from ..core.county import county_column
from ..extensions import db

Money = Numeric(14, 2)
Quantity = Numeric(14, 3)
PAYMENT_STATES = ("paid", "failed", "returned", "pending")
_PERIOD = re.compile(r"^([0-9]{4})(?:-(?:([0-9]{2})|Q([1-4])|H([12])))?$")


def period_months(code):
    """(year, months) of a payment's period — 2026 (the twelve), 2026-03, 2026-Q1, 2026-H1 — or None
    when it reads as none of them."""
    m = _PERIOD.match(code or "")
    if not m:
        return None
    if m.group(2):
        months = (int(m.group(2)),) if 1 <= int(m.group(2)) <= 12 else ()
    elif m.group(3):
        months = tuple(range(int(m.group(3)) * 3 - 2, int(m.group(3)) * 3 + 1))
    elif m.group(4):
        months = tuple(range(1, 7)) if m.group(4) == "1" else tuple(range(7, 13))
    else:
        months = tuple(range(1, 13))
    return (int(m.group(1)), months) if months else None
PAYMENT_STATE_NAMES = {"paid": ("已发放", "Paid"), "failed": ("发放失败", "Failed"),
                       "returned": ("已退回", "Returned"), "pending": ("待发放", "Pending")}
IMPORT_KINDS = ("policies", "beneficiaries", "disbursements", "notices", "deaths", "employees")


class SubsidyPolicy(db.Model):
    """One policy for one year (a new year is a new row: 政策按年度版本管理)."""
    __tablename__ = "subsidy_policies"
    __table_args__ = (UniqueConstraint("region_id", "year", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)  # who issued it
    year: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(40))
    standard_amount: Mapped[Decimal] = mapped_column(Money)
    unit: Mapped[str] = mapped_column(String(20))  # 元/亩, 元/人·月 …
    legal_basis: Mapped[str | None] = mapped_column(String(300))
    department: Mapped[str | None] = mapped_column(String(60))
    excluded: Mapped[str | None] = mapped_column(String(300))  # who is excluded, as written
    excludes_public_employees: Mapped[bool] = mapped_column(Boolean, default=False)
    exclusive_with: Mapped[list] = mapped_column(JSON, default=list)  # names of mutually exclusive policies
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)

    region = relationship(Region, foreign_keys=[region_id])


class Beneficiary(db.Model):
    """A person who may receive subsidies, in their village. One row per ID number."""
    __tablename__ = "beneficiaries"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)  # the village
    county_id: Mapped[int] = county_column()  # (core.county: for distributing by county)
    name: Mapped[str] = mapped_column(String(40))
    id_enc: Mapped[str] = mapped_column(String(120))
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    id_mask: Mapped[str] = mapped_column(String(24))
    card_enc: Mapped[str | None] = mapped_column(String(120))
    card_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    card_mask: Mapped[str | None] = mapped_column(String(24))
    phone_enc: Mapped[str | None] = mapped_column(String(120))
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    phone_mask: Mapped[str | None] = mapped_column(String(24))
    household: Mapped[str | None] = mapped_column(String(60))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)

    region = relationship(Region, foreign_keys=[region_id])


class Disbursement(db.Model):
    """One payment (or attempt) of a policy to a beneficiary for a period. ``row_key`` identifies it
    across imports, so importing the same file again changes nothing and a later file updates the
    status of a pending payment instead of adding a second one."""
    __tablename__ = "disbursements"
    # Indexes that let the subsidy rules read only what they need (see bench/subsidy_rules.py):
    # paid payments in (person, policy, period) order for 重复发放, paid cards with their people for 代领,
    # and each policy's payments by amount per unit for 超标准 (this one also serves lookups by policy).
    # On PostgreSQL the table is partitioned by year (RANGE on ``period``: see core/partitions.py and
    # migration 9e3b5d7a1c42): its primary key there is (id, period) — ids still come from one
    # sequence, so the mapper keeps ``id`` alone — and row_key is unique within its period.
    __table_args__ = (UniqueConstraint("row_key", "period", name="uq_disbursements_row_key_period"),
                      Index("ix_disbursements_person_policy", "beneficiary_id", "policy_id", "period"),
                      Index("ix_disbursements_paid_person", "beneficiary_id", "policy_id", "period", "amount",
                            postgresql_where=text("status = 'paid'"), sqlite_where=text("status = 'paid'")),
                      Index("ix_disbursements_paid_card", "card_hash", "beneficiary_id",
                            postgresql_where=text("status = 'paid'"), sqlite_where=text("status = 'paid'")),
                      Index("ix_disbursements_policy_rate", "policy_id", text("(amount / NULLIF(quantity, 0))")),
                      Index("ix_disbursements_list", "period", "id"))  # the list's order, paged by key

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)  # the beneficiary's village
    county_id: Mapped[int] = county_column()  # (core.county: for distributing by county)
    policy_id: Mapped[int] = mapped_column(ForeignKey("subsidy_policies.id"))
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiaries.id"))
    period: Mapped[str] = mapped_column(String(10))  # 2026, 2026-03, 2026-Q1, 2026-H1
    quantity: Mapped[Decimal] = mapped_column(Quantity, default=1)
    amount: Mapped[Decimal] = mapped_column(Money)
    card_enc: Mapped[str | None] = mapped_column(String(120))
    card_hash: Mapped[str | None] = mapped_column(String(64))
    card_mask: Mapped[str | None] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(String(200))
    paid_on: Mapped[date | None] = mapped_column(Date)
    voucher: Mapped[str | None] = mapped_column(String(40))
    row_key: Mapped[str] = mapped_column(String(64))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id"))


# Why a line of a notice, kept as posted, is a finding rather than a line like the others.
NOTICE_FINDINGS = {
    "unmatched": ("补贴对象名单中找不到与之相符的人", "nobody on the beneficiary list matches it"),
    "ambiguous": ("补贴对象名单中有多人与之相符，无法确定是谁", "several people on the beneficiary list match it"),
    "unknown_beneficiary": ("该身份证号不在补贴对象名单中", "the ID number is not on the beneficiary list"),
    "out_of_scope": ("此人不属于本辖区", "the person is outside this region"),
    "name_mismatch": ("姓名与身份证号登记的不符", "the name differs from the one registered for the ID number"),
    "village_mismatch": ("村与此人登记的村不符", "the village differs from the one the person is registered in"),
    "id_invalid": ("身份证号本身有误（位数、校验位或出生日期不对）", "the ID number itself is wrong (length, check digit or birth date)"),
    "id_missing": ("没有身份证号", "no ID number"),
    "negative_amount": ("公示金额为负数", "the amount on the notice is negative"),
}


class NoticeEntry(db.Model):
    """One line of a village's public notice (公示) for a policy and period, as it was posted: a line
    matched to a beneficiary, or one that could not be matched (``beneficiary_id`` empty) or holds an
    impossible value — kept with its ``finding`` (a NOTICE_FINDINGS code), as evidence of what was
    posted. ``posted_name``/``posted_id`` are the name and ID number as the notice showed them (an ID
    number shown whole is kept only masked); ``line_key`` identifies a line that is not matched across
    imports of the same notice."""
    __tablename__ = "subsidy_notices"
    __table_args__ = (UniqueConstraint("policy_id", "beneficiary_id", "period"),
                      Index("ix_subsidy_notices_region_period", "region_id", "period"))

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    policy_id: Mapped[int] = mapped_column(ForeignKey("subsidy_policies.id"))
    beneficiary_id: Mapped[int | None] = mapped_column(ForeignKey("beneficiaries.id"), index=True)
    period: Mapped[str] = mapped_column(String(10))
    quantity: Mapped[Decimal] = mapped_column(Quantity, default=1)
    amount: Mapped[Decimal] = mapped_column(Money)
    published_on: Mapped[date | None] = mapped_column(Date)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id"))
    posted_name: Mapped[str | None] = mapped_column(String(40))
    posted_id: Mapped[str | None] = mapped_column(String(24))
    finding: Mapped[str | None] = mapped_column(String(30))
    line_key: Mapped[str | None] = mapped_column(String(64), unique=True)


class DeathRecord(db.Model):
    """An imported death (from civil affairs / the public security household register)."""
    __tablename__ = "death_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)  # who imported it
    name: Mapped[str] = mapped_column(String(40))
    id_enc: Mapped[str] = mapped_column(String(120))
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    id_mask: Mapped[str] = mapped_column(String(24))
    died_on: Mapped[date] = mapped_column(Date)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id"))


class PublicEmployee(db.Model):
    """A person on the imported list of public employees (财政供养人员)."""
    __tablename__ = "public_employees"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    id_enc: Mapped[str] = mapped_column(String(120))
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    id_mask: Mapped[str] = mapped_column(String(24))
    employer: Mapped[str | None] = mapped_column(String(100))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id"))


class SubsidyCase(db.Model):
    """A villager's "没收到" (not received): reaches the township as a risk warning until answered."""
    __tablename__ = "subsidy_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiaries.id"), index=True)
    disbursement_id: Mapped[int | None] = mapped_column(ForeignKey("disbursements.id"), index=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("subsidy_policies.id"))
    period: Mapped[str] = mapped_column(String(10))
    note: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | answered
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)


class SelfCheckAttempt(db.Model):
    """A villager's self-check, for the per-visitor and per-ID limits (the ID only as its hash)."""
    __tablename__ = "self_check_attempts"
    __table_args__ = (Index("ix_self_check_ip_at", "ip", "at"), Index("ix_self_check_id_at", "id_hash", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    ip: Mapped[str] = mapped_column(String(64))
    id_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    success: Mapped[bool] = mapped_column(Boolean, default=False)


class ObjectionLookup(db.Model):
    """A villager's look-up of an objection by its receipt number, for the per-visitor limit on
    wrong receipts (the address only as its blinded hash; the receipt tried is not kept)."""
    __tablename__ = "objection_lookups"
    __table_args__ = (Index("ix_objection_lookups_ip_at", "ip_hash", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ip_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    found: Mapped[bool] = mapped_column(Boolean, default=False)


OBJECTION_STATES = ("open", "upheld", "dismissed")
OBJECTION_STATE_NAMES = {"open": ("待办理", "Open"), "upheld": ("异议成立", "Upheld"),
                         "dismissed": ("异议不成立", "Dismissed")}
OBJECTION_SOURCES = ("staff", "villager")


class NoticeObjection(db.Model):
    """An objection (异议) raised against a village's public notice (公示) for a policy and period,
    recorded by the township or sent by the villager from the village's page (then possibly about the
    notice as a whole): about a person on it (``beneficiary_id``), or about someone named in
    ``person_name`` (missing from it, or who should not be on it). While it is open the person is
    not paid (backend/bank); the township lead upholds or dismisses it with a reason. The phone of
    who raised it is kept only sealed (core/pii) and shown masked."""
    __tablename__ = "subsidy_objections"
    __table_args__ = (Index("ix_subsidy_objections_policy_period", "policy_id", "period", "status"),
                      Index("ix_subsidy_objections_ip_at", "ip_hash", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    client_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)  # the village
    policy_id: Mapped[int] = mapped_column(ForeignKey("subsidy_policies.id"))
    period: Mapped[str] = mapped_column(String(10))
    beneficiary_id: Mapped[int | None] = mapped_column(ForeignKey("beneficiaries.id"), index=True)
    person_name: Mapped[str | None] = mapped_column(String(40))
    raised_by: Mapped[str] = mapped_column(String(40))
    phone_enc: Mapped[str | None] = mapped_column(String(120))
    phone_mask: Mapped[str | None] = mapped_column(String(24))
    received_on: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="open")  # OBJECTION_STATES
    resolution: Mapped[str | None] = mapped_column(Text)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # none: the villager's own
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    # OBJECTION_SOURCES: recorded by the township (staff) or sent by the villager from the village's
    # public page (villager, no created_by; a receipt number to keep; the address blinded, for limits).
    source: Mapped[str] = mapped_column(String(10), default="staff", server_default="staff")
    receipt: Mapped[str | None] = mapped_column(String(20), unique=True)
    ip_hash: Mapped[str | None] = mapped_column(String(64))
