"""The summary table behind the cockpit: one row per region, period and figure, holding the
region's own value (本级) and the value of everything under it (辖区, ``total``). The job queue keeps
it current after each write or import (summary.py); ``flask figures-rebuild`` recomputes it whole."""
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

Amount = Numeric(20, 2)


class RegionFigure(db.Model):
    """``year``/``month`` 1–12 for a flow counted in that month; 0/0 for a state of things now."""
    __tablename__ = "region_figures"

    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    own: Mapped[Decimal] = mapped_column(Amount)
    total: Mapped[Decimal] = mapped_column(Amount)


class FigureVersion(db.Model):
    """Bumped for a region whenever a refresh or rebuild rewrites its figures (its subtree and the
    regions above it): the cockpit caches a rendered document under (region, year, version), so every
    app server can keep its own copy and none is ever served stale."""
    __tablename__ = "region_figure_versions"

    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
