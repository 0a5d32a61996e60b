from apiflask import APIBlueprint

bp = APIBlueprint("assets", __name__, url_prefix="/api/v1", tag="Assets & resources 三资")
