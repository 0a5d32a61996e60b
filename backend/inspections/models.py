from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, String, Text, and_
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


# One definition of "inspected" for every count of it — 巡查覆盖, the cockpit's 近30天现场巡查过的项目 (and
# the reports' coverage read from it), the 长期未巡查 rule: only an inspection made on site covers its
# project (one without a position, or far from the site, does not show that anybody went and looked),
# and its time is when it reached the server (``created_at``, not the phone's clock).
COVERAGE_DAYS = 30


def on_site():
    """The condition of an inspection made on site: it has a position and it is not away from the site."""
    return and_(Inspection.position_missing.is_(False), Inspection.off_site.is_(False))
