"""The report library: every generated report is a row with its file, never changed once issued; a
regeneration is a new version."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core import clock
from ..core.models import UtcDateTime, User
from ..extensions import db


class Report(db.Model):
    """One issued (or queued, or failed) report file: ``status`` queued → done | failed. What makes
    it reproducible is kept beside it: the data cut-off, the SHA-256 of the rows it read (canonical
    JSON, see ``data.rows_hash``), the template's version and who generated it (None: the schedule)."""
    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("region_id", "kind", "period", "format", "version"),
                      Index("ix_reports_region_period", "region_id", "period", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    period: Mapped[str] = mapped_column(String(10))  # 2026-11, 2026-Q4, 2026
    format: Mapped[str] = mapped_column(String(4))  # pdf | xlsx
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    cut_off_at: Mapped[datetime] = mapped_column(UtcDateTime)
    rows_sha256: Mapped[str | None] = mapped_column(String(64))
    template_version: Mapped[str | None] = mapped_column(String(20))
    file_key: Mapped[str | None] = mapped_column(String(200))
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(Integer)
    totals: Mapped[dict | None] = mapped_column(JSON)  # the report's headline figures, for the library
    scheduled: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    error: Mapped[str | None] = mapped_column(String(500))

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
