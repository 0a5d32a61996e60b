"""Scanning a plaque, revoking/reissuing codes, printing label sheets."""
import hashlib

from flask import Response, current_app, request

from ..core import headers, idempotency
from ..core.auth import actor, require
from ..core.models import Region
from ..core.scoping import ensure_in_scope, get_scoped
from ..qrcodes import services as qrcodes
from . import bp, services
from .schemas import CodeOut, LabelQuery, ReissueIn, RevokeIn, ScanOut

ERRORS = [400, 401, 403, 404, 409, 410, 413, 415]
CODE_MANAGERS = ("township_lead", "county", "city", "province", "admin")


@bp.get("/scan/<code>")
@bp.output(ScanOut)
@bp.doc(responses=[400, 401, 404, 410])
def scan(code):
    """What a code marks: the public view for anyone, the full view for a user whose region covers
    it. 400 ``code_malformed`` / ``code_checksum``; 404 ``code_not_found``; 410 ``code_revoked``.

    Project scans are rendered once per version of the project (see ``services.version_key``) and
    carry an ETag, so a phone that scans the same plaque again gets a 304."""
    user = actor()
    key = services.version_key(code, user)
    body = services.rendered.get(key) if key else None
    if body is None:
        body = current_app.json.dumps(ScanOut().dump(services.scan(code, user))).encode()
        if key:
            services.rendered.put(key, body)
    etag = hashlib.sha1(repr(key).encode()).hexdigest()[:20] if key else None
    headers = {"Cache-Control": "private, no-cache", "Vary": "Cookie, Authorization"}
    if etag:
        headers["ETag"] = f'"{etag}"'
        if etag in request.if_none_match:
            return Response(status=304, headers=headers)
    return Response(body, mimetype="application/json", headers=headers)


@bp.post("/codes/<code>/revoke")
@require(*CODE_MANAGERS)
@bp.input(RevokeIn, arg_name="data")
@bp.output(CodeOut)
@bp.doc(responses=ERRORS)
def revoke_code(code, data):
    """Revoke a code (a stolen or misplaced plaque); with ``reissue`` the subject gets a new one,
    which is returned. 409 ``code_already_revoked``."""
    user = actor()
    row = ensure_in_scope(qrcodes.find(qrcodes.parse(code)), user, "码", "code")
    key = data.pop("client_uuid")
    return idempotency.once(key, user, "code.revoke", lambda: (
        CodeOut().dump(services.revoke(row, user, data["reason"], data["reissue"])), 200))


@bp.post("/codes/<code>/reissue")
@require(*CODE_MANAGERS)
@bp.input(ReissueIn, arg_name="data")
@bp.output(CodeOut)
@bp.doc(responses=ERRORS)
def reissue_code(code, data):
    """A damaged plaque: the code is revoked and its project (unit, village) gets a new one, which is
    returned; the old code then answers 410 ``code_replaced`` naming the new one. 409
    ``code_already_revoked`` for a code no longer active."""
    user = actor()
    row = ensure_in_scope(qrcodes.find(qrcodes.parse(code)), user, "码", "code")
    key = data.pop("client_uuid")
    return idempotency.once(key, user, "code.reissue", lambda: (
        CodeOut().dump(services.revoke(row, user, data["reason"], True)), 200))


@bp.get("/regions/<int:region_id>/labels")
@require()
@bp.input(LabelQuery, location="query", arg_name="query")
@bp.doc(responses={200: {"description": "Printable A4 HTML label sheet",
                         "content": {"text/html": {"schema": {"type": "string"}}}},
                   400: "Bad input", 401: "Sign in first", 403: "Outside your region",
                   404: "No such region"})
def label_sheet(region_id, query):
    """The printable label sheet for a region's projects and/or units (A4, 21 per page); with
    ``projects``/``villages`` only the chosen ones, with ``within`` every village under the regions named
    (ids outside the region print nothing)."""
    region = get_scoped(Region, region_id, actor(), "地区", "region")
    chosen = None
    if {"projects", "villages", "within"} & query.keys():  # the label-selection screen's choice
        chosen = {"project": query.get("projects", []), "village": query.get("villages", []),
                  "within": query.get("within", [])}
    html = services.label_sheet(region, query["kind"], query.get("stage"), served=True, chosen=chosen)
    # Its one <style> block is allowed by its hash; everything else falls under the app's policy.
    css = html.split("<style>", 1)[1].split("</style>", 1)[0]
    return Response(html, mimetype="text/html",
                    headers={"Content-Security-Policy": headers.policy([headers.style_hash(css)])})
