"""The summary table behind the cockpit: one row per region, period and figure, holding the
region's own value (本级) and the value of everything under it (辖区, ``total``). The job queue keeps
it current after each write or import (summary.py); ``flask figures-rebuild`` recomputes it whole."""
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from ..core.models import UtcDateTime
from ..extensions import db

Amount = Numeric(20, 2)


class _Figures:
    """A figure of a region for a year and month: its own value (本级) and its subtree's (辖区)."""
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    own: Mapped[Decimal] = mapped_column(Amount)
    total: Mapped[Decimal] = mapped_column(Amount)


class RegionFigure(_Figures, db.Model):
    """``year``/``month`` 1–12 for a flow counted in that month; 0/0 for a state of things now."""
    __tablename__ = "region_figures"


class FigureVersion(db.Model):
    """Bumped for a region whenever a refresh or rebuild rewrites its figures (its subtree and the
    regions above it): the cockpit caches a rendered document under (region, year, version), so every
    app server can keep its own copy and none is ever served stale."""
    __tablename__ = "region_figure_versions"

    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)


class StateSnapshot(db.Model):
    """A month whose state figures were kept as they stood when it closed (``snapshots.take``)."""
    __tablename__ = "state_snapshots"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[int] = mapped_column(Integer, primary_key=True)
    taken_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RegionStateFigure(_Figures, db.Model):
    """A state figure (``RegionFigure`` at 0/0: idle money, open warnings, assets held …) as it stood
    at the end of ``year``/``month``: the summary keeps states only as they are now, so the month's
    close is copied once, soon after it (overview/jobs.py). A report of a closed month reads its
    states here — made that day or again a year later, the same — and the health index's 上期 is
    the previous month's own states, not today's."""
    __tablename__ = "region_state_figures"
