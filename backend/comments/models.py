from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..core import clock
from ..core.models import UtcDateTime
from ..extensions import db


class ProjectComment(db.Model):
    """A member of the public's complaint or comment on a project (from its plaque), and the
    township's public answer. The contact phone, if left, is personal data: encrypted and masked."""
    __tablename__ = "project_comments"
    __table_args__ = (Index("ix_project_comments_ip_at", "ip_hash", "created_at"),
                      Index("ix_project_comments_project", "project_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    client_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # complaint | comment
    body: Mapped[str] = mapped_column(Text)
    nickname: Mapped[str | None] = mapped_column(String(20))
    contact_enc: Mapped[str | None] = mapped_column(String(120))
    contact_mask: Mapped[str | None] = mapped_column(String(24))
    ip_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | answered | hidden
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    hidden_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
