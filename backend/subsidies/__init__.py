from apiflask import APIBlueprint

bp = APIBlueprint("subsidies", __name__, url_prefix="/api/v1", tag="Subsidies 惠民补贴")
