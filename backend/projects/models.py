from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core import clock
from ..core.models import Region, UtcDateTime
from ..core.county import county_column
from ..extensions import db

Money = Numeric(14, 2)


class Unit(db.Model):
    """A management unit (管理单位): a township finance office, a village collective, a school..."""
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(32))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    address: Mapped[str | None] = mapped_column(String(200))
    head_name: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    batch_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the import run that wrote it last

    region = relationship(Region, foreign_keys=[region_id])


class Project(db.Model):
    """A project (项目). ``chain_head``/``event_count`` anchor the lifecycle hash chain so that a
    deleted last event is detected too."""
    __tablename__ = "projects"
    __table_args__ = (Index("ix_projects_region_stage", "region_id", "stage"),
                      Index("ix_projects_list", "updated_at", "id"))  # the list's order, paged by key

    id: Mapped[int] = mapped_column(primary_key=True)
    ref_no: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(32))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    county_id: Mapped[int] = county_column()  # (core.county: for distributing by county)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    stage: Mapped[str] = mapped_column(String(16), default="approved")
    budget: Mapped[Decimal] = mapped_column(Money)
    funding_sources: Mapped[list] = mapped_column(JSON, default=list)
    contractor: Mapped[str | None] = mapped_column(String(120))
    # 统一社会信用代码, checked (GB 32100-2015) before it is stored.
    contractor_uscc: Mapped[str | None] = mapped_column(String(18))
    # ``companies.company_key(contractor)``: what the payee rule compares payees with.
    contractor_key: Mapped[str | None] = mapped_column(String(120))
    contract_amount: Mapped[Decimal | None] = mapped_column(Money)
    site_address: Mapped[str | None] = mapped_column(String(200))
    lat: Mapped[float | None] = mapped_column(db.Float)
    lng: Mapped[float | None] = mapped_column(db.Float)
    planned_start_on: Mapped[date | None] = mapped_column(Date)
    planned_end_on: Mapped[date | None] = mapped_column(Date)
    progress_pct: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    stage_changed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    chain_head: Mapped[str] = mapped_column(String(64), default="")
    event_count: Mapped[int] = mapped_column(Integer, default=0)
    batch_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the import run that wrote it last

    region = relationship(Region, foreign_keys=[region_id])
    unit = relationship(Unit)


class ProjectPayment(db.Model):
    """A payment (支付) to the contractor."""
    __tablename__ = "project_payments"
    __table_args__ = (UniqueConstraint("project_id", "voucher_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    county_id: Mapped[int] = county_column(through=("project_id", "projects"))  # the project's county
    amount: Mapped[Decimal] = mapped_column(Money)
    paid_on: Mapped[date] = mapped_column(Date)
    payee: Mapped[str] = mapped_column(String(120))
    payee_key: Mapped[str | None] = mapped_column(String(120))  # companies.company_key(payee)
    voucher_no: Mapped[str] = mapped_column(String(40))
    funding_source: Mapped[str] = mapped_column(String(60))
    note: Mapped[str | None] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    batch_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the import run that wrote it last


class LifecycleEvent(db.Model):
    """Append-only. ``hash`` = SHA-256 over the previous event's hash and this event's content."""
    __tablename__ = "lifecycle_events"
    __table_args__ = (UniqueConstraint("project_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


# The comparison keys follow the names however they are set (services, the demo, a test's setattr);
# bulk writes (imports) compute them themselves.
@db.event.listens_for(Project.contractor, "set")
def _contractor_key(target, value, old, initiator):
    from .companies import company_key
    target.contractor_key = company_key(value)


@db.event.listens_for(ProjectPayment.payee, "set")
def _payee_key(target, value, old, initiator):
    from .companies import company_key
    target.payee_key = company_key(value)
