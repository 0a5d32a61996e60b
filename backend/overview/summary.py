"""Keeping the summary table current.

``refresh(region_ids)`` recomputes the own figures of those regions and everything under them (what
a write or an import touched), then the 辖区 totals of those regions and of every region above them,
level by level from the villages up: ``total = own + Σ children's total``. ``rebuild()`` does the same
for every region. Both run in the job queue (jobs.py) and give identical numbers; the cockpit only
reads the table.
"""
from sqlalchemy import delete, func, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from ..core.models import LEVELS, Region
from ..extensions import db
from . import figures
from .models import RegionFigure

F = RegionFigure.__table__


def rebuild():
    """Every figure of every region, from the fact tables."""
    _lock()
    db.session.execute(delete(RegionFigure))
    _write_own(figures.compute())
    _roll_up(None)


def refresh(region_ids):
    """The figures of these regions and their subtrees, and the totals above them."""
    region_ids = sorted(set(region_ids))
    if not region_ids:
        return
    _lock()
    paths = db.session.execute(select(Region.path).where(Region.id.in_(region_ids))).scalars().all()
    under = or_(*(Region.path.startswith(p, autoescape=True) for p in paths))
    subtree = db.session.execute(select(Region.id).where(under)).scalars().all()
    above = {code for p in paths for code in p.strip("/").split("/")[:-1]}
    ancestors = db.session.execute(select(Region.id).where(Region.code.in_(above))).scalars().all()
    for chunk in _chunks(subtree):
        db.session.execute(update(RegionFigure).where(RegionFigure.region_id.in_(chunk)).values(own=0))
    _write_own(figures.compute(subtree))
    _roll_up(set(subtree) | set(ancestors))


def _lock():
    """One refresh at a time (two at once could add a child's change twice on PostgreSQL)."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(7213001)"))


def _chunks(ids, size=2000):
    ids = list(ids)
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def _upsert(rows, set_):
    """INSERT … ON CONFLICT (region, year, month, name) DO UPDATE on both databases."""
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    for start in range(0, len(rows), 2000):
        stmt = dialect.insert(F).values(rows[start:start + 2000])
        db.session.execute(stmt.on_conflict_do_update(
            index_elements=["region_id", "year", "month", "name"], set_=set_(stmt.excluded)))


def _write_own(values):
    rows = [{"region_id": r, "year": y, "month": m, "name": n, "own": v, "total": 0}
            for (r, y, m, n), v in values.items()]
    _upsert(rows, lambda new: {"own": new.own})


def _roll_up(regions):
    """Totals of these regions (None: all), deepest level first, so each level reads its children's
    fresh totals."""
    for level in reversed(LEVELS):
        ids = db.session.execute(select(Region.id).where(Region.level == level)).scalars().all()
        if regions is not None:
            ids = [i for i in ids if i in regions]
        for chunk in _chunks(ids):
            db.session.execute(update(RegionFigure).where(RegionFigure.region_id.in_(chunk))
                               .values(total=RegionFigure.own))
            child = Region.__table__.alias("child")
            sums = (select(child.c.parent_id, F.c.year, F.c.month, F.c.name, func.sum(F.c.total))
                    .select_from(F.join(child, child.c.id == F.c.region_id))
                    .where(child.c.parent_id.in_(chunk))
                    .group_by(child.c.parent_id, F.c.year, F.c.month, F.c.name))
            rows = [{"region_id": p, "year": y, "month": m, "name": n, "own": 0, "total": t}
                    for p, y, m, n, t in db.session.execute(sums) if t]
            _upsert(rows, lambda new: {"total": F.c.own + new.total})
            db.session.execute(delete(RegionFigure).where(RegionFigure.region_id.in_(chunk),
                                                          RegionFigure.own == 0, RegionFigure.total == 0))
