"""Payment batches (支付批次) to the bank, their lines, and the bank's return files (回盘).

A line is one payment of one policy to one person for one period. ``(beneficiary, policy, period,
attempt)`` is unique across every batch ever: a person is in at most one batch for a policy and
period, and a re-issue (补发) after a failure is the next attempt, made at most once per failure
(``reissue_of_id`` is unique).
"""
from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from ..core import clock
from ..core.models import UtcDateTime
from ..core.county import county_column
from ..extensions import db

Money = Numeric(14, 2)
BATCH_STATES = ("draft", "submitted", "lead_approved", "approved", "exported", "closed")
BATCH_STATE_NAMES = {"draft": ("草稿", "Draft"), "submitted": ("待乡镇审核", "Awaiting the township lead"),
                     "lead_approved": ("待县级审核", "Awaiting the county"), "approved": ("已审核", "Approved"),
                     "exported": ("已送银行", "Sent to the bank"), "closed": ("已对账", "Reconciled")}
LINE_STATES = ("pending", "sent", "paid", "failed", "unknown")
SENT_BATCHES = ("exported", "closed")  # batches whose file is written: the bank has their lines
LINE_STATE_NAMES = {"pending": ("待发送", "Not yet sent"), "sent": ("银行处理中", "At the bank"),
                    "paid": ("已到账", "Paid"), "failed": ("发放失败", "Failed"),
                    "unknown": ("结果待查", "Result unknown (being queried)")}


def line_state(status, batch_status):
    """A line's state. 'sent' (银行处理中) is not stored: a line the bank has not answered is
    'pending' until then, and 'sent' once its batch's file is written — writing the file does not
    rewrite a batch's 100,000 lines to say so."""
    return "sent" if status == "pending" and batch_status in SENT_BATCHES else status


class PaymentBatch(db.Model):
    """A township's batch of one policy's payments for one period, built by a clerk, approved by
    the lead (and the county above ``BANK_COUNTY_APPROVAL_ABOVE``), written as a bank file."""
    __tablename__ = "payment_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)  # the township
    policy_id: Mapped[int] = mapped_column(ForeignKey("subsidy_policies.id"), index=True)
    period: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(10), default="regular")  # regular | reissue
    status: Mapped[str] = mapped_column(String(16), default="draft")
    count: Mapped[int] = mapped_column(Integer, default=0)  # fixed at submit
    total: Mapped[Decimal] = mapped_column(Money, default=0)  # fixed at submit
    refused: Mapped[list] = mapped_column(JSON, default=list)  # the proposal's refusals, with reasons
    removed: Mapped[list] = mapped_column(JSON, default=list)  # people the clerk took out, with reasons
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    lead_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lead_approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    county_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    county_approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    rejected_reason: Mapped[str | None] = mapped_column(String(500))
    export_profile: Mapped[str | None] = mapped_column(String(40))
    export_sha256: Mapped[str | None] = mapped_column(String(64))
    exported_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    @property
    def batch_no(self):
        return f"PB{self.id:08d}"


class BatchPayment(db.Model):
    """One line of a batch: who, how much, to which card (a snapshot), and what the bank said."""
    __tablename__ = "batch_payments"
    __table_args__ = (UniqueConstraint("beneficiary_id", "policy_id", "period", "attempt",
                                       name="uq_batch_payments_person_policy_period"),
                      UniqueConstraint("batch_id", "seq", name="uq_batch_payments_batch_seq"),
                      # (partial: only a re-issue has one; the others' NULLs were an index entry each)
                      Index("uq_batch_payments_reissue_of", "reissue_of_id", unique=True,
                            postgresql_where=text("reissue_of_id IS NOT NULL"),
                            sqlite_where=text("reissue_of_id IS NOT NULL")),
                      Index("ix_batch_payments_region_status", "region_id", "status"),
                      Index("ix_batch_payments_policy_period", "policy_id", "period"))

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("payment_batches.id"))  # (indexed: first of (batch_id, seq))
    seq: Mapped[int] = mapped_column(Integer)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))  # the person's village
    county_id: Mapped[int] = county_column()  # (core.county: for distributing by county)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiaries.id"))
    policy_id: Mapped[int] = mapped_column(ForeignKey("subsidy_policies.id"))
    period: Mapped[str] = mapped_column(String(10))
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 3), default=1)
    amount: Mapped[Decimal] = mapped_column(Money)
    name: Mapped[str] = mapped_column(String(40))
    card_enc: Mapped[str] = mapped_column(String(120))
    card_hash: Mapped[str] = mapped_column(String(64))
    card_mask: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(10), default="pending")  # stored: pending | paid | failed | unknown
    reason_code: Mapped[str | None] = mapped_column(String(16))  # our stable code (AC04 …)
    bank_code: Mapped[str | None] = mapped_column(String(16))  # the bank's own code
    bank_words: Mapped[str | None] = mapped_column(String(200))  # the bank's own words
    route: Mapped[str | None] = mapped_column(String(16))  # department | township (failures)
    route_to: Mapped[str | None] = mapped_column(String(60))  # the department's name, or the township's
    fixed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    fixed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    fix_note: Mapped[str | None] = mapped_column(String(300))
    reissue_of_id: Mapped[int | None] = mapped_column(ForeignKey("batch_payments.id"))
    disbursement_id: Mapped[int | None] = mapped_column(ForeignKey("disbursements.id"), index=True)
    settled_on: Mapped[datetime | None] = mapped_column(UtcDateTime)

    @property
    def end_to_end_id(self):
        return f"PB{self.batch_id:08d}-{self.seq:06d}"


class ReturnFile(db.Model):
    """A return file imported: its SHA-256 is unique, so the same file twice changes nothing."""
    __tablename__ = "bank_return_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("payment_batches.id"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    profile: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str | None] = mapped_column(String(200))
    lines: Mapped[int] = mapped_column(Integer)
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)


class ReconciliationDifference(db.Model):
    """A difference the three-way reconciliation (reconcile.py) found, kept as a finding: the cockpit
    counts them per village (对账差异, 本级 and 辖区) and the subsidies report lists them. The findings
    of one township, policy and period are replaced whole each time it is reconciled again (a return
    file imported, the periodic job); one still there keeps the moment it was first found."""
    __tablename__ = "reconciliation_differences"
    __table_args__ = (Index("ix_reconciliation_differences_key", "township_id", "policy_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)  # the person's village
    policy_id: Mapped[int] = mapped_column(ForeignKey("subsidy_policies.id"))
    period: Mapped[str] = mapped_column(String(10))
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiaries.id"))
    kind: Mapped[str] = mapped_column(String(20))  # reconcile.FINDINGS
    notice_amount: Mapped[Decimal | None] = mapped_column(Money)
    paid_amount: Mapped[Decimal | None] = mapped_column(Money)
    batch_no: Mapped[str | None] = mapped_column(String(12))  # the line it concerns: PB00000012 …
    seq: Mapped[int | None] = mapped_column(Integer)  # (no foreign key: the lines are partitioned on PostgreSQL)
    found_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
