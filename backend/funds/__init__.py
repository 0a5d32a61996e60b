from apiflask import APIBlueprint

bp = APIBlueprint("funds", __name__, url_prefix="/api/v1", tag="Funds 资金")
