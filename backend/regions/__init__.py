from apiflask import APIBlueprint

bp = APIBlueprint("regions", __name__, url_prefix="/api/v1", tag="Regions 行政区划")
