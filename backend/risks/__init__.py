from apiflask import APIBlueprint

bp = APIBlueprint("risks", __name__, url_prefix="/api/v1", tag="Risk warnings 风险预警")
