"""The history of the region tree: every rename, abolition, merger and restoration a division table
import (or an administrator by hand) made, so that a village renamed or merged last year can still
be followed from the name an old paper record gives."""
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core import clock
from ..core.models import Region, UtcDateTime
from ..extensions import db

CHANGE_KINDS = ("add", "rename", "abolish", "merge", "restore")


class RegionChange(db.Model):
    __tablename__ = "region_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    old_name: Mapped[str | None] = mapped_column(String(64))
    new_name: Mapped[str | None] = mapped_column(String(64))
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    effective_on: Mapped[date] = mapped_column(Date)
    year: Mapped[int | None] = mapped_column(Integer)  # the official table's year, when known
    note: Mapped[str | None] = mapped_column(String(200))  # the table's 变更说明, or the admin's reason
    batch_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the import run (None: by hand)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)

    region = relationship(Region, foreign_keys=[region_id])
    successor = relationship(Region, foreign_keys=[successor_id])
