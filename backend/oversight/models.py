from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..core import clock
from ..core.models import UtcDateTime
from ..extensions import db


class Digest(db.Model):
    """The daily digest one supervisor got for one day: what it said, kept so that it is sent once
    per (user, day) however often the job or the command runs."""
    __tablename__ = "digests"
    __table_args__ = (UniqueConstraint("user_id", "day", name="uq_digests_user_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    day: Mapped[date] = mapped_column(Date)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    body: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
