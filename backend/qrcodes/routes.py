"""QR symbols as images. Public: the image only encodes the code's own public URL."""
from flask import Response, request

from . import bp, services

IMMUTABLE = "public, max-age=31536000, immutable"


def _send(code, kind, mimetype):
    code = services.parse(code)
    services.find(code)  # 404 for codes that never existed; revoked codes still draw
    etag = f'"{code}-{kind}"'
    if request.headers.get("If-None-Match") == etag:
        return Response(status=304, headers={"ETag": etag, "Cache-Control": IMMUTABLE})
    return Response(services.image(code, kind), mimetype=mimetype,
                    headers={"ETag": etag, "Cache-Control": IMMUTABLE})


@bp.get("/codes/<code>.png")
@bp.doc(responses={200: {"description": "PNG image", "content": {"image/png": {}}},
                   400: "Malformed code", 404: "No such code"})
def code_png(code):
    """The QR symbol as PNG. 400 ``code_malformed`` / ``code_checksum``; 404 ``code_not_found``."""
    return _send(code, "png", "image/png")


@bp.get("/codes/<code>.svg")
@bp.doc(responses={200: {"description": "SVG image", "content": {"image/svg+xml": {}}},
                   400: "Malformed code", 404: "No such code"})
def code_svg(code):
    """The QR symbol as SVG."""
    return _send(code, "svg", "image/svg+xml")
