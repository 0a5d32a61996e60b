"""Departments (农业农村局, 民政局 …) and the policies they own; the tasks routed to them (部门协同任务)
with their history; holds (停发) and recoveries (追回) on subsidy warnings."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core import clock
from ..core.models import Region, User, UtcDateTime
from ..extensions import db

# 派件 → 签收 → 办理 → 反馈 → 核查 → 销号 (a task sent back from 核查 is 办理 again).
TASK_STATES = ("dispatched", "signed", "working", "fed_back", "closed")
STATE_NAMES = {"dispatched": ("已派件", "Dispatched"), "signed": ("已签收", "Signed for"),
               "working": ("办理中", "In progress"), "fed_back": ("已反馈待核查", "Fed back, to check"),
               "closed": ("已销号", "Closed")}
OPEN_STATES = ("dispatched", "signed", "working", "fed_back")


class Department(db.Model):
    """A county department. ``region_id`` is the county it belongs to."""
    __tablename__ = "departments"
    __table_args__ = (UniqueConstraint("region_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    code: Mapped[str] = mapped_column(String(30), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    batch_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the import run that wrote it last

    region = relationship(Region)


class DepartmentPolicy(db.Model):
    """Who owns a policy, when an administrator or the county set it by hand (``department_id`` None:
    nobody). A policy without a row here belongs to the department whose name its free-text
    ``department`` ends with (区农业农村局 → 农业农村局), in the policy's reach."""
    __tablename__ = "department_policies"

    policy_id: Mapped[int] = mapped_column(ForeignKey("subsidy_policies.id"), primary_key=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    batch_id: Mapped[int | None] = mapped_column(Integer)  # the import run that set it last (None: by hand)


class DepartmentPolicyImport(db.Model):
    """Who owned a policy before an import run of departments set it (``existed`` False: nobody had
    said by hand), so that withdrawing the run puts the ownership back."""
    __tablename__ = "department_policy_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("import_runs.id"), index=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("subsidy_policies.id"))
    existed: Mapped[bool] = mapped_column(Boolean)
    before_department_id: Mapped[int | None] = mapped_column(Integer)
    before_batch_id: Mapped[int | None] = mapped_column(Integer)


class DepartmentTask(db.Model):
    """A task routed to a department (or, ``department_id`` None, to the township): about a subject
    (``subject_kind`` + ``subject_id``, e.g. a failed payment), due by a date. ``version`` guards
    every transition: of two people acting at once one wins, the other gets 409."""
    __tablename__ = "department_tasks"
    __table_args__ = (Index("ix_department_tasks_status_due", "status", "due_on"),
                      Index("ix_department_tasks_subject", "subject_kind", "subject_id"),
                      Index("ix_department_tasks_list", "due_on", "id"))  # the list's order, paged by key

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)  # where the subject is
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    subject_kind: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="dispatched")
    version: Mapped[int] = mapped_column(Integer, default=1)
    dispatched_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the system
    feedback: Mapped[str | None] = mapped_column(Text)
    attachment_id: Mapped[int | None] = mapped_column(Integer)
    reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    department = relationship(Department)
    dispatched_by = relationship(User, foreign_keys=[dispatched_by_id])


class TaskStep(db.Model):
    """A task's history: who moved it where, when, with what note."""
    __tablename__ = "department_task_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("department_tasks.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)

    actor = relationship(User)


class TaskFile(db.Model):
    """A photo or PDF a department attaches to its feedback (反馈) on a task: uploaded while it works
    on the task, stamped with the feedback step (``step_id``) when it reports back. Kept, never replaced.
    ``storage_key`` is what is served (a PDF as uploaded, a picture re-encoded without its metadata)."""
    __tablename__ = "department_task_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("department_tasks.id"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    step_id: Mapped[int | None] = mapped_column(ForeignKey("department_task_steps.id"))
    client_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    filename: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))  # pdf | jpeg (what is served)
    sha256: Mapped[str] = mapped_column(String(64))
    bytes: Mapped[int] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(200))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)

    uploaded_by = relationship(User)


class PaymentHold(db.Model):
    """停发: a person's future payments of a policy are held (the bank batches ask ``is_held``).
    At most one live hold per person and policy."""
    __tablename__ = "payment_holds"
    __table_args__ = (Index("uq_payment_holds_live", "beneficiary_id", "policy_id", unique=True,
                            postgresql_where=text("released_at IS NULL"), sqlite_where=text("released_at IS NULL")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)  # the person's village
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiaries.id"), index=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("subsidy_policies.id"))
    warning_id: Mapped[int | None] = mapped_column(ForeignKey("risk_warnings.id"), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    held_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    held_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    justification: Mapped[str | None] = mapped_column(String(500))  # why the hold settles the warning
    justified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    justified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    release_reason: Mapped[str | None] = mapped_column(String(500))


class Recovery(db.Model):
    """追回: money paid wrongly and got back, with its receipt."""
    __tablename__ = "payment_recoveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiaries.id"), index=True)
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("subsidy_policies.id"))
    warning_id: Mapped[int | None] = mapped_column(ForeignKey("risk_warnings.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    recovered_on: Mapped[date] = mapped_column(Date)
    receipt_no: Mapped[str] = mapped_column(String(60))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
