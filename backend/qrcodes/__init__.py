from apiflask import APIBlueprint

bp = APIBlueprint("qrcodes", __name__, url_prefix="/api/v1", tag="QR codes 码")
