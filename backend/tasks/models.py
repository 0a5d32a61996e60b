from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core import clock
from ..core.models import User, UtcDateTime
from ..extensions import db

TASK_STATES = ("open", "done", "cancelled")


class Task(db.Model):
    """An inspection assigned to an inspector, due by a date; an inspection recorded for it closes it."""
    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_assignee_status", "assignee_id", "status", "due_on"),
        # One open task per project and inspector: a second assignment while one is open is refused
        # (409 task_already_open), also when two leads assign at the same moment.
        Index("uq_tasks_open_project_assignee", "project_id", "assignee_id", unique=True,
              postgresql_where=text("status = 'open'"), sqlite_where=text("status = 'open'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    assignee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(12), default="open")
    # The inspection that closed it (inspections.task_id is the enforced link; no FK cycle here).
    inspection_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    assignee = relationship(User, foreign_keys=[assignee_id])
