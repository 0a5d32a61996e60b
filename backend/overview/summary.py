"""Keeping the summary table current.

``refresh(region_ids)`` recomputes the own figures of those regions and everything under them (what
a write or an import touched), then the 辖区 totals of those regions and of every region above them,
level by level from the villages up: ``total = own + Σ children's total``. ``rebuild()`` does the same
for every region. Both run in the job queue (jobs.py) and give identical numbers; the cockpit only
reads the table.

Only ``figures.compute`` reads the fact tables, in Python; everything after it is set-based SQL on
the summary table: the own values go in as one ``INSERT … ON CONFLICT`` per batch of rows (compiled
once), and each level's totals are one ``INSERT … SELECT … GROUP BY … ON CONFLICT`` over its
children's rows. Both bump the version of every region they rewrote
(``FigureVersion``), which keys the cockpit's cache of rendered documents.
"""
from functools import cache

from sqlalchemy import ARRAY, and_, bindparam, cast, delete, func, literal, or_, select, text, true, update
from sqlalchemy.dialects import postgresql, sqlite

from ..core.models import LEVELS, Region
from ..extensions import db
from . import figures
from .models import FigureVersion, RegionFigure

F = RegionFigure.__table__
V = FigureVersion.__table__
KEY = ("region_id", "year", "month", "name")
OWN = (*KEY, "own")
COLUMNS = (*OWN, "total")
BATCH = 50_000  # rows per statement


def rebuild():
    """Every figure of every region, from the fact tables."""
    _lock()
    db.session.execute(delete(RegionFigure))
    _write_own(figures.compute(), fresh=True)
    for level in reversed(LEVELS[:-1]):
        _add_children(level)
    db.session.execute(delete(RegionFigure).where(RegionFigure.own == 0, RegionFigure.total == 0))
    _bump(None)
    if db.engine.dialect.name == "postgresql":
        # Every row is new: without fresh statistics the planner takes the next refresh's roll-up of
        # one county for a scan of the whole table (250 ms instead of 8 at a million rows).
        db.session.execute(text("ANALYZE region_figures"))


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
    touched = sorted(set(subtree) | set(ancestors))
    # The subtree's rows are written anew (one write a row, instead of resetting and updating each
    # one), the ancestors' totals start again from their own values.
    for chunk in _chunks(subtree):
        db.session.execute(delete(RegionFigure).where(RegionFigure.region_id.in_(chunk)))
    _write_own(figures.compute(subtree), fresh=True)
    for chunk in _chunks(ancestors):
        db.session.execute(update(RegionFigure).where(RegionFigure.region_id.in_(chunk))
                           .values(total=RegionFigure.own))
    levels = {}
    for chunk in _chunks(touched):
        levels.update(db.session.execute(select(Region.id, Region.level).where(Region.id.in_(chunk))).all())
    for level in reversed(LEVELS[:-1]):
        for chunk in _chunks([i for i in touched if levels.get(i) == level]):
            _add_children(level, chunk)
    for chunk in _chunks(touched):
        db.session.execute(delete(RegionFigure).where(RegionFigure.region_id.in_(chunk),
                                                      RegionFigure.own == 0, RegionFigure.total == 0))
        _bump(chunk)


def _lock():
    """One refresh at a time (two at once could add a child's change twice on PostgreSQL)."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(7213001)"))


def _chunks(ids, size=2000):
    ids = list(ids)
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def _dialect():
    return postgresql if db.engine.dialect.name == "postgresql" else sqlite


@cache
def _insert_own(dialect_name, fresh):
    """``INSERT … ON CONFLICT DO UPDATE SET own`` of a batch of own values (``fresh``: rows emptied
    before, so total = own), built once. On PostgreSQL the batch is one statement whatever its size: the
    rows arrive as one array per column and ``unnest`` turns them back into rows; SQLite runs the
    one-row statement for each row inside its own C loop (``executemany``). A multi-row ``VALUES``
    list is slower on both: SQLAlchemy compiles it anew for every batch and psycopg re-parses a
    statement of thousands of parameters on every call (134 ms for 1,000 rows)."""
    if dialect_name == "postgresql":
        arrays = [cast(bindparam(c, type_=ARRAY(F.c[c].type)), ARRAY(F.c[c].type)) for c in OWN]
        rows = func.unnest(*arrays).table_valued(*OWN).render_derived(name="batch")
        stmt = postgresql.insert(F).from_select(list(COLUMNS), select(
            *(rows.c[c] for c in OWN), rows.c.own if fresh else literal(0)).where(true()))
    else:
        params = {c: bindparam(c, type_=F.c[c].type) for c in OWN}
        stmt = sqlite.insert(F).values({**params, "total": params["own"] if fresh else literal(0)})
    return stmt.on_conflict_do_update(index_elements=KEY, set_={"own": stmt.excluded.own})


def _write_own(values, fresh=False):
    """The own values ``{(region_id, year, month, name): value}`` into the table (total left alone)."""
    items = list(values.items())
    name = db.engine.dialect.name
    for start in range(0, len(items), BATCH):
        batch = [(*key, value) for key, value in items[start:start + BATCH]]
        if name == "postgresql":
            params = {c: list(column) for c, column in zip(OWN, zip(*batch))}
        else:
            params = [dict(zip(OWN, row)) for row in batch]
        db.session.execute(_insert_own(name, fresh), params)


def _add_children(level, parents=None):
    """Add to the totals of the regions of this level (or only these ``parents``) the totals of their
    children, in one ``INSERT … SELECT … GROUP BY … ON CONFLICT`` (their totals already hold their own
    values; a parent without a row yet gets one)."""
    child = Region.__table__.alias("child")
    parent = Region.__table__.alias("parent")
    where = [parent.c.level == level]
    if parents is not None:
        where.append(parent.c.id.in_(parents))
    sums = (select(child.c.parent_id, F.c.year, F.c.month, F.c.name, literal(0), func.sum(F.c.total))
            .select_from(F.join(child, child.c.id == F.c.region_id)
                         .join(parent, parent.c.id == child.c.parent_id))
            .where(and_(true(), *where))  # SQLite needs a WHERE before ON CONFLICT after a SELECT
            .group_by(child.c.parent_id, F.c.year, F.c.month, F.c.name))
    stmt = _dialect().insert(F).from_select(list(COLUMNS), sums)
    db.session.execute(stmt.on_conflict_do_update(index_elements=KEY,
                                                  set_={"total": F.c.own + stmt.excluded.total}))


def _bump(region_ids):
    """A new version for these regions (None: all): the cockpit's cached documents of them are gone."""
    regions = select(Region.id, literal(1))
    if region_ids is not None:
        regions = regions.where(Region.id.in_(region_ids))
    else:
        regions = regions.where(true())
    stmt = _dialect().insert(V).from_select(["region_id", "version"], regions)
    db.session.execute(stmt.on_conflict_do_update(index_elements=["region_id"],
                                                  set_={"version": V.c.version + 1}))
