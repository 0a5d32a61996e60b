from apiflask import APIBlueprint

bp = APIBlueprint("tasks", __name__, url_prefix="/api/v1", tag="Tasks 任务")
