"""The cockpit over HTTP: one JSON document per view (GET /overview/<region_id>?year=), for a
region in the caller's subtree."""
import json
from datetime import date, datetime
from decimal import Decimal

from flask import Response, current_app

from ..core import clock
from ..core.auth import actor, require
from ..core.models import Region
from ..core.scoping import ensure_in_scope, get_scoped
from . import bp, flow, screen, services
from .schemas import FundFlowOut, FundFlowQuery, OverviewOut, OverviewQuery


@bp.get("/overview/<int:region_id>")
@require(*services.READERS)
@bp.input(OverviewQuery, location="query", arg_name="query")
@bp.output(OverviewOut)
@bp.doc(responses=[400, 401, 403, 404])
def get_overview(region_id, query):
    """A region's cockpit: its own (本级) and 辖区 figures for the year, the regions one level down side
    by side with their health index, the region's health index with every point lost explained, and
    the flow figures month by month for the year and the one before.

    Rendered once per version of the region's figures and reader's top region
    (``services.document_key``); only the time is put in front of the cached rest."""
    viewer = actor()
    region, version = services.find(region_id)
    ensure_in_scope(region, viewer, "地区", "region")
    year = query.get("year") or clock.today().year
    return _cached(services.document_key(region, version, year, viewer), OverviewOut,
                   lambda: services.overview(region, year, viewer))


def _cached(key, schema, make):
    """The document for ``key`` from the cache of rendered documents (``make()`` and render it the
    first time), with the time put in front: the rest stays the same for one version of the
    region's figures (``services.document_key``)."""
    body = services.rendered.get(key)
    if body is None:
        body = current_app.json.dumps(schema(exclude=("as_of",)).dump(make()))
        services.rendered.put(key, body)
    as_of = json.dumps(clock.now().isoformat())  # as the schemas' DateTime writes it
    return Response(f'{{"as_of": {as_of}, {body[1:]}', mimetype="application/json",
                    headers={"Cache-Control": "private, no-cache", "Vary": "Cookie, Authorization"})


@bp.get("/overview/<int:region_id>/fund-flow")
@require(*services.READERS)
@bp.input(FundFlowQuery, location="query", arg_name="query")
@bp.output(FundFlowOut)
@bp.doc(responses=[400, 401, 403, 404])
def get_fund_flow(region_id, query):
    """How the year's funds reached the region's townships: each budget line's hops 到账 → 分配 → 支出
    with the days each took against its statutory limit, late hops flagged (late funds first, paged),
    and the hops summed per child region and per category. Rendered once per version of the region's
    figures (a fund's arrival, allocation or spending refreshes them), day and page, like the
    cockpit. 400 validation_error for a bad year, category or page; 403 out_of_scope; 404 not_found."""
    viewer = actor()
    region, version = services.find(region_id)
    ensure_in_scope(region, viewer, "地区", "region")
    year = query.get("year") or clock.today().year
    return _cached(("fund-flow", *services.document_key(region, version, year, viewer), query.get("category"),
                    query["page"], query["per_page"]), FundFlowOut,
                   lambda: flow.fund_flow(region, viewer, year, query.get("category"), query["page"], query["per_page"]))


@bp.get("/screen/<int:region_id>")
@require(*services.READERS)
@bp.doc(responses={200: {"description": "the screen's document", "content": {"application/json": {}}},
                   401: {}, 403: {}, 404: {}})
def get_screen(region_id):
    """The one screen (一屏) of a region for a meeting-room display: key figures and health, the
    children ranked by health index, the latest open red warnings, rectifications overdue, failed
    subsidy payments not yet paid again, and today's inspections (each list capped, with its
    count). 403 out_of_scope; 404 not_found. The display asks again every minute."""
    region = get_scoped(Region, region_id, actor(), "地区", "region")
    body = current_app.json.dumps(_plain(screen.document(region, actor())))
    return Response(body, mimetype="application/json", headers={"Cache-Control": "private, no-store"})


def _plain(value):
    """Money and figures as strings with two decimals, times and days as ISO text."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value
