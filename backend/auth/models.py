"""One-time passwords a roster import made, kept only until the importer has seen them once."""
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..core import clock
from ..core.models import UtcDateTime
from ..extensions import db


class PendingPassword(db.Model):
    """A new account's first password, encrypted (core.pii) under the field name
    ``one_time_password``; the rows of a run are deleted the moment its importer reads them."""
    __tablename__ = "pending_passwords"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(Integer, index=True)  # the import run
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    importer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    secret_enc: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
