"""An import run of any kind, what it changed, and the column names a region's clerks use."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core import clock
from ..core.models import User, UtcDateTime
from ..extensions import db


class ImportRun(db.Model):
    """One import run: accepted (with counts) or rejected (with the per-row report; no data written)."""
    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(10))  # queued | accepted | rejected | withdrawn | failed
    rows: Mapped[int] = mapped_column(Integer, default=0)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list] = mapped_column(JSON, default=list)
    # What an accepted run wants the clerk to know: columns it did not use, values it kept.
    notes: Mapped[list] = mapped_column(JSON, default=list)
    # The file's header as read: [{"text": header as written, "field": the field it was read as or null}]
    # — what the column-mapping step shows when a file's headers differ from the known names.
    headers: Mapped[list | None] = mapped_column(JSON)
    # What the run hands back once to the person who imported (a users roster: the one-time
    # passwords, sealed); emptied when fetched.
    secret: Mapped[str | None] = mapped_column(String)
    encoding: Mapped[str | None] = mapped_column(String(16))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    client_uuid: Mapped[str | None] = mapped_column(String(36), unique=True)
    # Withdrawn (撤销): the rows this run added were deleted again; status becomes "withdrawn".
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawn_reason: Mapped[str | None] = mapped_column(String(200))
    withdraw_uuid: Mapped[str | None] = mapped_column(String(36), unique=True)
    # A queued upload waiting for its job: where the file is kept (storage key) until it is imported.
    file_key: Mapped[str | None] = mapped_column(String(200))

    created_by = relationship(User, foreign_keys=[created_by_id])
    withdrawn_by = relationship(User, foreign_keys=[withdrawn_by_id])


class ImportChange(db.Model):
    """What an import run changed in a row that was already stored: the values before it, so that
    withdrawing the run can put them back."""
    __tablename__ = "import_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("import_runs.id"), index=True)
    row_id: Mapped[int] = mapped_column(Integer)  # in the run's kind of table
    before: Mapped[dict] = mapped_column(JSON)  # column → value (decimals and dates as text)


class ColumnMapping(db.Model):
    """How a region's files name the columns of one kind ({header as squashed: field}), saved from the
    column-mapping step so that next month's file from the same clerk goes straight through. A
    region's files also use the mappings saved above it (a county's for its townships)."""
    __tablename__ = "import_mappings"
    __table_args__ = (UniqueConstraint("region_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    kind: Mapped[str] = mapped_column(String(32))
    columns: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
