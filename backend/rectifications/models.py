from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core import clock
from ..core.models import User, UtcDateTime
from ..core.county import county_column
from ..extensions import db

STATES = ("open", "submitted", "approved", "closed_not_fixed")
STATE_NAMES = {"open": ("待整改", "open"), "submitted": ("待审核", "submitted"), "approved": ("已销号", "approved"),
               "closed_not_fixed": ("无法整改已关闭", "closed unfixed")}


class Rectification(db.Model):
    """What must be fixed, by whom, by when. ``version`` guards every transition: two people acting
    at once — one wins, the other gets a conflict."""
    __tablename__ = "rectifications"
    __table_args__ = (Index("ix_rectifications_status_due", "status", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    county_id: Mapped[int] = county_column()  # (core.county: for distributing by county)
    warning_id: Mapped[int | None] = mapped_column(ForeignKey("risk_warnings.id"), index=True)
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"))
    requirement: Mapped[str] = mapped_column(Text)
    responsible_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")
    version: Mapped[int] = mapped_column(Integer, default=1)
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    responsible = relationship(User, foreign_keys=[responsible_id])
    created_by = relationship(User, foreign_keys=[created_by_id])


class Submission(db.Model):
    """Rectification evidence from the field: text, position, photos (photos.evidence_id)."""
    __tablename__ = "rectification_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    rectification_id: Mapped[int] = mapped_column(ForeignKey("rectifications.id"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    text: Mapped[str] = mapped_column(Text)
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)

    submitted_by = relationship(User)


class Transition(db.Model):
    """The rectification's history: who moved it where, when, why."""
    __tablename__ = "rectification_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    rectification_id: Mapped[int] = mapped_column(ForeignKey("rectifications.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)

    actor = relationship(User)
