from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, literal_column, text
from sqlalchemy.orm import Mapped, mapped_column

from ..core import clock
from ..core.models import UtcDateTime
from ..core.county import county_column
from ..extensions import db

LEVELS = ("red", "orange", "yellow")
WARNING_STATES = ("open", "resolved", "dismissed")
# The list's order, red first: "is it red", "is it orange" (true first), written with literals (not
# bound values) so that the query's expressions are the indexed ones and the database walks
# ``ix_risk_warnings_list`` instead of sorting every warning in the region.
LEVEL_FIRST = ("red", "orange")
FIRST_SQL = tuple(f"(level = '{level}')" for level in LEVEL_FIRST)


def level_first(level):
    """The list's leading sort keys on the column ``level``: ``level = 'red'``, ``level = 'orange'``."""
    return tuple(level == literal_column(f"'{name}'") for name in LEVEL_FIRST)


class RiskWarning(db.Model):
    """One rule's finding about one subject. A scan updates it in place: it opens, is resolved when
    the cause is gone (or rectified), reopens when the cause returns, and a dismissal holds until
    the facts (``fingerprint``) change."""
    __tablename__ = "risk_warnings"
    __table_args__ = (UniqueConstraint("rule_code", "subject_key"),
                      Index("ix_risk_warnings_status_level", "status", "level"),
                      Index("ix_risk_warnings_list", "status", *map(text, FIRST_SQL), "last_seen_at", "id"),
                      Index("ix_risk_warnings_list_all", *map(text, FIRST_SQL), "last_seen_at", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_code: Mapped[str] = mapped_column(String(40))
    subject_key: Mapped[str] = mapped_column(String(200))
    subject_type: Mapped[str] = mapped_column(String(20))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    county_id: Mapped[int] = county_column()  # (core.county: for distributing by county)
    level: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(12), default="open")
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)
    fingerprint: Mapped[str] = mapped_column(String(64))
    first_seen_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolved_reason: Mapped[str | None] = mapped_column(String(40))
    dismissed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    dismissed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    dismissed_reason: Mapped[str | None] = mapped_column(String(500))
    # Dismissed or rectified at these facts: the warning stays settled until the facts change.
    hold_fingerprint: Mapped[str | None] = mapped_column(String(64))
    # A red warning is told to the county's supervisors once, whenever it (re)opens first.
    county_told_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
