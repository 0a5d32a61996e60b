from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core import clock
from ..core.models import User, UtcDateTime
from ..core.county import county_column
from ..extensions import db

VERDICTS = ("normal", "problem")


class Inspection(db.Model):
    """An on-site inspection (巡查): checklist, findings, verdict, the phone's position, and the
    evidence flags computed on arrival (not on site; a reused photo)."""
    __tablename__ = "inspections"
    __table_args__ = (Index("ix_inspections_project_created", "project_id", "created_at"),
                      Index("ix_inspections_list", "created_at", "id"))  # the list's order, paged by key

    id: Mapped[int] = mapped_column(primary_key=True)
    client_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    county_id: Mapped[int] = county_column()  # (core.county: for distributing by county)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    verdict: Mapped[str] = mapped_column(String(8))
    findings: Mapped[str] = mapped_column(Text, default="")
    checklist: Mapped[list] = mapped_column(JSON, default=list)
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    distance_m: Mapped[float | None] = mapped_column(Float)
    off_site: Mapped[bool] = mapped_column(Boolean, default=False)
    position_missing: Mapped[bool] = mapped_column(Boolean, default=False)
    reused_photo: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)

    inspector = relationship(User)
