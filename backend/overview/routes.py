"""The cockpit over HTTP: one JSON document per view (GET /overview/<region_id>?year=), for a
region in the caller's subtree."""
import json

from flask import Response, current_app

from ..core import clock
from ..core.auth import actor, require
from ..core.scoping import ensure_in_scope
from . import bp, services
from .schemas import OverviewOut, OverviewQuery


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
    key = services.document_key(region, version, year, viewer)
    body = services.rendered.get(key)
    if body is None:
        doc = services.overview(region, year, viewer)
        body = current_app.json.dumps(OverviewOut(exclude=("as_of",)).dump(doc))
        services.rendered.put(key, body)
    as_of = json.dumps(clock.now().isoformat())  # as OverviewOut's DateTime writes it
    return Response(f'{{"as_of": {as_of}, {body[1:]}', mimetype="application/json",
                    headers={"Cache-Control": "private, no-cache", "Vary": "Cookie, Authorization"})
