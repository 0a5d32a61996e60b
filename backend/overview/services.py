"""The cockpit's one document per view, read from the summary table only.

``overview(region, year)``: the region, its own (本级) and 辖区 (``total``) figures for the year (flows
summed over its months, states as of now), what they mean, the children side by side with their
health, the region's health index, and each flow figure month by month for the year and the year
before. For every figure ``total == own + Σ children.total``.
"""
from collections import defaultdict
from decimal import Decimal

from flask import current_app
from sqlalchemy import bindparam, func, or_, select

from ..core import clock, remembered, tree
from ..core.cache import Lru
from ..core.errors import not_found
from ..core.models import Region
from ..extensions import db
from . import figures, health
from .models import FigureVersion, RegionFigure

READERS = ("admin", "province", "city", "county", "township_lead")
rendered = Lru(512)  # rendered documents without their time, keyed by ``document_key``
_region_stmt = (select(Region, FigureVersion.version)
                .outerjoin(FigureVersion, FigureVersion.region_id == Region.id)
                .where(Region.id == bindparam("region_id")))


def region_brief(region):
    return {"id": region.id, "code": region.code, "name": region.name, "level": region.level,
            "status": region.status}


def _sums(region_ids, year):
    """({region_id: {figure: own value}}, {region_id: {figure: 辖区 value}}) for the year's months
    and the states now, in one query."""
    rows = db.session.execute(
        select(RegionFigure.region_id, RegionFigure.name, func.sum(RegionFigure.own), func.sum(RegionFigure.total))
        .where(RegionFigure.region_id.in_(region_ids),
               or_(RegionFigure.year == year, RegionFigure.year == figures.NOW[0]))
        .group_by(RegionFigure.region_id, RegionFigure.name))
    own, total = defaultdict(dict), defaultdict(dict)
    for region_id, name, own_value, total_value in rows:
        own[region_id][name] = _plain(own_value)
        total[region_id][name] = _plain(total_value)
    return own, total


def _plain(value):
    value = Decimal(value or 0)
    return value.quantize(Decimal("0.01"))


def _complete(values):
    return {name: values.get(name, Decimal("0.00")) for name in figures.FIGURES}


def find(region_id):
    """The region and the version of its figures, in one query (or remembered from an earlier
    request while neither changed: ``core/remembered.py``); 404 when there is no such region (the
    caller checks the scope)."""
    def read():
        row = db.session.execute(_region_stmt, {"region_id": region_id}).first()
        return None if row is None else (remembered.snapshot(row.Region), row.version or 0)
    found = remembered.recall("figures", region_id, read)
    if found is None:
        raise not_found("地区", "region")
    return remembered.attached(found[0]), found[1]


def document_key(region, version, year, viewer=None):
    """The exact version of the region's document for this reader: its figures' version (bumped by
    every refresh that rewrites them or anything under them, summary.py — an import of regions
    refreshes what it imported), the day (time progress moves), the health formula's version, the
    region's own name and the reader's top region (the breadcrumbs stop there). The version is read
    from the database, so every app server's cache agrees."""
    return (region.id, year, version, clock.today(), current_app.config["HEALTH_INDEX"]["version"],
            region.name, region.status, viewer.region.path if viewer is not None else "")


def breadcrumbs(region, viewer=None):
    """The regions above this one that the viewer may open, from the top down."""
    top = viewer.region.path if viewer is not None else ""
    return [region_brief(r) for r in tree.ancestors(region) if r.path.startswith(top)]


def overview(region, year, viewer=None):
    children = db.session.execute(select(Region).where(Region.parent_id == region.id)
                                  .order_by(Region.code)).scalars().all()
    owns, child_totals = _sums([region.id, *(c.id for c in children)], year)
    own, total = owns.get(region.id, {}), child_totals.get(region.id, {})
    kids = []
    for child in children:
        values = child_totals.get(child.id, {})
        if child.status != "active" and not values:
            continue  # a merged or abolished region with nothing on it
        score = health.index(values, child.id, year)
        kids.append({"region": region_brief(child), "total": _complete(values),
                     "derived": figures.derived(values, year),
                     "health": {k: score[k] for k in ("version", "score", "band")}})
    return {
        "region": region_brief(region), "breadcrumbs": breadcrumbs(region, viewer), "year": year, "as_of": clock.now(),
        "figures": {name: {"zh": zh, "en": en, "unit": unit, "group": group, "flow": name in figures.FLOWS,
                           "order": i} for i, (name, (zh, en, unit, group)) in enumerate(figures.FIGURES.items())},
        "own": _complete(own), "total": _complete(total), "derived": figures.derived(total, year),
        "children": kids, "health": health.index(total, region.id, year), "trend": _trend(region, year),
    }


def _trend(region, year):
    """Each flow figure's 辖区 value by month: this year and the year before."""
    rows = db.session.execute(select(RegionFigure.year, RegionFigure.month, RegionFigure.name,
                                     RegionFigure.total)
                              .where(RegionFigure.region_id == region.id,
                                     RegionFigure.year.in_((year, year - 1)), RegionFigure.month > 0))
    out = {key: {name: [Decimal("0.00")] * 12 for name in figures.FLOWS} for key in ("year", "last_year")}
    for y, month, name, value in rows:
        if name in figures.FLOWS:
            out["year" if y == year else "last_year"][name][month - 1] = _plain(value)
    return out
