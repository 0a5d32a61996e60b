from apiflask import APIBlueprint

bp = APIBlueprint("projects", __name__, url_prefix="/api/v1", tag="Projects 项目")
