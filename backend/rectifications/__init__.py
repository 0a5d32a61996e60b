from apiflask import APIBlueprint

bp = APIBlueprint("rectifications", __name__, url_prefix="/api/v1", tag="Rectifications 整改")
